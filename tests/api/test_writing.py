from __future__ import annotations

from django.test import Client

from psm.audit.models import AuditEntry
from psm.cases.models import Case, Message
from psm.paging.models import Page
from psm.testing.api import api_as, token


def test_a_p1_opened_by_the_api_pages_like_any_channel(book) -> None:
    status, body = api_as(book.alice).post(
        "cases",
        {"account": "acme", "title": "Database down", "text": "All stores", "priority": "P1",
         "contact": book.contact_a.pk},
    )  # fmt: skip
    assert status == 201, body
    case = Case.objects.get(reference=body["reference"])
    assert case.priority == "P1" and case.account == book.a
    assert body["account"] == "acme"
    assert body["first_response_due"] is not None
    assert Page.objects.filter(account=book.a, case=case).exists()


def test_a_client_opens_a_case_on_its_own_account_as_itself(book) -> None:
    api = api_as(book.client_a)
    status, body = api.post("cases", {"title": "Printer jam", "text": "Again"})
    assert status == 201, body
    case = Case.objects.get(reference=body["reference"])
    assert case.account == book.a and case.contact == book.contact_a
    assert case.origin == "portal"
    status, body = api.post("cases", {"account": "globex", "title": "Sneaky", "text": "x"})
    assert status == 404
    assert not Case.objects.filter(title="Sneaky").exists()


def test_bad_case_input_gets_a_422_naming_the_field(book) -> None:
    api = api_as(book.alice)
    status, body = api.post("cases", {"account": "acme", "title": ""})
    assert status == 422
    assert body["details"][0]["loc"] == ["body", "data", "title"]
    status, body = api.post(
        "cases", {"account": "acme", "title": "x", "contact": book.contact_b.pk}
    )
    assert status == 422
    assert body["details"] == [{"loc": ["body", "contact"], "msg": body["details"][0]["msg"]}]
    status, body = api.post("cases", {"account": "globex-nope", "title": "x"})
    assert status == 404
    response = Client().post(
        "/api/v1/cases",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token(book.alice)}"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_staff_change_status_priority_and_assignee(book) -> None:
    api = api_as(book.alice)
    ref = api.post("cases", {"account": "acme", "title": "Slow", "priority": "P3"})[1]["reference"]
    status, body = api.patch(
        f"cases/{ref}",
        {"status": "waiting_on_client", "priority": "P2", "priority_reason": "More users",
         "assignee": "bob"},
    )  # fmt: skip
    assert status == 200, body
    assert (body["status"], body["priority"], body["assignee"]["username"]) == (
        "waiting_on_client",
        "P2",
        "bob",
    )
    assert AuditEntry.objects.filter(action="case.priority").exists()
    status, body = api.patch(f"cases/{ref}", {"assignee": None})
    assert status == 200 and body["assignee"] is None
    status, body = api.patch(f"cases/{ref}", {"assignee": "client_a"})
    assert status == 422 and body["details"][0]["loc"] == ["body", "assignee"]


def test_a_client_cannot_change_a_case_or_write_a_note(book) -> None:
    ref = api_as(book.alice).post("cases", {"account": "acme", "title": "x"})[1]["reference"]
    client = api_as(book.client_a)
    assert client.patch(f"cases/{ref}", {"status": "closed"})[0] == 403
    assert client.post(f"cases/{ref}/notes", {"text": "psst"})[0] == 403
    assert Case.objects.get(reference=ref).status != "closed"


def test_replies_from_both_sides_and_a_staff_only_note(book) -> None:
    ref = api_as(book.client_a).post("cases", {"title": "Help", "text": "Please"})[1]["reference"]
    staff = api_as(book.alice)
    status, body = staff.post(f"cases/{ref}/replies", {"text": "On it", "status": "open"})
    assert status == 201 and body["direction"] == "out" and body["author"]["username"] == "alice"
    assert Case.objects.get(reference=ref).first_response_at is not None
    status, body = api_as(book.client_a).post(f"cases/{ref}/replies", {"text": "Thanks"})
    assert status == 201 and body["direction"] == "in" and body["channel"] == "portal"
    status, body = staff.post(f"cases/{ref}/notes", {"text": "Internal"})
    assert status == 201 and body["internal"] is True
    assert Message.objects.filter(case__reference=ref).count() == 4


def test_files_attach_and_download_within_the_account(book) -> None:
    ref = api_as(book.client_a).post("cases", {"title": "Logs"})[1]["reference"]
    key = token(book.client_a)
    response = Client().post(
        f"/api/v1/cases/{ref}/attachments",
        {"text": "Here are the logs", "files": [_file("app.log", b"ERROR boom")]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    [attachment] = body["attachments"]
    assert attachment["filename"] == "app.log" and attachment["size"] == 10
    download = Client().get(attachment["url"], headers={"Authorization": f"Bearer {key}"})
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"ERROR boom"
    other = Client().get(
        attachment["url"], headers={"Authorization": f"Bearer {token(book.client_b)}"}
    )
    assert other.status_code == 404


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")
