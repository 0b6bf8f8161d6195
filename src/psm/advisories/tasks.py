"""Background work of the advisories app: reminders and the distribution poller."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from psm.advisories.feeds import sweep_feeds
from psm.advisories.services import sweep_reminders
from psm.background.periodic import periodic


@periodic(every=timedelta(minutes=15))
@task()
def sweep_advisory_reminders() -> int:
    """Remind about delivered advisories still pending after the plan's days. Safe twice."""
    return sweep_reminders()


@periodic(every=timedelta(minutes=5))
@task()
def poll_advisory_feeds() -> int:
    """Poll the CSAF distributions whose time has come (each feed has its own interval)."""
    return sweep_feeds()
