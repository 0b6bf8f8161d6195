"""Errors raised by the coverage engine."""

from __future__ import annotations


class SpecError(ValueError):
    """A plan, team or scenario is invalid; `field` names where (e.g. ``plan.hours.mon[0]``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
