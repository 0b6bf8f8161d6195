"""Filters for report templates: instants stored as UTC ISO text, shown in the client's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@register.filter
def local(value: object, zone: str = "UTC") -> str:
    """``2026-11-01T03:30:00Z|local:"America/New_York"`` → ``31 Oct 2026 23:30 EDT``."""
    at = _instant(value)
    if at is None:
        return ""
    there = at.astimezone(ZoneInfo(zone or "UTC"))
    return f"{there.day} {there:%b %Y %H:%M} {there.tzname()}"


@register.filter
def local_day(value: object, zone: str = "UTC") -> str:
    at = _instant(value)
    if at is None:
        return ""
    there = at.astimezone(ZoneInfo(zone or "UTC"))
    return f"{there.day} {there:%b %Y}"


@register.filter
def day(value: object) -> str:
    """An ISO day (``2026-10-31``) as ``31 Oct 2026``."""
    try:
        parsed = date.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    return f"{parsed.day} {parsed:%b %Y}"


@register.filter
def paragraphs(value: object) -> list[str]:
    return [p.strip() for p in str(value or "").split("\n\n") if p.strip()]


@register.filter
def css_string(value: object) -> SafeString:
    """Text for inside a CSS string in double quotes (page headers and footers of the PDF)."""
    out = []
    for ch in str(value or ""):
        if ch in '"\\' or ord(ch) < 32 or ch in "<>":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    # Safe inside <style>: "<" cannot appear, so neither can "</style>".
    return mark_safe("".join(out))
