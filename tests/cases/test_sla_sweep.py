"""The SLA sweep warns before due times and marks breaches, once, however often it runs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from psm.audit.models import AuditEntry
from psm.cases import services, sweeps
from psm.cases.models import CaseStatus, Origin
from psm.notifications.models import Notification

NY = ZoneInfo("America/New_York")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NY)


@pytest.fixture
def case(book):
    with time_machine.travel(ny(10, 10), tick=False):
        return services.open_case(
            None, book.a, title="Broken", contact=book.contact_a, origin=Origin.EMAIL
        )


def test_warns_within_the_lead_time_once(book, case, settings) -> None:
    settings.PSM_SLA_WARNING_MINUTES = 30
    # First response due Wed 09:00; 08:40 is within 30 minutes of it.
    assert sweeps.sweep(ny(11, 8, 20)) == {"warnings": 0, "breaches": 0}
    assert sweeps.sweep(ny(11, 8, 40)) == {"warnings": 1, "breaches": 0}
    assert sweeps.sweep(ny(11, 8, 45)) == {"warnings": 0, "breaches": 0}
    case.refresh_from_db()
    assert case.first_response_warned and not case.first_response_breached
    warning = Notification.objects.get(key__contains=":sla:first_response:warning:")
    assert warning.user == book.alice and "due soon" in warning.subject


def test_marks_a_breach_once_and_tells_the_assignee(book, case) -> None:
    assert sweeps.sweep(ny(11, 9, 1))["breaches"] == 1
    assert sweeps.sweep(ny(11, 9, 2))["breaches"] == 0
    case.refresh_from_db()
    assert case.first_response_breached and case.breached
    assert AuditEntry.objects.filter(action="case.breach").count() == 1
    assert Notification.objects.filter(key__contains=":sla:first_response:breach:").count() == 1


def test_a_paused_case_never_breaches(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        services.set_status(book.alice, case, CaseStatus.WAITING_ON_CLIENT)
    assert sweeps.sweep(ny(20, 9)) == {"warnings": 0, "breaches": 0}


def test_a_met_first_response_is_not_swept(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        services.reply(book.alice, case, text="On it")
    counts = sweeps.sweep(ny(11, 10))
    assert counts["breaches"] == 0
    case.refresh_from_db()
    assert not case.first_response_breached


def test_next_update_breach_and_a_new_update_starts_a_new_cycle(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        services.reply(book.alice, case, text="On it")
    case.refresh_from_db()
    assert sweeps.sweep(case.next_update_due)["breaches"] == 1
    with time_machine.travel(ny(13, 9), tick=False):
        services.reply(book.alice, case, text="Update")
    case.refresh_from_db()
    assert not case.next_update_breached and case.breached
    assert sweeps.sweep(case.next_update_due)["breaches"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_mark_each_breach_once(book, case) -> None:
    """Two real processes sweeping the same instant: one notification per event."""
    from psm.testing.processes import psm

    at = ny(11, 9, 5).isoformat()
    code = (
        "from django.utils.dateparse import parse_datetime;"
        "from psm.cases.sweeps import sweep;"
        f"print(sweep(parse_datetime({at!r})))"
    )
    procs = [psm("shell", "-c", code) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert Notification.objects.filter(key__contains=":sla:first_response:breach:").count() == 1
    assert AuditEntry.objects.filter(action="case.breach").count() == 1
