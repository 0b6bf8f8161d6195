"""Template helpers for showing instants in a named zone ("14:05 Europe/Berlin")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()


class ZonedDatetime(datetime):
    """An instant pinned to a zone: Django's date/time filters convert aware datetimes to the
    active zone unless ``convert_to_local_time`` is False, which would undo ``in_zone``."""

    convert_to_local_time = False


def _pinned(value: datetime, zone: ZoneInfo) -> ZonedDatetime:
    local = value.astimezone(zone)
    return ZonedDatetime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=local.tzinfo,
        fold=local.fold,
    )


@register.filter
def in_zone(value: datetime | None, zone: str) -> datetime | None:
    if value is None or not zone:
        return value
    return _pinned(value, ZoneInfo(zone))


@register.simple_tag
def now_in(zone: str) -> datetime:
    return _pinned(timezone.now(), ZoneInfo(zone))
