"""Objects of account B for the URL isolation walk (``tests/test_url_isolation.py``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from psm.engagement.models import (
    AdvocacyItem,
    AdvocacyKind,
    BriefKind,
    CalendarFeed,
    FeedScope,
    FollowUp,
    HandoverBrief,
    Touchpoint,
    TouchpointKind,
    WorkItem,
    WorkItemType,
    hash_token,
)
from psm.team.models import Absence
from psm.testing.book import Book


def foreign_touchpoint(book: Book) -> Touchpoint:
    start = timezone.now() + timedelta(days=3)
    touchpoint, _ = Touchpoint.objects.get_or_create(
        account=book.b,
        title="Globex check-in",
        defaults={
            "kind": TouchpointKind.CHECK_IN,
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "timezone": book.b.timezone,
            "owner": book.bob,
        },
    )
    return touchpoint


def foreign_follow_up(book: Book) -> FollowUp:
    follow_up, _ = FollowUp.objects.get_or_create(
        touchpoint=foreign_touchpoint(book), text="Send Globex the upgrade plan"
    )
    return follow_up


def foreign_work_item(book: Book) -> WorkItem:
    item, _ = WorkItem.objects.get_or_create(
        account=book.b,
        title="Globex upgrade plan",
        defaults={"type": WorkItemType.PLANNING, "owner": book.bob},
    )
    return item


def foreign_advocacy(book: Book) -> AdvocacyItem:
    item, _ = AdvocacyItem.objects.get_or_create(
        account=book.b,
        internal_ref="DEF-GLOBEX",
        defaults={
            "kind": AdvocacyKind.DEFECT,
            "title": "Globex merge crash",
            "business_impact": "Globex cannot release",
            "owner": book.bob,
        },
    )
    return item


def foreign_brief(book: Book) -> HandoverBrief:
    now = timezone.now()
    absence, _ = Absence.objects.get_or_create(
        engineer=book.bob,
        defaults={
            "start": now - timedelta(days=1),
            "end": now + timedelta(days=1),
            "substitute": book.dana,
        },
    )
    brief, _ = HandoverBrief.objects.get_or_create(
        absence=absence,
        account=book.b,
        kind=BriefKind.HANDOVER,
        defaults={"recipient": book.dana, "content": {"account": {"name": book.b.name}}},
    )
    return brief


def foreign_feed(book: Book) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(
        owner=book.client_b,
        scope=FeedScope.ACCOUNT,
        account=book.b,
        defaults={"token_hash": hash_token("globex-feed"), "token_hint": "feed"},
    )
    return feed
