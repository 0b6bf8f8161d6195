"""A month of Acme's life (New York): cases, a breach, a note, a page, engagement; time is
frozen at Tuesday 3 November 2026, after October's report is due."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from psm.cases import services as cases
from psm.cases import sweeps
from psm.cases.models import Case, Origin
from psm.engagement.models import (
    AdvocacyItem,
    AdvocacyKind,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from psm.paging import services as paging
from psm.paging.models import AckVia, Page
from psm.testing.book import Book
from psm.testing.reports import SmtpSink, start_smtp

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 3, 15, 0, tzinfo=NY)
SECRETS = ("SECRET-NOTE-TEXT", "SECRET-ARGUMENT", "SECRET-TOUCHPOINT-NOTES")


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


@dataclass
class October:
    book: Book
    late: Case  # opened 31 October 23:30 New York time
    breached: Case


@pytest.fixture
def october(book: Book) -> Iterator[October]:
    a = book.a
    early = cases.open_case(
        None,
        a,
        title="Lock manager at its limit",
        priority="P2",
        contact=book.contact_a,
        origin=Origin.EMAIL,
        at=ny(10, 5, 10),
    )
    cases.reply(book.alice, early, text="Raised lockmgr -f.", status="resolved", at=ny(10, 5, 15))
    cases.add_note(
        book.alice, early, "SECRET-NOTE-TEXT: the client's admin broke it.", at=ny(10, 5, 11)
    )
    breached = cases.open_case(
        None,
        a,
        title="VOB server down",
        priority="P1",
        contact=book.contact_a,
        origin=Origin.PHONE,
        at=ny(10, 20, 10),
    )
    sweeps.sweep(ny(10, 22, 10))  # the first response was never given: breached
    late = cases.open_case(
        None,
        a,
        title="Late-night build failure",
        priority="P3",
        contact=book.contact_a,
        origin=Origin.EMAIL,
        at=ny(10, 31, 23, 30),
    )
    cases.open_case(
        None, book.b, title="Globex case", priority="P1", contact=book.contact_b, at=ny(10, 12, 9)
    )
    # A P1 case pages the PSM by itself (paging subscribes to case.opened).
    page = Page.objects.get(account=a)
    paging.acknowledge(page, book.alice, AckVia.LINK, ny(10, 20, 10, 9))
    AdvocacyItem.objects.create(
        account=a,
        kind=AdvocacyKind.DEFECT,
        title="Merge crash",
        internal_ref="DEF-1",
        business_impact="Blocks the release",
        priority_argument="SECRET-ARGUMENT",
        owner=book.alice,
        target_release="11.0.2",
    )
    Touchpoint.objects.create(
        account=a,
        kind=TouchpointKind.CHECK_IN,
        status=TouchpointStatus.COMPLETED,
        title="October check-in",
        starts_at=ny(10, 14, 10),
        ends_at=ny(10, 14, 11),
        timezone="America/New_York",
        owner=book.alice,
        notes="SECRET-TOUCHPOINT-NOTES",
    )
    with time_machine.travel(NOW, tick=False):
        yield October(book, late, breached)


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    sink = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    yield sink
    sink.close()


@pytest.fixture(autouse=True)
def _files(settings, tmp_path) -> None:
    """Archived reports go to a folder of this test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
    }
