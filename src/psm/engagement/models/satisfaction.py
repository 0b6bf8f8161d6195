"""Satisfaction surveys: CSAT after a case, a rating after a check-in, periodic NPS."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


class SurveyKind(models.TextChoices):
    CSAT = "csat", "After a case (CSAT 1–5)"
    CHECK_IN = "check_in", "After a check-in (1–5)"
    NPS = "nps", "Periodic NPS (0–10)"


SCALES = {SurveyKind.CSAT: (1, 5), SurveyKind.CHECK_IN: (1, 5), SurveyKind.NPS: (0, 10)}
# At or below this a score alerts the PSM and their manager (NPS: a detractor).
LOW_SCORE = {SurveyKind.CSAT: 2, SurveyKind.CHECK_IN: 2, SurveyKind.NPS: 6}


class SurveyChannel(models.TextChoices):
    EMAIL = "email", "E-mail link"
    IN_PERSON = "in_person", "Asked in the meeting"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class Survey(models.Model):
    """One question to one contact (or a rating taken in a meeting) and, once, its answer."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="surveys"
    )
    kind = models.CharField(max_length=12, choices=SurveyKind.choices)
    channel = models.CharField(
        max_length=12, choices=SurveyChannel.choices, default=SurveyChannel.EMAIL
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
        help_text="The PSM the answer is about.",
    )
    touchpoint = models.ForeignKey(
        "engagement.Touchpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    subject = models.CharField(max_length=200, blank=True, help_text="What is being rated.")
    # What caused the survey ("case:12", "check_in:5:7", "nps:3:2025-01-01T09:00"), so asking
    # twice for the same reason is impossible.
    source_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    # Part of the signed link and checked against it: a link for a replaced survey is dead.
    nonce = models.CharField(max_length=32, unique=True, default=new_nonce, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=10), name="survey_score_0_to_10"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, score__isnull=True)
                | Q(answered_at__isnull=False, score__isnull=False),
                name="survey_answer_has_score",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "answered_at"]),
            models.Index(fields=["engineer", "answered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.account_id}"

    @property
    def scale(self) -> tuple[int, int]:
        return SCALES[SurveyKind(self.kind)]

    @property
    def is_low(self) -> bool:
        return self.score is not None and self.score <= LOW_SCORE[SurveyKind(self.kind)]
