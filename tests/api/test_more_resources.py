from __future__ import annotations

from psm.cases import services as cases
from psm.testing import advisories, engagement, reports
from psm.testing.api import api_as


def test_touchpoints_and_work_items_belong_to_their_account(book) -> None:
    touchpoint = engagement.foreign_touchpoint(book)
    item = engagement.foreign_work_item(book)
    mine = api_as(book.client_b)
    _, body = mine.get("touchpoints")
    assert [t["title"] for t in body["items"]] == [touchpoint.title]
    assert body["items"][0]["notes"] is None  # staff only
    assert mine.get(f"work-items/{item.pk}")[1]["title"] == item.title
    other = api_as(book.client_a)
    assert other.get("touchpoints")[1]["items"] == []
    assert other.get(f"touchpoints/{touchpoint.pk}")[0] == 404
    assert other.get(f"work-items/{item.pk}")[0] == 404
    assert api_as(book.bob).get(f"touchpoints/{touchpoint.pk}")[1]["notes"] == ""


def test_staff_move_a_work_item_and_note_progress(book) -> None:
    item = engagement.foreign_work_item(book)
    bob = api_as(book.bob)
    status, body = bob.patch(f"work-items/{item.pk}", {"status": "in_progress"})
    assert status == 200 and body["status"] == "in_progress"
    status, body = bob.post(f"work-items/{item.pk}/notes", {"text": "Kick-off done"})
    assert status == 201 and body["author"]["username"] == "bob"
    assert api_as(book.client_b).patch(f"work-items/{item.pk}", {"status": "done"})[0] == 403


def test_a_client_reads_and_acknowledges_its_delivered_advisory(book) -> None:
    item = advisories.foreign_item(book)
    client = api_as(book.client_b)
    _, body = client.get("advisories")
    assert [i["id"] for i in body["items"]] == [item.pk]
    assert body["items"][0]["advisory"]["tracking_id"] == "PSM-FOREIGN-1"
    assert body["items"][0]["installs"]
    status, body = client.post(f"advisories/{item.pk}/acknowledge")
    assert status == 200 and body["acknowledged_at"] is not None
    assert api_as(book.client_a).get(f"advisories/{item.pk}")[0] == 404
    assert api_as(book.bob).post(f"advisories/{item.pk}/acknowledge")[0] == 403


def test_report_runs_are_listed_for_their_account(book) -> None:
    run = reports.foreign_run(book)
    _, body = api_as(book.bob).get("report-runs", account="globex")
    assert [r["id"] for r in body["items"]] == [run.pk]
    assert api_as(book.client_a).get(f"report-runs/{run.pk}")[0] == 404


def test_all_messages_for_syncing_skip_internal_notes_for_clients(book) -> None:
    case = cases.open_case(None, book.a, title="Sync", text="Hello", contact=book.contact_a)
    cases.add_note(book.alice, case, "Internal only")
    cases.open_case(None, book.b, title="Other", text="Globex text", contact=book.contact_b)
    texts = [m["text"] for m in api_as(book.client_a).get("messages")[1]["items"]]
    assert texts == ["Hello"]
    texts = [m["text"] for m in api_as(book.alice).get("messages", account="acme")[1]["items"]]
    assert texts == ["Hello", "Internal only"]
