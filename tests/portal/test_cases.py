from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from psm.cases import services as case_services
from psm.cases.models import Case, CaseStatus, Direction
from psm.testing.book import Book, login
from psm.testing.factories import SiteFactory

# Tuesday 10 March 2026, 15:00 UTC = 11:00 in New York (Acme), business hours.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def _frozen(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    with time_machine.travel(NOW, tick=False):
        yield


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def open_case(book: Book, account_name: str = "a", **kwargs: object) -> Case:
    account = getattr(book, account_name)
    contact = book.contact_a if account_name == "a" else book.contact_b
    fields: dict[str, object] = {"title": "Builds fail", "text": "Since 9:00.", "contact": contact}
    fields.update(kwargs)
    return case_services.open_case(None, account, **fields)


def test_home_lists_open_cases_with_status_and_who_has_them(book: Book) -> None:
    case = open_case(book, priority="P2")
    closed = open_case(book, title="Old problem")
    case_services.close(None, closed)
    open_case(book, "b", title="Globex outage")
    page = text(login(book.client_a).get("/portal/").content.decode())
    assert f"{case.reference} Builds fail P2 New Alice Tester" in page
    assert "Old problem" not in page
    assert "Globex" not in page


def test_case_list_shows_open_closed_and_finds_by_words(book: Book) -> None:
    open_case(book, title="Builds fail")
    closed = open_case(book, title="License expired")
    case_services.close(None, closed)
    client = login(book.client_a)
    page = client.get("/portal/cases/").content.decode()
    assert "Builds fail" in page
    assert "License expired" not in page
    page = client.get("/portal/cases/", {"status": "closed"}).content.decode()
    assert "License expired" in page
    assert "Builds fail" not in page
    page = client.get("/portal/cases/", {"status": "all", "q": "licen"}).content.decode()
    assert "License expired" in page
    assert "Builds fail" not in page


def test_conversation_never_shows_internal_notes(book: Book) -> None:
    case = open_case(book)
    case_services.add_note(book.alice, case, "Client is on an old build; do not tell them yet.")
    case_services.reply(book.alice, case, text="We are looking at it.")
    page = login(book.client_a).get(f"/portal/cases/{case.reference}/").content.decode()
    assert "We are looking at it." in page
    assert "Since 9:00." in page
    assert "do not tell them" not in page
    assert "old build" not in page


def test_client_replies_with_attachments(book: Book) -> None:
    case = open_case(book)
    client = login(book.client_a)
    response = client.post(
        f"/portal/cases/{case.reference}/reply/",
        {
            "text": "Here are the logs.",
            "attachments": [
                SimpleUploadedFile("build.log", b"error: disk full\n", "text/plain"),
                SimpleUploadedFile("screen.png", b"\x89PNG fake", "image/png"),
            ],
        },
    )
    assert response.status_code == 302
    message = case.messages.order_by("-created_at", "-id").first()
    assert message is not None
    assert message.direction == Direction.IN
    assert message.channel == "portal"
    assert message.author_contact == book.contact_a
    assert sorted(a.filename for a in message.attachments.all()) == ["build.log", "screen.png"]
    page = client.get(f"/portal/cases/{case.reference}/").content.decode()
    assert "Here are the logs." in page
    attachment = message.attachments.get(filename="build.log")
    download = client.get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"error: disk full\n"


def test_an_empty_reply_is_refused_with_the_reason(book: Book) -> None:
    case = open_case(book)
    response = login(book.client_a).post(f"/portal/cases/{case.reference}/reply/", {"text": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert case.messages.count() == 1


def test_a_closed_case_takes_no_reply(book: Book) -> None:
    case = open_case(book)
    case_services.close(None, case)
    client = login(book.client_a)
    page = client.get(f"/portal/cases/{case.reference}/").content.decode()
    assert "This case is closed." in page
    response = client.post(f"/portal/cases/{case.reference}/reply/", {"text": "Again"}, follow=True)
    assert "is closed; please open a new case" in response.content.decode()
    assert case.messages.count() == 1


def test_client_opens_a_case_with_priority_and_site(book: Book) -> None:
    site = SiteFactory(account=book.a, name="Denver", timezone="America/Denver")
    client = login(book.client_a)
    form = client.get("/portal/cases/new/").content.decode()
    assert "Denver" in form
    assert "Berlin" not in form  # account B's site
    response = client.post(
        "/portal/cases/new/",
        {
            "title": "Server down",
            "priority": "P1",
            "site": site.pk,
            "text": "Nobody can check in.",
            "attachments": [SimpleUploadedFile("trace.txt", b"trace", "text/plain")],
        },
        follow=True,
    )
    case = Case.objects.get(title="Server down")
    assert case.account == book.a
    assert case.priority == "P1"
    assert case.site_id == site.pk
    assert case.origin == "portal"
    assert case.contact == book.contact_a
    assert case.assignee == book.alice
    assert case.status == CaseStatus.NEW
    page = text(response.content.decode())
    assert f"Case {case.reference} opened." in page
    assert "We answer by" in page  # the first-response promise in the client's time


def test_a_site_of_another_account_is_refused(book: Book) -> None:
    berlin = book.b.sites.get()
    response = login(book.client_a).post(
        "/portal/cases/new/",
        {"title": "X", "priority": "P3", "site": berlin.pk, "text": "Y"},
    )
    assert response.status_code == 400
    assert not Case.objects.filter(title="X").exists()


def test_client_of_a_cannot_reach_b_cases(book: Book) -> None:
    theirs = open_case(book, "b", title="Globex secret")
    client = login(book.client_a)
    for url in (
        f"/portal/cases/{theirs.reference}/",
        f"/cases/{theirs.reference}/",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"Globex secret" not in response.content
    response = client.post(f"/portal/cases/{theirs.reference}/reply/", {"text": "hi"})
    assert response.status_code == 404
    assert theirs.messages.count() == 1


def test_staff_cannot_use_portal_case_pages(book: Book) -> None:
    case = open_case(book)
    assert login(book.alice).get(f"/portal/cases/{case.reference}/").status_code == 403


def test_a_file_over_the_limit_is_a_field_error_and_the_text_is_kept(book: Book, settings) -> None:
    """The one limit (PSM_ATTACHMENT_MAX_BYTES) is the form's too: an error in MB beside the
    field, the typed text still there, nothing half-sent, never a 500."""
    settings.PSM_ATTACHMENT_MAX_BYTES = 1024 * 1024
    case = open_case(book)
    big = SimpleUploadedFile("core.dump", b"x" * (3 * 1024 * 1024 // 2), "application/octet-stream")
    response = login(book.client_a).post(
        f"/portal/cases/{case.reference}/reply/",
        {"text": "The dump you asked for.", "attachments": [big]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "core.dump is 1.5 MB; the limit is 1 MB a file." in page
    assert "The dump you asked for." in page
    assert case.messages.count() == 1
