"""Template helpers for showing instants in a named zone ("14:05 Europe/Berlin"); an instant
in a zone is Django's ``timezone`` filter (``{% load tz %}``)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.templatetags.tz import do_timezone
from django.utils import timezone

register = template.Library()


@register.simple_tag
def now_in(zone: str) -> datetime:
    """The time now in ``zone``, for the date filters (Django's ``timezone`` filter pins it:
    the filters would otherwise show it in the viewer's zone)."""
    pinned: datetime = do_timezone(timezone.now(), zone)
    return pinned
