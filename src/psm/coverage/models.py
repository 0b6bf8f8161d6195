"""Service plans: the template of what an account is promised, with per-account overrides.

The coverage engine (``psm.coverage.engine``, no Django) does the time arithmetic; these
models only store what an administrator configures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models

from psm.lib.timezones import validate_timezone

if TYPE_CHECKING:
    from psm.accounts.models import Account

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRIORITIES = ("P1", "P2", "P3", "P4")


def default_hours() -> dict[str, list[list[str]]]:
    return {day: ([["08:00", "17:00"]] if day in WEEKDAYS[:5] else []) for day in WEEKDAYS}


def default_always_covered() -> list[str]:
    return ["P1"]


def default_sla_targets() -> dict[str, dict[str, int]]:
    """Minutes of covered time per priority."""
    return {
        "P1": {"first_response": 60, "next_update": 120, "resolution": 1440},
        "P2": {"first_response": 240, "next_update": 480, "resolution": 4320},
        "P3": {"first_response": 480, "next_update": 1440, "resolution": 9600},
        "P4": {"first_response": 960, "next_update": 2880, "resolution": 19200},
    }


class ServicePlan(models.Model):
    """A template plan. An account refers to one and may override any field named in
    ``OVERRIDABLE`` through ``Account.plan_overrides``."""

    OVERRIDABLE = ("timezone", "hours", "always_covered", "sla_targets")

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="Blank: the account's own time zone (the usual case).",
    )
    hours = models.JSONField(default=default_hours, help_text="Weekly hours in local wall time")
    always_covered = models.JSONField(
        default=default_always_covered, help_text="Priorities covered 7x24 (except holidays)"
    )
    sla_targets = models.JSONField(default=default_sla_targets)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def own_settings(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.OVERRIDABLE}

    def settings_with(
        self, overrides: dict[str, Any], account: Account | None = None
    ) -> dict[str, Any]:
        """Plan settings, then the account's overrides; a blank zone means the account's."""
        merged = self.own_settings()
        merged.update({k: v for k, v in overrides.items() if k in self.OVERRIDABLE})
        if not merged["timezone"] and account is not None:
            merged["timezone"] = account.timezone
        return merged

    @classmethod
    def validate_overrides(cls, overrides: Any) -> None:
        if not isinstance(overrides, dict):
            raise ValidationError("Plan overrides must be an object of field: value.")
        unknown = sorted(set(overrides) - set(cls.OVERRIDABLE))
        if unknown:
            raise ValidationError(
                f"Unknown plan field(s) {', '.join(unknown)}; "
                f"overridable: {', '.join(cls.OVERRIDABLE)}."
            )
        if overrides.get("timezone"):
            validate_timezone(overrides["timezone"])
        if "always_covered" in overrides:
            value = overrides["always_covered"]
            if not isinstance(value, list) or any(p not in PRIORITIES for p in value):
                raise ValidationError("always_covered must be a list of P1–P4.")
