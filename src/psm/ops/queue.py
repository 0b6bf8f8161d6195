"""Figures about the background work, shared by /healthz and /metrics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from psm.background.models import ScheduledRun
from psm.background.periodic import registry

# How many recent slots of a periodic task are looked at for one that finished.
_RECENT_SLOTS = 20


@dataclass(frozen=True)
class QueueState:
    depth: int  # tasks ready to run now
    oldest_age: float  # seconds the oldest of them has waited (0 when none)


def queue_state(now: datetime | None = None) -> QueueState:
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    depth = ready.count()
    if not depth:
        return QueueState(0, 0.0)
    # A task waits from its enqueueing, or from its run_after when one was set.
    plain = ready.filter(run_after=get_date_max()).aggregate(m=Min("enqueued_at"))["m"]
    delayed = ready.exclude(run_after=get_date_max()).aggregate(m=Min("run_after"))["m"]
    starts = [t for t in (plain, delayed) if t is not None]
    oldest = min(starts) if starts else now
    return QueueState(depth, max(0.0, (now - oldest).total_seconds()))


def sweep_lags(now: datetime | None = None) -> dict[str, float]:
    """Per periodic task: seconds since the slot of its newest run that finished, less its
    interval — 0 while it keeps up, growing when a sweep stops running or keeps failing.
    A task that never ran counts from the scheduler's first recorded slot."""
    now = now or timezone.now()
    first_slot = ScheduledRun.objects.aggregate(m=Min("slot"))["m"]
    lags: dict[str, float] = {}
    for name, item in registry().items():
        runs = list(
            ScheduledRun.objects.filter(name=name)
            .order_by("-slot")
            .values_list("slot", "task_result_id")[:_RECENT_SLOTS]
        )
        finished = set(
            DBTaskResult.objects.successful()
            .filter(id__in=[rid for _, rid in runs if rid])
            .values_list("id", flat=True)
        )
        newest = next((slot for slot, rid in runs if rid and _uuid(rid) in finished), None)
        since = newest or first_slot
        lags[name] = 0.0 if since is None else max(0.0, (now - since - item.every).total_seconds())
    return lags


def _uuid(value: str) -> object:
    try:
        return uuid.UUID(value)
    except ValueError:
        return value


def short_name(task_path: str) -> str:
    """``psm.cases.tasks.sweep_breaches`` → ``cases.sweep_breaches``."""
    parts = task_path.split(".")
    return f"{parts[1]}.{parts[-1]}" if len(parts) >= 3 else task_path
