"""Background work of insights: the rollup sweep and the daily health snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import task

from psm.background.periodic import periodic
from psm.insights import rollups, services


def nightly(now: datetime) -> dict[str, int]:
    """Yesterday's and today's rollups for everyone, today's health snapshots and the
    band-drop alerts. Safe to run twice: rows are recomputed whole, alerts claimed."""
    today = rollups.utc_day(now)
    accounts = engineers = 0
    for day in (today - timedelta(days=1), today):
        a, e = rollups.roll_up_day(day, now=now)
        accounts, engineers = accounts + a, engineers + e
    snapshots = services.take_snapshots(now)
    alerts = services.alert_band_drops(now)
    return {
        "account_days": accounts,
        "engineer_days": engineers,
        "snapshots": snapshots,
        "alerts": alerts,
    }


@periodic(every=timedelta(hours=1))
@task()
def roll_up() -> dict[str, int]:
    """Recompute today's and yesterday's rows for every account and engineer (counts what
    has no event: cases opened, surveys, touchpoints, cadences gone overdue)."""
    now = timezone.now()
    today = rollups.utc_day(now)
    accounts = engineers = 0
    for day in (today - timedelta(days=1), today):
        a, e = rollups.roll_up_day(day, now=now)
        accounts, engineers = accounts + a, engineers + e
    return {"account_days": accounts, "engineer_days": engineers}


@periodic(every=timedelta(hours=6))
@task()
def snapshot_health() -> dict[str, int]:
    """The full nightly pass (four times a day: today's snapshot is replaced each time, and
    a drop into a worse band is announced once)."""
    return nightly(timezone.now())
