from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from psm.accounts.models import ContactEmail
from psm.audit.models import AuditEntry
from psm.notifications.services import deliver_due
from psm.team.models import User
from psm.testing.book import Book, login


def contact_data(**extra: str) -> dict[str, str]:
    data = {
        "name": "Alma Client",
        "emails": "alma@acme.example",
        "preferred_channel": "email",
        "default_priority": "P3",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_edit_contact_changes_addresses_and_audits(book: Book) -> None:
    url = f"/accounts/acme/contacts/{book.contact_a.pk}/edit/"
    response = login(book.alice).post(
        url, contact_data(emails="alma.new@acme.example, alma@acme.example")
    )
    assert response.status_code == 302
    addresses = list(
        ContactEmail.objects.filter(contact=book.contact_a).values_list("address", "is_primary")
    )
    assert sorted(addresses) == [("alma.new@acme.example", True), ("alma@acme.example", False)]
    assert AuditEntry.objects.filter(action="contact.update", account=book.a).exists()


def test_edit_contact_keeps_its_own_address_but_refuses_anothers(book: Book) -> None:
    url = f"/accounts/acme/contacts/{book.contact_a.pk}/edit/"
    client = login(book.alice)
    assert client.post(url, contact_data()).status_code == 302
    response = client.post(url, contact_data(emails="bert@globex.example"))
    assert b"Already used by another contact" in response.content


def test_contact_of_another_account_is_not_found_under_this_one(book: Book) -> None:
    response = login(book.alice).get(f"/accounts/acme/contacts/{book.contact_b.pk}/edit/")
    assert response.status_code == 404


def test_grant_portal_access_emails_a_working_set_password_link(book: Book) -> None:
    contact = book.a.contacts.create(name="Pat Newcomer")
    ContactEmail.objects.create(contact=contact, address="pat@acme.example", is_primary=True)
    response = login(book.alice).post(
        f"/accounts/acme/contacts/{contact.pk}/portal/", {"action": "grant"}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    user = User.objects.get(pk=contact.user_id)
    assert (user.username, user.role, user.has_usable_password()) == (
        "pat@acme.example",
        "client",
        False,
    )
    deliver_due()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@acme.example"]
    link = re.search(r"http://[^/]+(/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    client = Client()
    form = client.get(link.group(1), follow=True)
    assert b"Choose your password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-portal-pass-42", "new_password2": "a-long-portal-pass-42"},
    )
    assert done.status_code == 302
    assert Client().login(username="pat@acme.example", password="a-long-portal-pass-42")


def test_revoke_portal_access(book: Book) -> None:
    login(book.alice).post(
        f"/accounts/acme/contacts/{book.contact_a.pk}/portal/", {"action": "revoke"}
    )
    book.client_a.refresh_from_db()
    assert not book.client_a.is_active
    assert AuditEntry.objects.filter(action="contact.portal_revoke").exists()


def test_portal_grant_is_post_only(book: Book) -> None:
    assert (
        login(book.alice).get(f"/accounts/acme/contacts/{book.contact_a.pk}/portal/").status_code
        == 405
    )


def test_edit_site(book: Book) -> None:
    site = book.a.sites.get()
    response = login(book.alice).post(
        f"/accounts/acme/sites/{site.pk}/edit/",
        {"name": "Boston HQ", "timezone": "America/New_York", "city": "Boston", "country": "US"},
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.name == "Boston HQ"
