"""Time left in words and its colour: "in 2 h 15 min" (green), "in 25 min" (amber),
"overdue by 1 h" (red). Used wherever a due time is shown."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.template import Context
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()

SOON = timedelta(hours=1)


def words(delta: timedelta) -> str:
    """A duration as a person says it, to the minute: "3 d 4 h", "2 h 15 min", "5 min".
    Time left is rounded up (2 h 59 min 30 s left is "3 h"), time overdue down."""
    seconds = delta.total_seconds()
    minutes = int(-(-seconds // 60)) if seconds > 0 else int(-seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min" if mins else "less than a minute"


@register.simple_tag(takes_context=True)
def client_time(context: Context, value: datetime | None, zone: str, fmt: str = "H:i") -> str:
    """The client's wall time beside the viewer's, only when the two differ:
    ``{% client_time case.next_due case.account.timezone %}``."""
    user = context.get("user")
    viewer = getattr(user, "timezone", "") or "UTC"
    if value is None or not zone:
        return ""
    theirs = value.astimezone(ZoneInfo(zone))
    if theirs.utcoffset() == value.astimezone(ZoneInfo(viewer)).utcoffset():
        return ""
    text = date_format(theirs.replace(tzinfo=None), fmt)
    return format_html('<span class="local" title="{}">{} client time</span>', zone, text)


@register.filter
def time_left(due: datetime | None, now: datetime | None = None) -> str:
    if due is None:
        return "no deadline"
    delta = due - (now or timezone.now())
    if delta < timedelta(0):
        return f"overdue by {words(delta)}"
    return f"in {words(delta)}"


@register.filter
def urgency(due: datetime | None, now: datetime | None = None) -> str:
    """A CSS class: ``due-late`` past due, ``due-soon`` within the hour, ``due-ok`` else."""
    if due is None:
        return "due-none"
    delta = due - (now or timezone.now())
    if delta < timedelta(0):
        return "due-late"
    if delta < SOON:
        return "due-soon"
    return "due-ok"


@register.filter
def get(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """``{{ counts|get:"P1" }}``: a mapping's value by a key held in a variable."""
    return None if mapping is None else mapping.get(key)


@register.filter
def older_query(timeline_filter: Any, entries: list[Any]) -> str:
    """The query string of the timeline's next, older page ("" on the last page)."""
    return str(timeline_filter.older_query(entries))
