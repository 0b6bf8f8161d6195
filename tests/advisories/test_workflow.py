"""The PSM's work: review, delivery through the outbox, acknowledgement (portal and signed
link), per-install status, reminders, TLP and isolation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from psm.advisories import services
from psm.advisories.events import advisory_delivered
from psm.advisories.models import (
    AccountAdvisory,
    AdvisoryPolicy,
    InstallAction,
    InstallState,
    ItemState,
)
from psm.audit.models import AuditEntry
from psm.testing import advisories as t
from psm.testing.book import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(book):
    t.catalog(book)
    t.imported(t.clearcase_doc())
    book.contact_a.receives_advisories = True
    book.contact_a.save()
    return AccountAdvisory.objects.get(account=book.a)


def test_delivery_mails_the_contacts_in_plain_words(book, item, run_tasks, mailoutbox) -> None:
    seen: list[object] = []
    advisory_delivered.subscribe(seen.append)
    try:
        sent = services.deliver(book.alice, item, client_text="Please patch the VOB servers.")
    finally:
        advisory_delivered._subscribers.remove(seen.append)
    assert sent == ["alma@acme.example"]
    mail = next(m for m in mailoutbox if m.to == ["alma@acme.example"])
    assert "[PSM-CC-0001]" in mail.subject
    assert "Please patch the VOB servers." in mail.body
    assert "ClearCase 9.0.1 on Linux x86_64 at Boston — fixed in 9.0.2.3" in mail.body
    assert "Upgrade to ClearCase 9.0.2.3." in mail.body
    assert "/advisories/ack/" in mail.body
    item.refresh_from_db()
    assert item.state == ItemState.DELIVERED and item.delivered_revision == "1"
    assert [a.state for a in item.actions.all()] == [InstallState.PENDING]
    assert item.remind_at == item.delivered_at + timedelta(days=14)
    assert seen and seen[0].tracking_id == "PSM-CC-0001" and seen[0].account_id == book.a.pk
    assert AuditEntry.objects.filter(action="advisory.deliver").exists()
    with pytest.raises(ValidationError, match="already been delivered"):
        services.deliver(book.alice, item)


def test_nobody_to_deliver_to_is_a_clear_error(book, item) -> None:
    book.contact_a.receives_advisories = False
    book.contact_a.save()
    with pytest.raises(ValidationError, match="No contact of this account receives advisories"):
        services.deliver(book.alice, item)
    assert AccountAdvisory.objects.get(pk=item.pk).state == ItemState.REVIEW


def test_tlp_amber_and_red_need_a_persons_confirmation(book) -> None:
    t.catalog(book)
    book.contact_a.receives_advisories = True
    book.contact_a.save()
    for n, label in enumerate(["AMBER", "RED"]):
        t.imported(t.clearcase_doc(f"PSM-TLP-{n}", tlp=label))
        item = AccountAdvisory.objects.get(account=book.a, advisory__tlp=label)
        with pytest.raises(ValidationError, match=f"TLP:{label}"):
            services.deliver(book.alice, item)
        assert services.deliver(book.alice, item, confirm_tlp=True)


def test_not_relevant_needs_a_reason(book, item) -> None:
    with pytest.raises(ValidationError, match="Say why"):
        services.mark_not_relevant(book.alice, item, "  ")
    services.mark_not_relevant(book.alice, item, "Server is decommissioned next week.")
    item.refresh_from_db()
    assert item.state == ItemState.NOT_RELEVANT
    with pytest.raises(ValidationError):
        services.deliver(book.alice, item)


def test_signed_link_get_only_asks_then_post_acknowledges(book, item, client) -> None:
    services.deliver(book.alice, item)
    token = services.ack_token(item, book.contact_a)
    url = reverse("advisories:ack", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and b"Yes, I have received it" in page.content
    item.refresh_from_db()
    assert item.acknowledged_at is None  # a mail scanner's GET records nothing
    done = client.post(url)
    assert done.status_code == 200 and b"Thank you" in done.content
    item.refresh_from_db()
    assert item.acknowledged_at is not None and item.acknowledged_by == book.contact_a
    assert b"already acknowledged" in client.post(url).content
    # Forged or tampered links are refused.
    assert client.get(reverse("advisories:ack", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("advisories:ack", args=["nonsense"])).status_code == 404


def test_ack_link_expires(book, item, client) -> None:
    services.deliver(book.alice, item)
    token = services.ack_token(item, book.contact_a)
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert client.get(reverse("advisories:ack", args=[token])).status_code == 410


def test_portal_acknowledge_and_install_status(book, item) -> None:
    services.deliver(book.alice, item)
    portal = login(book.client_a)
    page = portal.get(reverse("advisories:portal"))
    assert page.status_code == 200 and b"ClearCase remote code execution" in page.content
    detail = portal.get(reverse("advisories:portal-item", args=[item.pk]))
    assert (
        b"ClearCase 9.0.1" in detail.content and b"Upgrade to ClearCase 9.0.2.3" in detail.content
    )
    portal.post(reverse("advisories:portal-ack", args=[item.pk]))
    item.refresh_from_db()
    assert item.acknowledged_by == book.contact_a
    action = item.actions.get()
    url = reverse("advisories:portal-install", args=[item.pk, action.pk])
    prefix = f"a{action.pk}-"
    bad = portal.post(url, {prefix + "state": "deferred"})
    assert bad.status_code == 400 and b"Give the date it is deferred until" in bad.content
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    ok = portal.post(
        url,
        {prefix + "state": "deferred", prefix + "deferred_until": later},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200 and f'value="{later}"'.encode() in ok.content
    action.refresh_from_db()
    assert action.state == InstallState.DEFERRED and action.deferred_until.isoformat() == later
    # B's client sees none of it.
    other = login(book.client_b)
    assert other.get(reverse("advisories:portal-item", args=[item.pk])).status_code == 404
    assert other.post(url, {prefix + "state": "applied"}).status_code == 404
    assert b"ClearCase remote" not in other.get(reverse("advisories:portal")).content


def test_reminders_after_the_plans_days_once_per_sweep(book, item, run_tasks, mailoutbox) -> None:
    AdvisoryPolicy.objects.create(plan=book.plan, remind_after_days=3, repeat_days=2)
    services.deliver(book.alice, item)
    item.refresh_from_db()
    assert item.remind_at == item.delivered_at + timedelta(days=3)
    mailoutbox.clear()
    assert services.sweep_reminders(timezone.now() + timedelta(days=2)) == 0
    when = timezone.now() + timedelta(days=3, minutes=1)
    assert services.sweep_reminders(when) == 1
    assert services.sweep_reminders(when) == 0  # claimed: a second sweep sends nothing
    subjects = sorted(m.subject for m in mailoutbox)
    assert any(s.startswith("Reminder: [PSM-CC-0001]") for s in subjects)
    assert any("still pending at Acme" in s for s in subjects)
    item.refresh_from_db()
    assert item.reminders_sent == 1 and item.remind_at is not None
    # Applied everywhere: no more reminders.
    action = item.actions.get()
    services.set_install_state(book.alice, action, services.InstallUpdate(InstallState.APPLIED))
    item.refresh_from_db()
    assert item.remind_at is None


def test_deferral_comes_back_on_its_date(book, item) -> None:
    services.deliver(book.alice, item)
    action = item.actions.get()
    until = timezone.localdate() + timedelta(days=20)
    services.set_install_state(
        book.alice, action, services.InstallUpdate(InstallState.DEFERRED, until, "Change freeze")
    )
    item.refresh_from_db()
    assert item.remind_at.date() == until
    with pytest.raises(ValidationError, match="future date"):
        services.set_install_state(
            book.alice, action, services.InstallUpdate(InstallState.DEFERRED, timezone.localdate())
        )
    services.sweep_reminders(item.remind_at + timedelta(minutes=1))
    assert InstallAction.objects.get(pk=action.pk).state == InstallState.PENDING


def test_a_revision_adds_installs_to_a_delivered_item(book, item) -> None:
    services.deliver(book.alice, item)
    wider = t.clearcase_doc(version="2")
    wider["product_tree"]["branches"][0]["branches"][0]["branches"][0]["name"] = (
        "vers:generic/>=9.0.0|<9.0.2.11"
    )
    del wider["product_tree"]["branches"][0]["branches"][0]["branches"][1]
    wider["vulnerabilities"][0]["product_status"] = {"known_affected": ["CC-AFF"]}
    t.imported(wider)
    item.refresh_from_db()
    assert item.state == ItemState.DELIVERED
    assert sorted(a.install.version for a in item.actions.all()) == ["9.0.1", "9.0.2.10"]
    page = login(book.alice).get(item.get_absolute_url())
    assert b"a newer revision has arrived" in page.content


def test_staff_review_pages(book, item) -> None:
    alice = login(book.alice)
    home = alice.get(reverse("advisories:home"))
    assert home.status_code == 200 and b"PSM-CC-0001" in home.content
    partial = alice.get(
        reverse("advisories:home") + "?state=all",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="advisory-items",
    )
    assert partial.status_code == 200 and b"<h1>" not in partial.content
    page = alice.get(item.get_absolute_url())
    assert b"ClearCase 9.0.1 at Boston is in &gt;=9.0.0|&lt;9.0.2.3" in page.content
    missing = alice.post(
        reverse("advisories:item-not-relevant", args=["acme", item.pk]), {"reason": ""}
    )
    assert missing.status_code == 400
    done = alice.post(
        reverse("advisories:item-deliver", args=["acme", item.pk]), {"client_text": "Patch it."}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.state == ItemState.DELIVERED and item.client_text == "Patch it."
    # Dana sees no account, so no item.
    assert login(book.dana).get(item.get_absolute_url()).status_code == 404
    assert b"PSM-CC-0001" not in login(book.dana).get(reverse("advisories:home")).content
    # The account tab, the advisory and the manager's view.
    assert login(book.charlie).get(reverse("advisories:account", args=["acme"])).status_code == 200
    assert alice.get(item.advisory.get_absolute_url()).status_code == 200
    assert re.search(rb"Acme", login(book.charlie).get(reverse("advisories:home")).content)


def test_my_day_account_360_and_portal_home_show_advisories(book, item) -> None:
    alice = login(book.alice)
    day = alice.get(reverse("insights:my-day"))
    assert b"Advisories to review" in day.content and b"PSM-CC-0001" in day.content
    account = alice.get(reverse("insights:account", args=["acme"]))
    assert b"advx-h" in account.content and b"Critical" in account.content
    portal = login(book.client_a)
    home = portal.get(reverse("portal:home"))
    assert b"Advisories for your installations" in home.content
    assert b"Critical" not in home.content  # not delivered yet: nothing shown to the client
    services.deliver(book.alice, item)
    assert b"Critical" in portal.get(reverse("portal:home")).content
    # Bob sees Globex's item on his day, never Acme's.
    bob_day = login(book.bob).get(reverse("insights:my-day")).content
    assert b"Globex" in bob_day


def test_timeline_entries(book, item) -> None:
    from psm.advisories.timeline import entries

    services.deliver(book.alice, item)
    services.acknowledge(item, book.contact_a, None)
    since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(minutes=1)
    staff = [e.title for e in entries(book.a, since, until, for_client=False, limit=50)]
    assert any(t.startswith("Advisory relevant") for t in staff)
    assert any(t.startswith("Advisory delivered") for t in staff)
    assert any(t.startswith("Advisory acknowledged") for t in staff)
    client = list(entries(book.a, since, until, for_client=True, limit=50))
    assert not any(e.title.startswith("Advisory relevant") for e in client)
    assert all("/advisories/portal/" in e.url for e in client)


def test_report_query(book, item) -> None:
    from psm.advisories.queries import delivered_and_pending

    services.deliver(book.alice, item)
    now = timezone.now()
    found = delivered_and_pending(book.a, now - timedelta(days=1), now + timedelta(minutes=1))
    assert [d["advisory"] for d in found["delivered"]] == ["PSM-CC-0001"]
    assert found["pending"][0]["installs"][0]["state"] == "pending"
    assert delivered_and_pending(book.b, now - timedelta(days=1), now)["delivered"] == []


def test_install_form_saved_unchanged_keeps_its_date_and_audits_nothing(book, item) -> None:
    services.deliver(book.alice, item)
    action = item.actions.get()
    until = timezone.localdate() + timedelta(days=10)
    services.set_install_state(
        book.alice, action, services.InstallUpdate(InstallState.DEFERRED, until, "freeze")
    )
    alice = login(book.alice)
    page = alice.get(item.get_absolute_url()).content.decode()
    assert f'type="date" name="a{action.pk}-deferred_until" value="{until.isoformat()}"' in page
    audits = AuditEntry.objects.count()
    url = reverse("advisories:item-install", args=["acme", item.pk, action.pk])
    prefix = f"a{action.pk}-"
    data = {
        prefix + "state": "deferred",
        prefix + "deferred_until": until.isoformat(),
        prefix + "note": "freeze",
    }
    assert alice.post(url, data).status_code == 302
    assert AuditEntry.objects.count() == audits
    action.refresh_from_db()
    assert action.deferred_until == until
