"""Template helpers of the engagement pages."""

from __future__ import annotations

from django import template

from psm.engagement.cadence import rule_in_words

register = template.Library()


@register.filter
def rule_words(rrule: str) -> str:
    """``{{ rule.rrule|rule_words }}``: "every other Tuesday at 10:00"."""
    return rule_in_words(rrule)
