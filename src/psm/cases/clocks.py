"""SLA clocks of a case, computed by the coverage engine from the case's own snapshot.

Rules:
- first response and resolution count covered time from ``opened_at``; next update counts
  from the last public update to the client (``last_update_at``);
- the calendar is the plan's calendar for the case's priority (7x24 minus holidays for an
  always-covered priority, else business hours) — from the snapshot, not the live plan;
- every pause (waiting on the client, resolved) is taken out with ``Calendar.add(pauses=...)``;
  while a pause is open the clocks stand still and the due columns are empty, so the sweep
  never sees them.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from psm.coverage.engine.calendar import Calendar, NeverOpenError
from psm.coverage.engine.plan import PlanSpec, SlaKind

if TYPE_CHECKING:
    from psm.cases.models import Case

CLOCK_FIELDS = ("first_response_due", "next_update_due", "resolution_due", "next_due")


@functools.lru_cache(maxsize=256)
def _spec(snapshot_json: str) -> PlanSpec:
    return PlanSpec.from_dict(json.loads(snapshot_json))


@functools.lru_cache(maxsize=1024)
def _calendar(snapshot_json: str, priority: str) -> Calendar:
    """Built once per plan and priority (building one checks and copies the hours)."""
    return _spec(snapshot_json).calendar_for(priority)


def _key(case: Case) -> str:
    return json.dumps(case.coverage["spec"], sort_keys=True)


def _due(
    spec: PlanSpec,
    calendar: Calendar,
    kind: SlaKind,
    priority: str,
    start: datetime,
    pauses: list[tuple[datetime, datetime]],
) -> datetime | None:
    minutes = spec.sla_minutes(kind, priority)
    if minutes is None:
        return None
    try:
        return calendar.add(start, timedelta(minutes=minutes), pauses)
    except NeverOpenError:
        return None


def recompute(case: Case) -> list[str]:
    """Set the due columns from the case's state; returns the names of changed fields
    (warning flags of a clock whose due time moved are reset, so it can warn again)."""
    before = {name: getattr(case, name) for name in CLOCK_FIELDS}
    if not case.is_active:
        # Resolved or closed: the due times stay as they were, for the record.
        first, update, resolution = (
            case.first_response_due,
            case.next_update_due,
            case.resolution_due,
        )
    elif case.is_paused:
        first = case.first_response_due if case.first_response_at else None
        update = resolution = None
    else:
        key = _key(case)
        spec = _spec(key)
        closed = [(s, e) for s, e in case.pause_intervals() if e is not None]
        p = case.priority
        calendar = _calendar(key, p)
        first = (
            _due(spec, calendar, "first_response", p, case.opened_at, closed)
            if case.first_response_at is None
            else case.first_response_due
        )
        update = (
            _due(spec, calendar, "next_update", p, case.last_update_at, closed)
            if case.last_update_at is not None
            else None
        )
        resolution = _due(spec, calendar, "resolution", p, case.opened_at, closed)
    case.first_response_due = first
    case.next_update_due = update
    case.resolution_due = resolution
    running = [
        d for d in (None if case.first_response_at else first, update, resolution) if d is not None
    ]
    case.next_due = min(running, default=None) if case.is_active else None
    changed = [name for name in CLOCK_FIELDS if getattr(case, name) != before[name]]
    for kind in ("first_response", "next_update", "resolution"):
        if f"{kind}_due" in changed and getattr(case, f"{kind}_warned"):
            setattr(case, f"{kind}_warned", False)
            changed.append(f"{kind}_warned")
    return changed
