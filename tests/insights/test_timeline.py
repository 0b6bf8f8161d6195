from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from psm.accounts import services as account_services
from psm.lib import timeline
from psm.testing.book import Book, login

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def fake_sources(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    calls: list[tuple[str, object]] = []

    def alpha(account, since, until, *, for_client, limit):
        calls.append(("alpha", (since, until, for_client, limit)))
        return [
            timeline.Entry(NOW - timedelta(hours=1), "message", "Client wrote", channel="e-mail"),
            timeline.Entry(NOW - timedelta(hours=3), "note", "Internal thought", internal=True),
        ]

    def beta(account, since, until, *, for_client, limit):
        calls.append(("beta", (since, until, for_client, limit)))
        return [
            timeline.Entry(NOW - timedelta(hours=2), "checkin", "Check-in held", url="/x/"),
            # Outside [since, until): the gatherer leaves it out even if a source forgets.
            timeline.Entry(NOW + timedelta(days=1), "visit", "Visit planned"),
        ]

    found = (
        timeline.Registered("alpha", "Alpha", alpha),
        timeline.Registered("beta", "Beta", beta),
    )
    monkeypatch.setattr(timeline, "sources", lambda: found)
    return calls


def test_gather_merges_every_source_newest_first(book: Book, fake_sources: list[Any]) -> None:
    entries = timeline.gather(book.a, NOW - timedelta(days=1), NOW)
    assert [e.title for e in entries] == ["Client wrote", "Check-in held", "Internal thought"]
    assert [e.source for e in entries] == ["alpha", "beta", "alpha"]
    # Every source is asked the same way: the period, for staff, at most the limit.
    assert ("beta", (NOW - timedelta(days=1), NOW, False, timeline.LIMIT)) in fake_sources


def test_gather_for_clients_drops_internal_entries_and_says_so_to_sources(
    book: Book, fake_sources: list[Any]
) -> None:
    entries = timeline.gather(book.a, NOW - timedelta(days=1), NOW, include_internal=False)
    assert "Internal thought" not in [e.title for e in entries]
    assert all(call[1][2] is True for call in fake_sources)


def test_gather_asks_only_the_chosen_sources_and_limits(
    book: Book, fake_sources: list[Any]
) -> None:
    entries = timeline.gather(book.a, NOW - timedelta(days=1), NOW, only=["beta"], limit=5)
    assert [e.title for e in entries] == ["Check-in held"]
    assert [c[0] for c in fake_sources] == ["beta"]
    assert len(timeline.gather(book.a, NOW - timedelta(days=1), NOW, limit=2)) == 2


def test_every_installed_source_answers_for_an_empty_account(book: Book) -> None:
    """The real sources of the installed apps: callable by the protocol, typed entries."""
    entries = timeline.gather(book.a, NOW - timedelta(days=365), NOW + timedelta(days=1))
    assert all(isinstance(e, timeline.Entry) for e in entries)
    assert [label for label, _ in timeline.source_choices()] == [
        "changes",
        "engagement",
        "advisories",
        "checklists",
        "cases",
        "paging",
        "telephony",
    ]


@time_machine.travel(NOW, tick=True)
def test_account_page_shows_changes_and_filters_with_htmx(book: Book) -> None:
    account_services.add_site(
        book.alice,
        book.a,
        name="Denver",
        timezone="America/Denver",
        city="Denver",
        country="US",
        address="",
        is_headquarters=False,
    )
    client = login(book.alice)
    page = client.get("/accounts/acme/").content.decode()
    assert 'id="timeline-h"' in page
    assert "Denver" in page.split('id="timeline-h"')[1]
    partial = client.get(
        "/accounts/acme/",
        {"source": "changes", "days": "7"},
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    ).content.decode()
    assert "<html" not in partial
    assert partial.lstrip().startswith('<div id="timeline">')
    assert "Denver" in partial
    assert "Alice Tester" in partial


def test_a_bad_filter_value_shows_the_default_period(book: Book) -> None:
    response = login(book.alice).get("/accounts/acme/", {"days": "forever"})
    assert response.status_code == 200


def test_timeline_pages_to_older_entries(
    book: Book, fake_sources: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from psm.insights import forms

    monkeypatch.setattr(forms, "PER_PAGE", 2)
    client = login(book.alice)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/accounts/acme/").content.decode()
        feed = page.split('id="timeline-h"')[1]
        assert "Client wrote" in feed and "Check-in held" in feed
        assert "Internal thought" not in feed
        older = re.search(r'href="/accounts/acme/\?([^"#]+)#timeline-h"', feed)
        assert older is not None
        partial = client.get(
            "/accounts/acme/?" + older.group(1).replace("&amp;", "&"),
            headers={"HX-Request": "true", "HX-Target": "timeline"},
        ).content.decode()
    assert "Internal thought" in partial
    assert "Client wrote" not in partial
    assert "Older entries" not in partial  # the last page
