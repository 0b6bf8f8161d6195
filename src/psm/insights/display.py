"""What the big staff tables show per row, computed once per row in Python.

A template variable with two filters costs Django's engine more than the formatting itself;
in a table of 50–110 rows (my day, the timeline, the book) that was a third of the page. The
values here are exactly what the filters gave (``{{ t|in_zone:zone|date:fmt }}``,
``{% client_time %}``, ``{{ t|date:'c' }}``, ``{% url %}``), so the pages read the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from psm.cases.models import Case
from psm.lib.timeline import Entry
from psm.lib.urls import Urls

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


def time_left(due: datetime | None, now: datetime | None = None) -> str:
    if due is None:
        return "no deadline"
    delta = due - (now or timezone.now())
    if delta < timedelta(0):
        return f"overdue by {words(delta)}"
    return f"in {words(delta)}"


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


def iso(value: datetime) -> str:
    """``{{ value|date:'c' }}`` (which sees the value in the active zone)."""
    return dateformat.format(timezone.localtime(value), "c")


def local(value: datetime | None, zone: str, fmt: str) -> str:
    """``{{ value|in_zone:zone|date:fmt }}``."""
    if value is None:
        return ""
    # Without a zone the date filter shows the value in the active zone.
    shown = value.astimezone(ZoneInfo(zone)) if zone else timezone.localtime(value)
    return dateformat.format(shown, fmt)


def client_time(value: datetime | None, zone: str, viewer: str, fmt: str = "H:i") -> SafeString:
    """``{% client_time value zone %}`` for a viewer in ``viewer``: the client's wall time,
    only when its offset differs from the viewer's."""
    if value is None or not zone:
        return SafeString("")
    theirs = value.astimezone(ZoneInfo(zone))
    if theirs.utcoffset() == value.astimezone(ZoneInfo(viewer or "UTC")).utcoffset():
        return SafeString("")
    text = dateformat.format(theirs.replace(tzinfo=None), fmt)
    return format_html('<span class="local" title="{}">{} client time</span>', zone, text)


@dataclass
class CaseRow:
    """A case as the due-time tables show it: the viewer's wall time, the client's when it
    differs, the time left in words and its colour."""

    case: Case
    url: str
    due_iso: str = ""
    due_day: str = ""  # "Wed 25 Nov 14:05", the viewer's zone
    due_time: str = ""  # "14:05"
    due_when: str = ""  # "14:05" today, else "Mon 23 Nov 14:05" (the viewer's zone)
    due_client: str = ""  # a SafeString: the client time span
    left: str = ""
    urgency: str = ""


def case_rows(
    cases: Iterable[Case], viewer: str, now: datetime, urls: Urls | None = None
) -> list[CaseRow]:
    urls = urls or Urls()
    rows = []
    for case in cases:
        row = CaseRow(case=case, url=urls("cases:detail", case.reference))
        due = case.next_due
        if due is not None:
            row.due_iso = iso(due)
            row.due_day = local(due, viewer, "D j M H:i")
            row.due_time = local(due, viewer, "H:i")
            today = local(now, viewer, "Y-m-d") == local(due, viewer, "Y-m-d")
            row.due_when = row.due_time if today else row.due_day
            row.due_client = client_time(due, case.account.timezone, viewer)
            row.left = time_left(due, now)
            row.urgency = urgency(due, now)
        rows.append(row)
    return rows


@dataclass
class EntryRow:
    """A timeline entry with its time in the viewer's zone and the client's."""

    entry: Entry
    iso: str
    local: str  # "Wed 25 Nov 14:05"
    client: str  # a SafeString: the client time span, or ""


def entry_rows(entries: Iterable[Entry], viewer: str, client_zone: str) -> list[EntryRow]:
    return [
        EntryRow(
            entry=e,
            iso=iso(e.at),
            local=local(e.at, viewer, "D j M H:i"),
            client=client_time(e.at, client_zone, viewer),
        )
        for e in entries
    ]
