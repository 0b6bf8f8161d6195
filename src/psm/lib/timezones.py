"""Time zone helpers: validation of IANA names and display of instants in a zone."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in zone_names():
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris).")


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zone_names())]


def local(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))
