"""Template helpers of the staff pages: the client's time beside the viewer's, time left
in words and its colour ("in 2 h 15 min", green; "overdue by 1 h", red), priority chips."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django import template
from django.template import Context
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from psm.insights import display
from psm.insights.health.scoring import BAND_LABELS

register = template.Library()


@register.simple_tag(takes_context=True)
def client_time(context: Context, value: datetime | None, zone: str, fmt: str = "H:i") -> str:
    """The client's wall time beside the viewer's, only when the two differ:
    ``{% client_time case.next_due case.account.timezone %}`` (``display.client_time``)."""
    viewer = getattr(context.get("user"), "timezone", "") or "UTC"
    return display.client_time(value, zone, viewer, fmt)


@register.filter
def priority_chips(chips: list[tuple[str, int]]) -> SafeString:
    """The P1–P4 chips of a row, zeros greyed, as one string (a template loop over four
    chips for a hundred rows was a fifth of the page)."""
    return format_html_join(
        "",
        '<span class="prio prio-{}{}">{} {}</span> ',
        ((p.lower(), "" if n else " zero", p, n) for p, n in chips),
    )


# Time left in words and its colour, wherever a due time is shown.
register.filter("time_left", display.time_left)
register.filter("urgency", display.urgency)


@register.filter
def get(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """``{{ counts|get:"P1" }}``: a mapping's value by a key held in a variable."""
    return None if mapping is None else mapping.get(key)


@register.filter
def older_query(timeline_filter: Any, entries: list[Any]) -> str:
    """The query string of the timeline's next, older page ("" on the last page)."""
    return str(timeline_filter.older_query(entries))


@register.filter
def band_label(band: str) -> str:
    """A health band's name in words ("at_risk" → "At risk")."""
    return BAND_LABELS.get(band, band.replace("_", " ").capitalize())


@register.filter
def pct(value: float | None) -> str:
    """A percentage or a dash when there was nothing to count."""
    return "—" if value is None else f"{value:.1f} %"
