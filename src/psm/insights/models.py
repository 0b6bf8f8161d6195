"""What the management figures are made of: a ledger of settled SLA targets, daily rollups per
account and per engineer, health weights, and one health snapshot per account and day.

Pages never scan the cases: they add up the day rows of the period asked for. The rows are
kept by ``psm.insights.rollups`` as things happen (``cases.events.sla_settled``,
``paging.events``) and by the sweep that recomputes today and yesterday for everyone.
Days are UTC days.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

SLA_KINDS = (
    ("first_response", "First response"),
    ("next_update", "Next update"),
    ("resolution", "Resolution"),
)


class SlaOutcome(models.Model):
    """One SLA target of a case, met or missed; written when it settles (a reply, a resolution,
    the breach sweep). ``key`` makes a repeat an update: a case has one first-response and
    one resolution outcome (the latest resolution counts), and one next-update outcome per
    due time."""

    key = models.CharField(max_length=80, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The case's assignee when the target settled.",
    )
    kind = models.CharField(max_length=16, choices=SLA_KINDS)
    priority = models.CharField(max_length=2)
    due = models.DateTimeField()
    settled_at = models.DateTimeField()
    met = models.BooleanField()
    # First response only: covered time from opening to the first answer (pauses taken out).
    covered_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "settled_at"], name="sla_outcome_account"),
            models.Index(fields=["engineer", "settled_at"], name="sla_outcome_engineer"),
            models.Index(fields=["settled_at"], name="sla_outcome_settled"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {'met' if self.met else 'missed'}"


class DayCounts(models.Model):
    """The counters an account day and an engineer day share."""

    day = models.DateField()
    fr_met = models.PositiveIntegerField(default=0)
    fr_missed = models.PositiveIntegerField(default=0)
    nu_met = models.PositiveIntegerField(default=0)
    nu_missed = models.PositiveIntegerField(default=0)
    res_met = models.PositiveIntegerField(default=0)
    res_missed = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    after_hours_pages = models.PositiveIntegerField(default=0)
    cases_opened = models.PositiveIntegerField(default=0)
    after_hours_cases = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_count = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_passives = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    cadence_kept = models.PositiveIntegerField(default=0)
    cadence_missed = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True


class AccountDay(DayCounts):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="one_account_day"),
        ]
        indexes = [
            # The dashboard's SLA attainment per week of the whole book: an index-only scan
            # on PostgreSQL (the counters ride along; ignored where unsupported).
            models.Index(
                fields=["day", "account"],
                include=["fr_met", "fr_missed", "nu_met", "nu_missed", "res_met", "res_missed"],
                name="account_day_by_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"


class BookDay(DayCounts):
    """The whole book's counters of one day: the sum of that day's account rows, kept with
    them by ``rollups.roll_up_day``, so the dashboard of every account reads one row a day
    (84 for twelve weeks) instead of every account's (168,000 at 2,000 accounts)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day"], name="one_book_day")]

    def __str__(self) -> str:
        return str(self.day)


class EngineerDay(DayCounts):
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Covered seconds to each first response answered that day: the exact median of any
    # period is the median of these lists put together.
    fr_seconds = models.JSONField(default=list, blank=True)
    # Cases that came to this engineer on an account they are not the primary PSM of.
    cover_cases = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engineer", "day"], name="one_engineer_day"),
        ]
        indexes = [models.Index(fields=["day", "engineer"], name="engineer_day_by_day")]

    def __str__(self) -> str:
        return f"{self.engineer_id} {self.day}"


class HealthWeights(models.Model):
    """Component weights of a plan, or an account's overrides of them (exactly one owner).
    ``weights`` is {component name: weight 0–100}; a component not named inherits."""

    plan = models.OneToOneField(
        "coverage.ServicePlan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="health_weights",
    )
    account = models.OneToOneField(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="health_weights",
    )
    weights = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "health weights"
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, account__isnull=True)
                | Q(plan__isnull=True, account__isnull=False),
                name="health_weights_for_plan_or_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Health weights of {self.account or self.plan}"


class HealthSnapshot(models.Model):
    """An account's health on one day: the score, its band and every component's line."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    band = models.CharField(max_length=10)
    # [{"name", "label", "value", "display", "score", "weight", "contribution", "evidence"}]
    components = models.JSONField(default=list)
    taken_at = models.DateTimeField()
    # Set when the drop into this (worse) band was announced: the claim of the alert.
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="one_health_snapshot_a_day"),
        ]
        indexes = [models.Index(fields=["day", "band"], name="health_snapshot_by_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}: {self.score} ({self.band})"
