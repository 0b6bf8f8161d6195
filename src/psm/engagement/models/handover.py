"""Engagement policy per plan and account, and the briefs written when a PSM is away."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class EngagementPolicy(models.Model):
    """Engagement switches of a plan, or an account's override of them (blank: inherit)."""

    plan = models.OneToOneField(
        "coverage.ServicePlan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="engagement_policy",
    )
    account = models.OneToOneField(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="engagement_policy",
    )
    announce_substitute = models.BooleanField(
        null=True,
        blank=True,
        help_text="Tell the client's contacts who substitutes for their PSM, and when.",
    )
    survey_after_check_in = models.BooleanField(null=True, blank=True)
    survey_after_case = models.BooleanField(null=True, blank=True)
    survey_valid_days = models.PositiveSmallIntegerField(null=True, blank=True)

    DEFAULTS = {
        "announce_substitute": False,
        "survey_after_check_in": True,
        "survey_after_case": True,
        "survey_valid_days": 14,
    }

    class Meta:
        verbose_name_plural = "engagement policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, account__isnull=True)
                | Q(plan__isnull=True, account__isnull=False),
                name="engagement_policy_for_plan_or_account",
            )
        ]

    def __str__(self) -> str:
        return f"Engagement policy of {self.account or self.plan}"


class BriefKind(models.TextChoices):
    HANDOVER = "handover", "Handover brief"
    RETURN = "return", "Return brief"


class AbsenceHandover(models.Model):
    """Which briefs of an absence have been written: the claim that makes the sweep safe to
    run twice or on two machines."""

    absence = models.OneToOneField(
        "team.Absence", on_delete=models.CASCADE, related_name="engagement_handover"
    )
    handover_done_at = models.DateTimeField(null=True, blank=True)
    return_done_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Handover of {self.absence_id}"


class HandoverBrief(models.Model):
    absence = models.ForeignKey("team.Absence", on_delete=models.CASCADE, related_name="briefs")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="handover_briefs"
    )
    kind = models.CharField(max_length=10, choices=BriefKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="handover_briefs"
    )
    content = models.JSONField(default=dict)
    notified_contacts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["absence", "account", "kind"], name="one_brief_per_absence_account_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.account_id} to {self.recipient_id}"
