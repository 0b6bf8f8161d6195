from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from psm.team import services as team_services
from psm.testing.book import Book, login
from psm.testing.factories import AccountFactory, EngineerFactory, SiteFactory, UserFactory

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=ZoneInfo("UTC"))


def cells(html: str, first: str) -> list[str]:
    """The text of each cell of the table row whose first cell contains ``first``."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        texts = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if texts and first in texts[0]:
            return texts
    raise AssertionError(f"no row for {first}")


def grow(book: Book, start: int, stop: int) -> None:
    """More engineers reporting to charlie, each with an account and an absence (some now,
    some later), dana substituting."""
    for i in range(start, stop):
        engineer = UserFactory(username=f"eng{i}")
        EngineerFactory(user=engineer, manager=book.charlie)
        account = AccountFactory(slug=f"grow-{i}", service_plan=book.plan)
        SiteFactory(account=account)
        team_services.assign(None, account, engineer, "primary")
        team_services.assign(None, account, book.dana, "substitute")
        begins = NOW + timedelta(days=i - 1)
        team_services.start_absence(None, engineer, begins, begins + timedelta(days=2), book.dana)


@time_machine.travel(NOW, tick=False)
def test_book_shows_psm_and_upcoming_absences(book: Book) -> None:
    team_services.start_absence(
        None, book.bob, NOW + timedelta(days=3), NOW + timedelta(days=5), book.alice
    )
    page = login(book.charlie).get("/overview/").content.decode()
    assert "Acme" in page
    assert "Globex" in page
    assert "Alice Tester" in page
    assert "Bob Tester 13 Mar–15 Mar" in page


@time_machine.travel(NOW, tick=False)
def test_book_sorts_by_column_both_ways(book: Book) -> None:
    client = login(book.charlie)
    page = client.get("/overview/", {"sort": "account"}).content.decode()
    assert page.index(">Acme<") < page.index(">Globex<")
    page = client.get("/overview/", {"sort": "-account"}).content.decode()
    assert page.index(">Globex<") < page.index(">Acme<")
    assert 'aria-sort="descending"' in page
    # An unknown sort falls back to the account name, never an error.
    assert client.get("/overview/", {"sort": "drop table"}).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_sorting_by_psm_and_htmx_returns_the_table_only(book: Book) -> None:
    response = login(book.charlie).get(
        "/overview/", {"sort": "-psm"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "<html" not in page
    assert page.index(">Globex<") < page.index(">Acme<")  # Bob before Alice, descending


@time_machine.travel(NOW, tick=False)
def test_workload_counts_accounts_and_cover(book: Book) -> None:
    team_services.start_absence(
        None, book.bob, NOW - timedelta(days=1), NOW + timedelta(days=2), book.alice
    )
    page = login(book.charlie).get("/overview/").content.decode()
    workload = page.split('id="load-h"')[1]
    # primary 1 (A), substitute 1 (B), covering 1 now (B, while Bob is away)
    assert cells(workload, "Alice Tester")[1:4] == ["1", "1", "1"]
    bob = cells(workload, "Bob Tester")
    assert bob[1:4] == ["1", "1", "0"]
    assert bob[-1].startswith("away until 12 Mar")
    assert "sub. Alice Tester" in bob[-1]


@time_machine.travel(NOW, tick=False)
def test_managers_see_only_their_book(book: Book) -> None:
    other_manager = UserFactory(username="olga", role="manager")
    page = login(other_manager).get("/overview/").content.decode()
    assert "Acme" not in page
    assert "No accounts in your book." in page
    assert "Nobody reports to you." in page


@time_machine.travel(NOW, tick=False)
def test_overview_query_count_is_flat_as_the_book_grows(book: Book) -> None:
    client = login(book.charlie)
    grow(book, 0, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/overview/", {"sort": "absence"}).status_code == 200
    grow(book, 2, 14)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/overview/", {"sort": "absence"}).content.decode()
    assert page.count("grow-") >= 14
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_an_administrator_reads_the_workload_of_many_people_page_by_page(
    book: Book, client: Client
) -> None:
    from psm.insights.views import WORKLOAD_PAGE

    for n in range(WORKLOAD_PAGE):
        UserFactory(first_name="Zed", last_name=f"Extra{n:03d}")
    client.force_login(book.admin)
    first = client.get("/overview/").content.decode().split('id="load-h"')[1]
    assert first.count('<span class="avatar"') == WORKLOAD_PAGE
    assert "Alice Tester" in first and "Zed Extra049" not in first
    assert "people=2#load-h" in first
    second = client.get("/overview/?people=2").content.decode().split('id="load-h"')[1]
    assert "Zed Extra049" in second and "Alice Tester" not in second
