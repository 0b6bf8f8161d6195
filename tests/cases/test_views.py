"""Staff pages: list (filters, sort, htmx partial, bounded queries), case view, forms, files."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from psm.cases import services
from psm.cases.models import Case, CaseStatus, Origin
from psm.notifications.models import Notification
from psm.testing.book import login
from psm.testing.factories import AccountFactory

NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=NY)


def open_many(book, n: int, **kw) -> list[Case]:
    with time_machine.travel(T0, tick=False):
        return [
            services.open_case(None, book.a, title=f"Problem {i}", contact=book.contact_a, **kw)
            for i in range(n)
        ]


def test_list_shows_only_visible_accounts(book) -> None:
    open_many(book, 1)
    services.open_case(None, book.b, title="Globex thing", contact=book.contact_b)
    page = login(book.dana).get("/cases/")
    assert page.status_code == 200
    assert b"ACME-1" not in page.content and b"GLOBEX-1" not in page.content
    page = login(book.bob).get("/cases/")  # primary of B, substitute of A
    assert b"GLOBEX-1" in page.content and b"ACME-1" in page.content


def test_list_filters_and_sorts(book) -> None:
    a1, a2, a3 = open_many(book, 3)
    services.change_priority(None, a2, "P1")
    services.set_status(None, a3, CaseStatus.WAITING_ON_CLIENT)
    Case.objects.filter(pk=a1.pk).update(breached=True)
    client = login(book.alice)
    assert b"ACME-2" in client.get("/cases/?priority=P1").content
    assert b"ACME-1" not in client.get("/cases/?priority=P1").content
    breached = client.get("/cases/?breach=breached").content
    assert b"ACME-1" in breached and b"ACME-2" not in breached
    waiting = client.get("/cases/?status=waiting_on_client").content
    assert b"ACME-3" in waiting and b"ACME-1" not in waiting
    by_due = client.get("/cases/").content.decode()
    # P1 (due in an hour) sorts before the P3s; a paused case (no due) sorts last.
    assert by_due.index("ACME-2") < by_due.index("ACME-1") < by_due.index("ACME-3")
    assert b"ACME-1" in client.get("/cases/?account=acme").content
    assert b"ACME-1" not in client.get("/cases/?account=globex").content


def test_list_htmx_partial_from_the_same_url(book) -> None:
    open_many(book, 1)
    response = login(book.alice).get("/cases/?priority=P3", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content and b"ACME-1" in response.content


def test_list_queries_do_not_grow_with_rows(book) -> None:
    client = login(book.alice)
    open_many(book, 2)
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    open_many(book, 20)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/cases/")
    assert response.content.count(b'href="/cases/ACME-') == 22
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_case_view_shows_timeline_and_hides_nothing_from_staff(book) -> None:
    (case,) = open_many(book, 1, origin=Origin.EMAIL, text="Please help")
    services.add_note(book.alice, case, "internal thought")
    page = login(book.alice).get(f"/cases/{case.reference}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Please help" in body and "internal thought" in body and "internal note" in body
    assert "First response" in body and "Wed 11 Mar 09:00" in body


def test_case_view_query_count_is_bounded(book) -> None:
    (case,) = open_many(book, 1)
    client = login(book.alice)
    with CaptureQueriesContext(connection) as few:
        client.get(case.get_absolute_url())
    for i in range(10):
        services.add_message(
            None,
            case,
            text=f"m{i}",
            contact=book.contact_a,
            attachments=[services.NewAttachment(f"f{i}.txt", b"x")],
        )
    with CaptureQueriesContext(connection) as many:
        client.get(case.get_absolute_url())
    assert len(many) == len(few)


def test_reply_note_status_priority_assign_forms(book) -> None:
    (case,) = open_many(book, 1)
    client = login(book.alice)
    url = case.get_absolute_url()
    r = client.post(f"{url}reply/", {"text": "Try restarting", "status": "waiting_on_client"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_ON_CLIENT and case.first_response_at is not None
    assert Notification.objects.filter(key__contains=":reply:").count() == 1
    client.post(f"{url}note/", {"text": "hmm"})
    assert case.messages.filter(is_internal=True, text="hmm").exists()
    client.post(f"{url}status/", {"status": "open"})
    client.post(f"{url}priority/", {"priority": "P2", "reason": "wider impact"})
    client.post(f"{url}assign/", {"assignee": book.bob.pk})
    case.refresh_from_db()
    assert (case.status, case.priority, case.assignee) == (CaseStatus.OPEN, "P2", book.bob)


def test_staff_open_a_case_from_the_form(book) -> None:
    client = login(book.alice)
    assert client.get("/cases/new/?account=acme").status_code == 200
    response = client.post(
        "/cases/new/",
        {
            "account": "acme",
            "contact": book.contact_a.pk,
            "title": "Phoned in: license server",
            "priority": "P2",
            "origin": "phone",
            "text": "Caller says the license server is down.",
            "acknowledge": "on",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert (case.priority, case.origin, case.contact) == ("P2", "phone", book.contact_a)
    assert Notification.objects.filter(key=f"case:{case.pk}:ack").exists()


def test_form_refuses_an_account_the_user_cannot_see(book) -> None:
    response = login(book.dana).post(
        "/cases/new/", {"account": "acme", "title": "x", "priority": "P3", "origin": "phone"}
    )
    assert response.status_code == 200 and not Case.objects.exists()


def test_form_refuses_a_contact_of_another_account(book) -> None:
    response = login(book.bob).post(
        "/cases/new/",
        {
            "account": "acme",
            "contact": book.contact_b.pk,
            "title": "x",
            "priority": "P3",
            "origin": "phone",
            "text": "y",
        },
    )
    assert response.status_code == 200 and not Case.objects.exists()


@pytest.fixture
def files(book):
    (case,) = open_many(book, 1)
    public = services.add_message(
        None,
        case,
        text="log",
        contact=book.contact_a,
        attachments=[services.NewAttachment("trace.log", b"trace data", "text/plain")],
    )
    note = services.add_note(book.alice, case, "see file")
    from psm.cases.services import _attach

    _attach(note, [services.NewAttachment("internal.txt", b"internal")])
    return case, public.attachments.get(), note.attachments.get()


def test_attachment_served_to_people_who_see_the_case(book, files) -> None:
    _case, public, internal = files
    response = login(book.alice).get(public.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"trace data"
    assert "attachment" in response["Content-Disposition"]
    assert login(book.alice).get(internal.get_absolute_url()).status_code == 200


def test_attachment_refused_to_others(book, files) -> None:
    _case, public, internal = files
    assert login(book.dana).get(public.get_absolute_url()).status_code == 404
    assert login(book.client_b).get(public.get_absolute_url()).status_code == 404
    # The account's own client sees the public file but never an internal note's.
    assert login(book.client_a).get(public.get_absolute_url()).status_code == 200
    assert login(book.client_a).get(internal.get_absolute_url()).status_code == 403
    # An attachment id from another case under this case's reference is not found.
    other = services.open_case(None, book.a, title="other", contact=book.contact_a)
    url = f"/cases/{other.reference}/attachments/{public.pk}/"
    assert login(book.alice).get(url).status_code == 404


def test_clients_cannot_use_staff_pages(book, files) -> None:
    case, _, _ = files
    client = login(book.client_a)
    assert client.get("/cases/").status_code == 403
    assert client.get(case.get_absolute_url()).status_code == 403
    assert client.post(f"{case.get_absolute_url()}reply/", {"text": "x"}).status_code == 403


def test_account_filter_takes_a_slug_or_a_name_and_refuses_other_accounts(book) -> None:
    open_many(book, 1)
    client = login(book.alice)
    assert b"ACME-1" in client.get("/cases/", {"account": book.a.name.upper()}).content
    page = client.get("/cases/", {"account": "no-such-client"}).content.decode()
    assert "ACME-1" not in page and "No account of yours is called" in page
    # Dana sees neither account: naming one shows nothing of it.
    page = login(book.dana).get("/cases/", {"account": "acme"}).content.decode()
    assert "ACME-1" not in page and "No account of yours is called" in page


def test_a_long_book_gets_a_searched_account_box_not_a_select(book, monkeypatch) -> None:
    from psm.cases import forms

    open_many(book, 1)
    monkeypatch.setattr(forms, "ACCOUNT_CHOICES", 1)
    admin = login(book.admin)
    page = admin.get("/cases/").content.decode()
    assert 'list="account-choices"' in page and '<datalist id="account-choices">' in page
    assert "<select" not in page.split('id="id_account"')[0].rsplit("<label", 1)[-1]
    assert f'<option value="{book.b.slug}"' not in page
    choices = admin.get("/cases/accounts/", {"account": book.b.name[:3]}).content.decode()
    assert f'<option value="{book.b.slug}">{book.b.name}</option>' in choices
    assert book.a.slug not in choices
    assert admin.get("/cases/accounts/", {"account": ""}).content.strip() == b""
    # Suggestions are scoped like everything else: Alice never learns of a hidden account.
    hidden = AccountFactory(name="Hidden Corp", slug="hidden", service_plan=book.plan)
    found = login(book.alice).get("/cases/accounts/", {"account": "hidden"}).content
    assert hidden.slug.encode() not in found
    assert b"hidden" in admin.get("/cases/accounts/", {"account": "hidden"}).content
    # An engineer with a short book keeps the <select>.
    monkeypatch.setattr(forms, "ACCOUNT_CHOICES", 100)
    assert b'<select name="account"' in login(book.alice).get("/cases/").content


def test_a_long_list_says_more_than_and_pages_on_without_counting(book, monkeypatch) -> None:
    from psm.cases import views

    monkeypatch.setattr(views, "COUNT_LIMIT", 3)
    monkeypatch.setattr(views, "PER_PAGE", 2)
    open_many(book, 7)
    client = login(book.alice)
    first = client.get("/cases/", {"sort": "opened"}).content.decode()
    assert "More than 3 cases" in first and "Page 1</span>" in first and "Next →" in first
    # Newest first, the same instant for all: by id, 7 6 | 5 4 | 3 2 | 1.
    third = client.get("/cases/", {"sort": "opened", "page": "3"}).content.decode()
    assert "Page 3</span>" in third and "ACME-3" in third and "ACME-2" in third
    assert "ACME-1<" not in third and "Next →" in third
    last = client.get("/cases/", {"sort": "opened", "page": "4"}).content.decode()
    assert "ACME-1<" in last and "Next →" not in last
    # Past the end: the last page, counted exactly.
    beyond = client.get("/cases/", {"sort": "opened", "page": "40"}).content.decode()
    assert "Page 4 of 4" in beyond and "7 cases" in beyond


def test_staff_reply_with_several_files_and_an_error_keeps_the_text(book, files, settings) -> None:
    (case,) = open_many(book, 1)
    client = login(book.alice)
    url = case.get_absolute_url()
    response = client.post(
        f"{url}reply/",
        {
            "text": "Logs attached.",
            "attachments": [
                SimpleUploadedFile("a.log", b"one", "text/plain"),
                SimpleUploadedFile("b.log", b"two", "text/plain"),
            ],
        },
    )
    assert response.status_code == 302
    reply = case.messages.get(text="Logs attached.")
    assert sorted(a.filename for a in reply.attachments.all()) == ["a.log", "b.log"]
    settings.PSM_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.bin", b"x" * (2 * 1024 * 1024), "application/octet-stream")
    response = client.post(f"{url}reply/", {"text": "Here is the big one.", "attachments": [big]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "big.bin is 2 MB; the limit is 1 MB a file." in page
    assert "Here is the big one." in page
    assert not case.messages.filter(text="Here is the big one.").exists()


def test_new_case_offers_only_the_chosen_accounts_contacts(book) -> None:
    from psm.testing.factories import ContactFactory

    ContactFactory(account=book.b, name="Alma Client", email="alma@globex.example")
    client = login(book.alice)  # sees Acme and Globex
    blank = client.get("/cases/new/").content.decode()
    fields = blank.split('id="account-fields"')[1].split("</div>\n    </div>")[0]
    assert "Alma Client" not in fields and "Choose the account first." in fields
    page = client.get(
        "/cases/new/", {"account": "globex"}, headers={"HX-Request": "true"}
    ).content.decode()
    fields = page.split('id="account-fields"')[1]
    assert "Alma Client — Globex" in fields
    assert "Acme" not in fields.split("</select>")[0]
    assert 'hx-select="#account-fields"' in page


def test_the_case_page_tells_its_changes_and_its_page(book) -> None:
    (case,) = open_many(book, 1)
    client = login(book.alice)
    url = case.get_absolute_url()
    client.post(f"{url}status/", {"status": "waiting_on_provider"})
    client.post(f"{url}priority/", {"priority": "P1", "reason": "production stopped"})
    client.post(f"{url}assign/", {"assignee": book.bob.pk})
    page = client.get(url).content.decode()
    assert "Status: New → Waiting on provider" in page
    assert "Priority P3 → P1 (production stopped)" in page
    assert "Assigned to Bob Tester (was Alice Tester)" in page
    assert page.count("— Alice Tester,") >= 3
    from psm.cases.services import open_case

    paged = open_case(None, book.a, title="Down", priority="P1", contact=book.contact_a)
    page = client.get(paged.get_absolute_url()).content.decode()
    assert "Paged Alice Tester (page #" in page and 'href="/paging/' in page
