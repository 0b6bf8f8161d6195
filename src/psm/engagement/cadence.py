"""Cadence maths: when is a touchpoint due, given an RFC 5545 rule, the client's time zone and
the last time it was done. Pure Python (``dateutil`` and ``zoneinfo``), no Django.

A rule such as ``FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0`` is expanded in the
client's local wall time from an *anchor* (the rule's DTSTART: it fixes the phase of an
INTERVAL and supplies any hour/minute the rule leaves open), and every local occurrence is then
turned into an instant the RFC 5545 way: a wall time that happens twice (autumn) means the
first of the two, one that never happens (spring) is read with the offset before the gap.

The *tolerance* is a window around each occurrence: a touchpoint done up to ``tolerance``
before an occurrence counts for it, and an occurrence only becomes overdue ``tolerance`` after
it. The next due occurrence is the first one not yet covered by the last time it was done.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Occurrences are looked for this far ahead; a rule that has none in that time never falls due.
SEARCH_WINDOW = timedelta(days=3 * 366)
# Local wall time and UTC differ by at most this much anywhere on Earth (+14:00 … -12:00).
MAX_OFFSET = timedelta(hours=15)


class RuleError(ValueError):
    """A recurrence rule that cannot be used as a cadence, with the reason in words."""


def parse_rule(text: str, anchor_local: datetime) -> rrule:
    """Parse an RRULE (with or without the ``RRULE:`` prefix) from a naive local anchor."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body:
        raise RuleError("The recurrence rule is empty.")
    upper = body.upper()
    if "\n" in body or "DTSTART" in upper:
        raise RuleError("Give only the RRULE part (e.g. FREQ=WEEKLY;INTERVAL=2); PSM sets DTSTART.")
    for part in ("COUNT=", "UNTIL="):
        if part in upper:
            raise RuleError(f"A cadence goes on while the contract runs: remove {part[:-1]}.")
    try:
        parsed = rrulestr(body, dtstart=anchor_local)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RuleError(f"Not a valid RFC 5545 RRULE: {exc}") from None
    if not isinstance(parsed, rrule):
        raise RuleError("Give a single RRULE.")
    freq = re.search(r"(?:^|;)FREQ=([A-Z]+)", upper)
    if freq is None or freq.group(1) not in ALLOWED_FREQUENCIES:
        raise RuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.")
    return parsed


def validate_rule(text: str) -> str:
    """Check a rule the way a cadence will use it; return it normalised (no prefix)."""
    anchor = datetime(2024, 1, 1, 9, 0)
    rule = parse_rule(text, anchor)
    bounded = rule.replace(until=anchor + SEARCH_WINDOW)
    if bounded.after(anchor) is None:
        raise RuleError("The rule has no occurrence in the next three years.")
    body = text.strip()
    return body[6:] if body.upper().startswith("RRULE:") else body


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time as an aware UTC instant, by the RFC 5545 reading (fold=0 is
    both "first of two" and "offset before the gap" for ``zoneinfo``)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def get_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(f"Unknown time zone {name!r}.") from None


