"""Cadences: how often each proactive touchpoint is due per account, and when it is due next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from psm.engagement.cadence import Cadence, RuleError, validate_rule


class CadenceKind(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    SITE_VISIT = "site_visit", "Site visit"
    MANAGEMENT_REVIEW = "management_review", "Management review"
    SATISFACTION_SURVEY = "satisfaction_survey", "Satisfaction survey (NPS)"


@dataclass(frozen=True)
class RuleSpec:
    rrule: str
    tolerance_days: int
    remind_days: int
    source: str  # "account", "plan" or "default"


# What every plan gets until an administrator says otherwise (admin → Cadence rules).
DEFAULT_RULES: dict[str, RuleSpec] = {
    CadenceKind.CHECK_IN: RuleSpec(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0", 2, 2, "default"
    ),
    CadenceKind.SITE_VISIT: RuleSpec(
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=+2WE;BYHOUR=10;BYMINUTE=0", 14, 21, "default"
    ),
    CadenceKind.MANAGEMENT_REVIEW: RuleSpec(
        "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=15;BYHOUR=11;BYMINUTE=0", 14, 14, "default"
    ),
    CadenceKind.SATISFACTION_SURVEY: RuleSpec(
        "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0", 7, 3, "default"
    ),
}


def rrule_validator(value: str) -> None:
    try:
        validate_rule(value)
    except RuleError as exc:
        raise ValidationError(str(exc)) from None


class CadenceRule(models.Model):
    """A plan's cadence for one kind, or an account's override of it (exactly one of the two).

    Rows rather than a JSON field on the plan: each rule is validated on its own, an account
    overrides one kind without restating the others, and switching a kind off is a row too."""

    plan = models.ForeignKey(
        "coverage.ServicePlan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cadence_rules",
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cadence_rules",
    )
    kind = models.CharField(max_length=24, choices=CadenceKind.choices)
    rrule = models.CharField(
        "recurrence (RRULE)",
        max_length=300,
        validators=[rrule_validator],
        help_text="RFC 5545, evaluated in the client's time zone, e.g. "
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0",
    )
    enabled = models.BooleanField(
        default=True, help_text="Off: this touchpoint is not tracked for the plan or account."
    )
    tolerance_days = models.PositiveSmallIntegerField(
        default=2, help_text="Done this many days early still counts; overdue this many days late."
    )
    remind_days = models.PositiveSmallIntegerField(
        default=3, help_text="Remind the owner this many days before it falls due."
    )

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, account__isnull=True)
                | Q(plan__isnull=True, account__isnull=False),
                name="cadence_rule_for_plan_or_account",
            ),
            models.UniqueConstraint(
                fields=["plan", "kind"],
                condition=Q(plan__isnull=False),
                name="one_cadence_rule_per_plan_kind",
            ),
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=Q(account__isnull=False),
                name="one_cadence_rule_per_account_kind",
            ),
        ]

    def __str__(self) -> str:
        owner = self.account or self.plan
        return f"{self.get_kind_display()} for {owner}: {self.rrule}"

    def spec(self) -> RuleSpec:
        return RuleSpec(
            self.rrule,
            self.tolerance_days,
            self.remind_days,
            "account" if self.account_id else "plan",
        )


class CadenceState(models.Model):
    """When a kind of touchpoint is next due for an account: time-driven state kept in indexed
    columns by ``engagement.services`` and the periodic sweep."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="cadence_states"
    )
    kind = models.CharField(max_length=24, choices=CadenceKind.choices)
    # Snapshot of the rule the dates below were computed from.
    rrule = models.CharField(max_length=300)
    timezone = models.CharField(max_length=64)
    tolerance_days = models.PositiveSmallIntegerField(default=0)
    remind_days = models.PositiveSmallIntegerField(default=0)
    anchor = models.DateTimeField(help_text="DTSTART of the rule: tracking began here.")
    last_done_at = models.DateTimeField(null=True, blank=True)
    next_due = models.DateTimeField(null=True, blank=True, db_index=True)
    overdue_at = models.DateTimeField(null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)
    overdue = models.BooleanField(default=False)
    # Which due instant a reminder / overdue notice was sent for (claims for the sweep).
    reminded_for = models.DateTimeField(null=True, blank=True)
    overdue_notified_for = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_due"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="one_cadence_state_per_kind")
        ]
        indexes = [models.Index(fields=["overdue", "next_due"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.account_id} due {self.next_due}"

    def overdue_now(self, now: datetime) -> bool:
        """Overdue at ``now``, whether or not the sweep has marked it yet (``overdue`` is the
        sweep's mark, for its notices)."""
        if self.overdue_at is None:
            return self.overdue
        return now > self.overdue_at

    @property
    def cadence(self) -> Cadence:
        return Cadence(self.rrule, self.timezone, self.anchor, timedelta(days=self.tolerance_days))

    def compute(self, now: datetime) -> None:
        """Set next_due, overdue_at, remind_at and overdue from the snapshot and last_done_at."""
        cadence = self.cadence
        due = cadence.next_due(self.last_done_at)
        self.next_due = due
        self.overdue_at = cadence.overdue_at(due) if due else None
        self.remind_at = due - timedelta(days=self.remind_days) if due else None
        self.overdue = cadence.is_overdue(due, now)
