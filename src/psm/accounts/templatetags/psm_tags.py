"""Template helpers for showing instants in a named zone ("14:05 Europe/Berlin")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def in_zone(value: datetime | None, zone: str) -> datetime | None:
    if value is None or not zone:
        return value
    return value.astimezone(ZoneInfo(zone))


@register.simple_tag
def now_in(zone: str) -> datetime:
    return timezone.now().astimezone(ZoneInfo(zone))