@dataclass(frozen=True)
class Cadence:
    rule: str
    zone: str
    anchor: datetime
    tolerance: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.anchor.tzinfo is None or self.anchor.utcoffset() is None:
            raise RuleError("The anchor must be an aware datetime.")
        if self.tolerance < timedelta(0):
            raise RuleError("The tolerance cannot be negative.")

    def _rule(self) -> tuple[rrule, ZoneInfo]:
        zone = get_zone(self.zone)
        local_anchor = self.anchor.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        return parse_rule(self.rule, local_anchor), zone

    def occurrences(self, after: datetime) -> Iterator[datetime]:
        """Occurrences strictly after the instant ``after``, in order, as UTC instants,
        for at most ``SEARCH_WINDOW``."""
        rule, zone = self._rule()
        start_local = after.astimezone(UTC).replace(tzinfo=None) - MAX_OFFSET
        bounded = rule.replace(until=start_local + SEARCH_WINDOW + 2 * MAX_OFFSET)
        previous: datetime | None = None
        for wall in bounded.xafter(start_local, inc=True):
            instant = localize(wall, zone)
            # Two wall times in one spring gap can read as one instant: keep it once.
            if instant <= after or (previous is not None and instant <= previous):
                continue
            previous = instant
            yield instant

    def next_due(self, last_done: datetime | None) -> datetime | None:
        """The first occurrence not covered by ``last_done`` (done at most ``tolerance``
        before it). Never done: the first occurrence after the anchor."""
        baseline = last_done + self.tolerance if last_done is not None else self.anchor
        return next(self.occurrences(max(baseline, self.anchor)), None)

    def overdue_at(self, due: datetime) -> datetime:
        return due + self.tolerance

    def is_overdue(self, due: datetime | None, now: datetime) -> bool:
        return due is not None and now > self.overdue_at(due)


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last", -2: "second last"}
_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday",
         "FR": "Friday", "SA": "Saturday", "SU": "Sunday"}  # fmt: skip
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip
_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_EVERY_OTHER = {2: "other"}


def _nth(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def rule_in_words(text: str) -> str:
    """An RRULE as people say it: ``FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0`` →
    "every other Tuesday at 10:00". Parts it does not know are left out of the words only when
    the whole rule is not understood (then the rule itself is returned)."""
    parts = dict(
        p.split("=", 1) for p in text.strip().removeprefix("RRULE:").upper().split(";") if "=" in p
    )
    freq = parts.pop("FREQ", "")
    if freq not in _UNITS:
        return text
    interval = int(parts.pop("INTERVAL", "1") or 1)
    unit = _UNITS[freq]
    if interval == 1:
        every = f"every {unit}"
    elif interval in _EVERY_OTHER and freq != "DAILY":
        every = f"every {_EVERY_OTHER[interval]} {unit}"
    else:
        every = f"every {interval} {unit}s"
    on = ""
    days = [d for d in parts.pop("BYDAY", "").split(",") if d]
    named: list[str] = []
    for day in days:
        found = re.fullmatch(r"([+-]?\d)?([A-Z]{2})", day)
        if found is None or found.group(2) not in _DAYS:
            return text
        ordinal = int(found.group(1)) if found.group(1) else 0
        name = _DAYS[found.group(2)]
        named.append(f"the {_ORDINALS.get(ordinal, _nth(ordinal))} {name}" if ordinal else name)
    month_days = [int(d) for d in parts.pop("BYMONTHDAY", "").split(",") if d.lstrip("-").isdigit()]
    months = [int(m) for m in parts.pop("BYMONTH", "").split(",") if m.isdigit()]
    if freq == "WEEKLY" and named:
        every = every.replace("week", " and ".join(named)) if interval > 1 else ""
        on = "" if interval > 1 else "every " + " and ".join(named)
    elif named:
        on = "on " + " and ".join(named)
    if month_days:
        on = "on the " + " and ".join("last day" if d == -1 else _nth(d) for d in month_days)
    if months:
        on += " of " + " and ".join(_MONTHS[m - 1] for m in months if 1 <= m <= 12)
    hours = [int(h) for h in parts.pop("BYHOUR", "").split(",") if h.isdigit()]
    minutes = [int(m) for m in parts.pop("BYMINUTE", "").split(",") if m.isdigit()]
    parts.pop("WKST", None)
    if parts:  # BYSETPOS, BYWEEKNO…: better the rule than wrong words
        return text
    at = ""
    if hours:
        minute = minutes[0] if minutes else 0
        at = "at " + " and ".join(f"{h:02d}:{minute:02d}" for h in hours)
    words = " ".join(w for w in (every, on, at) if w)
    if freq == "MONTHLY" and named and interval == 1:
        words = f"{on.removeprefix('on ')} of every month {at}".strip()
    return words
