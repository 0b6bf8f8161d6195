"""Report periods: weeks, months, quarters and custom spans, in the client's time zone.

Pure Python (``zoneinfo``), no Django. A period is a half-open interval of local dates
``[first, after)`` in one IANA zone; its instants are local midnights turned into UTC. So
October for a New York client runs from 1 October 00:00 EDT (04:00 UTC) to 1 November
00:00 EDT, whatever DST does inside it, and a case opened on 31 October at 23:30 local time
is October's.

Written forms (``parse``): ``2026-10`` (a month), ``2026-Q4`` (a quarter), ``2026-W44`` (an
ISO week, Monday to Sunday) and ``2026-10-01..2026-10-15`` (a custom span, both days included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

KINDS = ("week", "month", "quarter", "custom")
MAX_CUSTOM_DAYS = 366


class PeriodError(ValueError):
    """A period that cannot be read or used, with the reason in words."""


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeriodError(f"Unknown time zone {name!r}.") from None


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts (a zone whose clocks skip midnight: the first instant
    after the gap, which is what ``fold=0`` gives for a skipped wall time)."""
    local = datetime.combine(day, time(0), tzinfo=zone)
    return local.astimezone(UTC)


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # the first local day in the period
    after: date  # the first local day after it
    zone: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PeriodError(f"A period is a week, month, quarter or custom, not {self.kind!r}.")
        if self.after <= self.first:
            raise PeriodError("A period ends after it starts.")
        zone_of(self.zone)

    @property
    def start(self) -> datetime:
        return midnight(self.first, zone_of(self.zone))

    @property
    def end(self) -> datetime:
        return midnight(self.after, zone_of(self.zone))

    @property
    def last(self) -> date:
        return self.after - timedelta(days=1)

    @property
    def code(self) -> str:
        """The written form ``parse`` reads back."""
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def label(self) -> str:
        """In words, for headings: "October 2026", "Q4 2026", "Week 44, 2026 (26 Oct – 1 Nov)"."""
        if self.kind == "month":
            return f"{self.first:%B %Y}"
        if self.kind == "quarter":
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        span = f"{_day(self.first)} – {_day(self.last)} {self.last.year}"
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"Week {week}, {year} ({span})"
        return span

    def as_json(self) -> dict[str, str]:
        return {
            "start": iso(self.start),
            "end": iso(self.end),
            "kind": self.kind,
            "code": self.code,
            "label": self.label,
            "timezone": self.zone,
            "first_day": self.first.isoformat(),
            "last_day": self.last.isoformat(),
        }

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == "custom":
            length = self.after - self.first
            return Period("custom", self.first - length, self.first, self.zone)
        return containing(self.kind, self.first - timedelta(days=1), self.zone)


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def containing(kind: str, day: date, zone: str) -> Period:
    """The week, month or quarter that contains the local day ``day``."""
    if kind == "month":
        first = day.replace(day=1)
        return Period(kind, first, _add_months(first, 1), zone)
    if kind == "quarter":
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _add_months(first, 3), zone)
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=7), zone)
    raise PeriodError(f"{kind!r} has no natural period; give the days.")


def last_complete(kind: str, at: datetime, zone: str, days: int = 30) -> Period:
    """The last whole period that ended at or before the instant ``at`` (local time): what a
    report run at ``at`` covers. ``custom`` means the ``days`` whole days before that day."""
    today = at.astimezone(zone_of(zone)).date()
    if kind == "custom":
        if not 1 <= days <= MAX_CUSTOM_DAYS:
            raise PeriodError(f"A custom period is 1 to {MAX_CUSTOM_DAYS} days.")
        return Period("custom", today - timedelta(days=days), today, zone)
    return containing(kind, today, zone).previous()


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)


def parse(text: str, zone: str) -> Period:
    """Read ``YYYY-MM``, ``YYYY-Qn``, ``YYYY-Www`` or ``START..END`` (ISO days, both included)."""
    value = text.strip()
    try:
        if match := _MONTH.match(value):
            return containing("month", date(int(match[1]), int(match[2]), 1), zone)
        if match := _QUARTER.match(value):
            return containing("quarter", date(int(match[1]), int(match[2]) * 3 - 2, 1), zone)
        if match := _WEEK.match(value):
            return containing("week", date.fromisocalendar(int(match[1]), int(match[2]), 1), zone)
    except ValueError as exc:
        raise PeriodError(f"{value!r} is not a real period: {exc}.") from None
    if ".." in value:
        start_text, _, end_text = value.partition("..")
        try:
            first, last = date.fromisoformat(start_text), date.fromisoformat(end_text)
        except ValueError:
            raise PeriodError(
                f"{value!r}: a custom period is START..END with ISO days, e.g. "
                "2026-10-01..2026-10-15."
            ) from None
        if last < first:
            raise PeriodError(f"{value!r}: the end is before the start.")
        if (last - first).days + 1 > MAX_CUSTOM_DAYS:
            raise PeriodError(f"{value!r}: a custom period is at most {MAX_CUSTOM_DAYS} days.")
        return Period("custom", first, last + timedelta(days=1), zone)
    raise PeriodError(
        f"{value!r} is not a period: use YYYY-MM, YYYY-Qn, YYYY-Www or START..END "
        "(e.g. 2026-10, 2026-Q4, 2026-W44, 2026-10-01..2026-10-15)."
    )
