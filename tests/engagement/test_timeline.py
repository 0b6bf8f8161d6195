"""The engagement app's entries on the account timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from psm.engagement.services.touchpoints import log_check_in
from psm.engagement.timeline import entries
from psm.testing.book import Book

DAY = datetime(2026, 6, 1, 14, tzinfo=UTC)
LATER = DAY + timedelta(days=365)


def check_ins(book: Book, count: int) -> None:
    for n in range(count):
        start = DAY + timedelta(days=n)
        log_check_in(
            book.alice,
            book.a,
            owner=book.alice,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            title=f"Check-in {n}",
        )


def test_entries_newest_first_within_until_and_limit(book: Book) -> None:
    check_ins(book, 5)
    found = entries(book.a, DAY - timedelta(days=1), LATER)
    assert [e.title for e in found][:2] == [
        "Check-in held: Check-in 4",
        "Check-in held: Check-in 3",
    ]
    until = entries(book.a, DAY - timedelta(days=1), DAY + timedelta(days=2))
    assert [e.title for e in until] == ["Check-in held: Check-in 1", "Check-in held: Check-in 0"]
    assert len(entries(book.a, DAY - timedelta(days=1), LATER, limit=3)) == 3
    assert entries(book.b, DAY - timedelta(days=1), LATER) == []


def test_query_count_does_not_grow_with_touchpoints(book: Book) -> None:
    check_ins(book, 2)
    with CaptureQueriesContext(connection) as few:
        entries(book.a, DAY - timedelta(days=1), LATER)
    check_ins_more = 6
    for n in range(check_ins_more):
        start = DAY + timedelta(days=10 + n)
        log_check_in(
            book.alice,
            book.a,
            owner=book.alice,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
    with CaptureQueriesContext(connection) as many:
        entries(book.a, DAY - timedelta(days=1), LATER)
    assert len(many) == len(few)
