"""Parsing and formatting of instants shared by the engine's specs and texts."""

from __future__ import annotations

from datetime import UTC, datetime
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
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_local(t: datetime, tz: ZoneInfo) -> str:
    """``2026-12-04 00:00 EST`` — the zone abbreviation disambiguates repeated hours."""
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
