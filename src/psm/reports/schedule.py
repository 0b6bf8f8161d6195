"""Report schedules: an RFC 5545 RRULE evaluated in the client's time zone.

Pure Python (``dateutil``, ``zoneinfo``). ``FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0`` is the
first Monday of every month at 09:00 local time, whatever DST does. The rule is expanded in
local wall time from a fixed anchor (1 January 2024, 09:00, which fixes the phase of an
INTERVAL and supplies an hour the rule leaves open); each wall time then becomes an instant
the RFC 5545 way: a wall time that happens twice means the first, one that never happens is
read with the offset before the gap.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrule, rrulestr

from psm.reports.periods import PeriodError, zone_of

ANCHOR = datetime(2024, 1, 1, 9, 0)
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WINDOW = timedelta(days=3 * 366)
MAX_OFFSET = timedelta(hours=15)

# A sensible schedule for each kind of period: shortly after the period ends.
DEFAULT_RULES = {
    "week": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
    "month": "FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0",
    "quarter": "FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1MO;BYHOUR=9;BYMINUTE=0",
    "custom": "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
}


class ScheduleError(ValueError):
    """A rule that cannot be a report schedule, with the reason in words."""


def parse_rule(text: str) -> rrule:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body:
        raise ScheduleError(
            "The schedule is empty: give an RRULE such as " + DEFAULT_RULES["month"]
        )
    upper = body.upper()
    if "\n" in body or "DTSTART" in upper:
        raise ScheduleError(
            "Give only the RRULE part (e.g. FREQ=MONTHLY;BYDAY=1MO); PSM sets DTSTART."
        )
    for part in ("COUNT=", "UNTIL="):
        if part in upper:
            raise ScheduleError(
                f"A report schedule goes on until you pause it: remove {part[:-1]}."
            )
    freq = re.search(r"(?:^|;)FREQ=([A-Z]+)", upper)
    if freq is None or freq.group(1) not in FREQUENCIES:
        raise ScheduleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.")
    try:
        parsed = rrulestr(body, dtstart=ANCHOR)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ScheduleError(f"Not a valid RFC 5545 RRULE: {exc}") from None
    if not isinstance(parsed, rrule):
        raise ScheduleError("Give a single RRULE.")
    return parsed


def validate_rule(text: str) -> str:
    """The rule normalised (no ``RRULE:`` prefix), or ScheduleError."""
    rule = parse_rule(text)
    if rule.replace(until=ANCHOR + WINDOW).after(ANCHOR) is None:
        raise ScheduleError("The schedule has no occurrence in the next three years.")
    body = text.strip()
    return body[6:] if body.upper().startswith("RRULE:") else body


def next_run(rule_text: str, zone_name: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after the instant ``after``, as a UTC instant."""
    try:
        zone = zone_of(zone_name)
    except PeriodError as exc:
        raise ScheduleError(str(exc)) from None
    rule = parse_rule(rule_text)
    start_local = after.astimezone(UTC).replace(tzinfo=None) - MAX_OFFSET
    bounded = rule.replace(until=start_local + WINDOW + 2 * MAX_OFFSET)
    for wall in bounded.xafter(start_local, inc=True):
        instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if instant > after:
            return instant
    return None


def upcoming(rule_text: str, zone_name: str, after: datetime, count: int = 3) -> list[datetime]:
    out: list[datetime] = []
    at = after
    while len(out) < count:
        nxt = next_run(rule_text, zone_name, at)
        if nxt is None:
            break
        out.append(nxt)
        at = nxt
    return out
