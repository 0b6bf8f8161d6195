from __future__ import annotations

from psm.knowledge.models import Status, Visibility
from psm.testing import knowledge
from psm.testing.api import api_as


def test_a_client_reads_only_published_client_articles_of_its_own_account_and_global_ones(
    book,
) -> None:
    mine = knowledge.article(book.a, "Acme backup runbook")
    shared = knowledge.article(None, "Reading the status page")
    knowledge.article(book.a, "Acme draft", status=Status.DRAFT)
    knowledge.article(book.a, "Acme internal notes", visibility=Visibility.INTERNAL)
    foreign = knowledge.foreign_article(book)
    client = api_as(book.client_a)
    status, body = client.get("articles")
    assert status == 200
    assert sorted(a["title"] for a in body["items"]) == sorted([mine.title, shared.title])
    shown = {a["title"]: a for a in body["items"]}
    assert shown[shared.title]["account"] is None
    assert shown[mine.title]["url"].endswith(mine.get_portal_url())
    assert client.get(f"articles/{foreign.pk}")[0] == 404
    assert client.get("articles", scope="global")[1]["items"][0]["title"] == shared.title


def test_staff_see_drafts_and_internal_articles_of_the_accounts_they_work_on_only(book) -> None:
    draft = knowledge.article(book.a, "Acme draft", status=Status.DRAFT)
    foreign = knowledge.foreign_article(book)
    alice = api_as(book.alice)
    status, body = alice.get("articles", status="draft")
    assert status == 200 and [a["id"] for a in body["items"]] == [draft.pk]
    assert body["items"][0]["body"] == draft.body
    assert alice.get(f"articles/{foreign.pk}")[1]["title"] == "Globex runbook"  # substitute on B
    dana = api_as(book.dana)  # an engineer without accounts
    assert dana.get(f"articles/{foreign.pk}")[0] == 404
    assert dana.get("articles")[1]["items"] == []


def test_search_ranks_what_the_caller_may_read_and_never_fails_on_odd_input(book) -> None:
    knowledge.article(book.a, "Restoring a VOB", "Restore the snapshot, then start the server.")
    knowledge.article(book.a, "Internal restore notes", visibility=Visibility.INTERNAL)
    knowledge.foreign_article(book)
    client = api_as(book.client_a)
    status, body = client.get("articles/search", q="restore")
    assert status == 200
    assert [h["article"]["title"] for h in body["items"]] == ["Restoring a VOB"]
    assert "<mark>" in body["items"][0]["snippet_html"]
    assert client.get("articles/search", q="Globex")[1]["total"] == 0
    assert client.get("articles/search", q='"foo AND')[0] == 200
    assert client.get("articles/search")[0] == 422


def test_articles_page_with_a_next_link(book) -> None:
    for n in range(3):
        knowledge.article(book.a, f"Article {n}")
    alice = api_as(book.alice)
    first = alice.get("articles", limit=2)[1]
    assert len(first["items"]) == 2 and first["next"]
    cursor = first["next"].split("cursor=")[1]
    second = alice.get("articles", limit=2, cursor=cursor)[1]
    assert len(second["items"]) == 1 and second["next"] is None
