"""Parsing and formatting of instants shared by the engine's specs and texts."""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from psm.coverage.engine.errors import SpecError

MIN_YEAR, MAX_YEAR = 1900, 2999


def parse_instant(raw: object, path: str) -> datetime:
    """An aware datetime from ISO 8601 text with an offset or ``Z``; SpecError otherwise."""
    if not isinstance(raw, str):
        raise SpecError(path, "must be an ISO 8601 instant such as 2026-03-06T21:00:00Z")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise SpecError(path, f"{raw!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise SpecError(path, f"{raw!r} needs a UTC offset or Z")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        # Beyond these, adding a due time overflows Python's dates (found by fuzzing).
        raise SpecError(path, f"{raw!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return value


def format_utc(t: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (the simulator's contract; sub-seconds are dropped)."""
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t.isoformat()}")
    if t.microsecond:
        t = t.replace(microsecond=0)
    return format_epoch(int(t.timestamp()))  # exact: a whole second


# Formatting from POSIX seconds by table: a day's date once, then the minute and the second
# of the day looked up (a tenth of the time of strftime or isoformat, which parse or build
# the whole text every time; the simulator formats one instant per answer).
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_HOUR_MINUTE = tuple(f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECOND = tuple(f"{s:02d}Z" for s in range(60))


@functools.lru_cache(maxsize=8192)
def _day(days: int) -> str:
    return date.fromordinal(_EPOCH_ORDINAL + days).isoformat()


def format_epoch(s: int) -> str:
    """``format_utc`` of the instant ``s`` POSIX seconds (an int)."""
    days, rest = divmod(s, 86400)
    minute, second = divmod(rest, 60)
    return _day(days) + _HOUR_MINUTE[minute] + _SECOND[second]


def format_local(t: datetime, tz: ZoneInfo) -> str:
    """``2026-12-04 00:00 EST`` — the zone abbreviation disambiguates repeated hours."""
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
