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


class HolidayCalendar(models.Model):
    """The provider's holidays ("7x24 except provider holidays"): a country (and optional
    subdivision) of the ``holidays`` library, plus dates an administrator adds or removes."""

    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=3, blank=True, help_text="ISO code, e.g. US, DE")
    subdivision = models.CharField(max_length=10, blank=True, help_text="e.g. CA, BY")
    added = models.JSONField(default=list, blank=True, help_text='Extra dates, ["2026-12-24"]')
    removed = models.JSONField(default=list, blank=True, help_text="Dates that are not holidays")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country or None,
            "subdiv": self.subdivision or None,
            "add": sorted(self.added),
            "remove": sorted(self.removed),
        }


class OnCallRotation(models.Model):
    """Engineers taking turns out of hours: shifts of ``shift_hours`` from ``start``, in the
    order of their position; overrides (last one entered wins) replace the rotation."""

    name = models.CharField(max_length=100, unique=True)
    start = models.DateTimeField(help_text="When the first engineer's first shift begins")
    shift_hours = models.PositiveIntegerField(default=168)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OnCallMember(models.Model):
    rotation = models.ForeignKey(OnCallRotation, on_delete=models.CASCADE, related_name="members")
    engineer = models.ForeignKey("team.User", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["rotation", "position"], name="one_member_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.engineer}"


class OnCallOverride(models.Model):
    rotation = models.ForeignKey(OnCallRotation, on_delete=models.CASCADE, related_name="overrides")
    engineer = models.ForeignKey("team.User", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="override_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engineer} on call {self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M}"


class ServicePlan(models.Model):
    """A template plan. An account refers to one and may override any field named in
    ``OVERRIDABLE`` through ``Account.plan_overrides``."""

    OVERRIDABLE = ("timezone", "hours", "always_covered", "sla_targets", "holidays")

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
    holiday_calendar = models.ForeignKey(
        HolidayCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    on_call_rotation = models.ForeignKey(
        OnCallRotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def own_settings(self) -> dict[str, Any]:
        settings = {name: getattr(self, name) for name in self.OVERRIDABLE if name != "holidays"}
        calendar = self.holiday_calendar
        settings["holidays"] = calendar.to_dict() if calendar is not None else None
        return settings

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
        if "holidays" in overrides or "hours" in overrides:
            _check_with_engine(overrides)
        if "always_covered" in overrides:
            value = overrides["always_covered"]
            if not isinstance(value, list) or any(p not in PRIORITIES for p in value):
                raise ValidationError("always_covered must be a list of P1–P4.")


def _check_with_engine(overrides: dict[str, Any]) -> None:
    """Hours and holidays are validated by the engine itself, which names the bad field."""
    from psm.coverage.engine.errors import SpecError
    from psm.coverage.engine.plan import PlanSpec

    probe = {"timezone": "UTC"}
    for key in ("hours", "holidays"):
        if key in overrides and overrides[key] is not None:
            probe[key] = overrides[key]
    try:
        PlanSpec.from_dict(probe, path="overrides")
    except SpecError as exc:
        raise ValidationError(str(exc)) from exc
