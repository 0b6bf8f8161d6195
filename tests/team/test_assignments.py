from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from psm.team.models import Assignment, AssignmentRole
from psm.team.services import assign, start_absence
from psm.testing.book import Book


def test_database_allows_one_ongoing_primary(book: Book) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(account=book.a, engineer=book.dana, role=AssignmentRole.PRIMARY)


def test_new_primary_ends_the_previous_one(book: Book) -> None:
    assign(book.charlie, book.a, book.dana, AssignmentRole.PRIMARY, starts_on=date(2026, 5, 1))
    primaries = Assignment.objects.filter(account=book.a, role="primary").order_by("starts_on")
    assert [(p.engineer.username, p.ends_on) for p in primaries] == [
        ("alice", date(2026, 4, 30)),
        ("dana", None),
    ]
    current = Assignment.objects.active_on(date(2026, 5, 1)).get(account=book.a, role="primary")
    assert current.engineer == book.dana


def test_assigning_the_same_primary_again_changes_nothing(book: Book) -> None:
    before = Assignment.objects.count()
    assign(None, book.a, book.alice, AssignmentRole.PRIMARY)
    assert Assignment.objects.count() == before


def test_client_cannot_be_assigned(book: Book) -> None:
    with pytest.raises(ValidationError):
        assign(None, book.a, book.client_a, AssignmentRole.SUBSTITUTE)


def test_absence_rules(book: Book) -> None:
    start = datetime(2026, 12, 1, 5, tzinfo=UTC)
    with pytest.raises(ValidationError, match="end after"):
        start_absence(None, book.alice, start, start)
    with pytest.raises(ValidationError, match="time zone"):
        start_absence(None, book.alice, start.replace(tzinfo=None), start + timedelta(days=1))
    with pytest.raises(ValidationError, match="themselves"):
        start_absence(None, book.alice, start, start + timedelta(days=1), substitute=book.alice)
    start_absence(None, book.alice, start, start + timedelta(days=3), substitute=book.bob)
    with pytest.raises(ValidationError, match="already has an absence"):
        start_absence(None, book.alice, start + timedelta(days=2), start + timedelta(days=5))


def test_pager_targets_are_encrypted_and_masked(book: Book) -> None:
    engineer = book.alice.engineer
    engineer.set_pager_targets(["ntfy://secret-topic-123456"])
    engineer.save()
    engineer.refresh_from_db()
    assert "secret-topic" not in engineer.pager_targets_encrypted
    assert engineer.pager_targets == ["ntfy://secret-topic-123456"]
    assert engineer.masked_pager_targets == ["ntfy://…3456"]
