"""Template helpers of the engagement pages: codes as people say them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.db.models import TextChoices
from django.utils import dateformat

from psm.engagement.cadence import rule_in_words
from psm.engagement.models import (
    AdvocacyKind,
    AdvocacyPriority,
    AdvocacyStatus,
    CadenceKind,
    SurveyKind,
    TouchpointKind,
    TouchpointStatus,
    WorkItemStatus,
    WorkItemType,
)

register = template.Library()

CHOICES: dict[str, type[TextChoices]] = {
    "advocacy": AdvocacyKind,
    "advocacy_priority": AdvocacyPriority,
    "advocacy_status": AdvocacyStatus,
    "cadence": CadenceKind,
    "survey": SurveyKind,
    "touchpoint": TouchpointKind,
    "touchpoint_status": TouchpointStatus,
    "work_status": WorkItemStatus,
    "work_type": WorkItemType,
}


@register.filter
def rule_words(rrule: str) -> str:
    """``{{ rule.rrule|rule_words }}``: "every other Tuesday at 10:00"."""
    return rule_in_words(rrule)


@register.filter
def label(value: str, kind: str) -> str:
    """``{{ t.kind|label:"touchpoint" }}``: "Site visit", not ``site_visit`` (stored briefs and
    grouped figures keep the code)."""
    choices = CHOICES[kind]
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def when(iso: str | None, zone: str = "UTC") -> str:
    """An ISO instant kept in a brief, as people read it in ``zone``: "Tue 10 Mar 14:30"."""
    if not iso:
        return ""
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if at.tzinfo is None:
        return dateformat.format(at, "D j M Y")
    return dateformat.format(at.astimezone(ZoneInfo(zone or "UTC")), "D j M H:i")
