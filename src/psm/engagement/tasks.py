"""Background work of the engagement app: the cadence sweep and the absence handover."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from psm.accounts.models import Account
from psm.background.periodic import periodic
from psm.engagement.services.cadences import TRACKED_STATUSES, refresh_cadences, sweep_cadences
from psm.engagement.services.handover import (
    sweep_absences,
    write_handover_briefs,
    write_return_briefs,
)
from psm.team.models import Absence


@periodic(every=timedelta(minutes=15))
@task()
def sweep_engagement() -> dict[str, int]:
    """Due/overdue, reminders, NPS rounds; absences that started or ended. Safe to run twice."""
    report = sweep_cadences()
    handovers, returns = sweep_absences()
    return {
        "created": report.created,
        "marked_overdue": report.marked_overdue,
        "reminders": report.reminders,
        "overdue_notices": report.overdue_notices,
        "survey_rounds": report.survey_rounds,
        "handover_briefs": handovers,
        "return_briefs": returns,
    }


@periodic(every=timedelta(hours=6))
@task()
def refresh_all_cadences() -> int:
    """Recompute every account's cadences from its rules and records (heals any drift, e.g.
    a plan's rules edited in the admin or an account's time zone changed)."""
    count = 0
    for account in Account.objects.filter(status__in=TRACKED_STATUSES):
        refresh_cadences(account)
        count += 1
    return count


@task()
def absence_changed(absence_id: int) -> int:
    """Enqueued when an absence is recorded (``team.events.absence_recorded``): brief the
    substitute now if the absence is already running (a future one is picked up by the
    sweep when it starts)."""
    absence = Absence.objects.select_related("engineer", "substitute").filter(pk=absence_id).first()
    if absence is None:
        return 0
    now = timezone.now()
    return len(write_handover_briefs(absence, now)) + len(write_return_briefs(absence, now))
