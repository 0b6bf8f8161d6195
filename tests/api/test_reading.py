from __future__ import annotations

from psm.cases import services as cases
from psm.testing.api import api_as


def test_a_client_token_sees_only_its_own_account(book) -> None:
    cases.open_case(None, book.a, title="Acme printer", contact=book.contact_a)
    cases.open_case(None, book.b, title="Globex secret", contact=book.contact_b)
    api = api_as(book.client_a)
    _, body = api.get("accounts")
    assert [a["slug"] for a in body["items"]] == ["acme"]
    _, body = api.get("cases", status="all")
    assert [c["title"] for c in body["items"]] == ["Acme printer"]
    assert api.get("accounts/globex")[0] == 404
    assert api.get("accounts/globex/contacts")[0] == 404
    _status, body = api.get("cases", account="globex")
    assert body["items"] == []


def test_staff_see_the_accounts_they_work_on(book) -> None:
    assert [a["slug"] for a in api_as(book.dana).get("accounts")[1]["items"]] == []
    assert [a["slug"] for a in api_as(book.alice).get("accounts")[1]["items"]] == [
        "acme",
        "globex",
    ]


def test_a_missing_case_is_a_404_in_the_one_error_shape(book) -> None:
    status, body = api_as(book.alice).get("cases/NOPE-1")
    assert status == 404
    assert body == {"error": "No case 'NOPE-1'.", "code": "not_found", "details": []}


def test_a_bad_filter_is_a_422_naming_the_field(book) -> None:
    status, body = api_as(book.alice).get("cases", priority="P9")
    assert status == 422
    assert body["code"] == "invalid"
    assert body["details"][0]["loc"] == ["query", "priority"]
    status, body = api_as(book.alice).get("cases", cursor="garbage!")
    assert status == 422
    assert body["details"][0]["loc"] == ["query", "cursor"]


def test_pages_follow_next_links_without_repeats_or_gaps(book) -> None:
    opened = {
        cases.open_case(None, book.a, title=f"Case {i}", contact=book.contact_a).reference
        for i in range(7)
    }
    api = api_as(book.alice)
    seen: list[str] = []
    status, body = api.get("cases", limit=3)
    pages = 1
    while True:
        assert status == 200
        seen += [c["reference"] for c in body["items"]]
        if body["next"] is None:
            break
        # A case opened during the walk neither repeats nor shifts what is left.
        if pages == 1:
            cases.open_case(None, book.a, title="Late", contact=book.contact_a)
        status, body = api.call("get", body["next"])
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == opened


def test_cases_filter_by_status_priority_and_text(book) -> None:
    p1 = cases.open_case(None, book.a, title="Database down", priority="P1")
    cases.open_case(None, book.a, title="Question", priority="P4")
    done = cases.open_case(None, book.a, title="Old thing", priority="P3")
    cases.set_status(book.alice, done, "resolved")
    api = api_as(book.alice)
    assert [c["reference"] for c in api.get("cases", priority="P1")[1]["items"]] == [p1.reference]
    titles = {c["title"] for c in api.get("cases")[1]["items"]}
    assert titles == {"Database down", "Question"}
    titles = {c["title"] for c in api.get("cases", status="resolved")[1]["items"]}
    assert titles == {"Old thing"}
    assert {c["title"] for c in api.get("cases", q="datab")[1]["items"]} == {"Database down"}


def test_a_client_never_reads_an_internal_note(book) -> None:
    case = cases.open_case(None, book.a, title="Slow", text="It is slow", contact=book.contact_a)
    cases.add_note(book.alice, case, "Client is grumpy")
    staff = api_as(book.alice).get(f"cases/{case.reference}/messages")[1]["items"]
    client = api_as(book.client_a).get(f"cases/{case.reference}/messages")[1]["items"]
    assert "Client is grumpy" in [m["text"] for m in staff]
    assert "Client is grumpy" not in [m["text"] for m in client]
    assert [m["text"] for m in client] == ["It is slow"]
