"""Touchpoints: check-ins, site visits, management reviews and events at a client's site."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from psm.engagement.models.cadences import CadenceKind


class TouchpointKind(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    SITE_VISIT = "site_visit", "Site visit"
    MANAGEMENT_REVIEW = "management_review", "Management review"
    EVENT = "event", "Event / training session"


# The cadence a completed touchpoint of each kind satisfies (events have none).
CADENCE_OF = {
    TouchpointKind.CHECK_IN: CadenceKind.CHECK_IN,
    TouchpointKind.SITE_VISIT: CadenceKind.SITE_VISIT,
    TouchpointKind.MANAGEMENT_REVIEW: CadenceKind.MANAGEMENT_REVIEW,
}


class TouchpointStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


def new_uid() -> str:
    return f"{uuid.uuid4()}@psm"


class Touchpoint(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="touchpoints"
    )
    kind = models.CharField(max_length=24, choices=TouchpointKind.choices)
    status = models.CharField(
        max_length=12, choices=TouchpointStatus.choices, default=TouchpointStatus.SCHEDULED
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, help_text="Zone of the meeting place (IANA).")
    site = models.ForeignKey(
        "accounts.Site",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
    )
    location = models.CharField(max_length=200, blank=True, help_text="Room, address or call link")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_touchpoints"
    )
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)
    # Check-in: the client's satisfaction asked at the end (1–5).
    satisfaction_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    # Management review: the manager's rating of the PSM after talking to the client (1–5).
    psm_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rated_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="management_reviews",
    )
    # Site visit: travel dates and the trip report.
    travel_from = models.DateField(null=True, blank=True)
    travel_to = models.DateField(null=True, blank=True)
    trip_report = models.TextField(blank=True)
    # Event: what attendees get (links, handouts, one per line).
    materials = models.TextField(blank=True)
    ical_uid = models.CharField(max_length=120, unique=True, default=new_uid, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="touchpoint_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(travel_from__isnull=True)
                | Q(travel_to__isnull=True)
                | Q(travel_to__gte=models.F("travel_from")),
                name="touchpoint_travel_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_rating__isnull=True)
                | Q(satisfaction_rating__gte=1, satisfaction_rating__lte=5),
                name="touchpoint_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(psm_rating__isnull=True) | Q(psm_rating__gte=1, psm_rating__lte=5),
                name="touchpoint_psm_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "starts_at"]),
            models.Index(fields=["owner", "starts_at"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("engagement:touchpoint", args=[self.account.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == TouchpointStatus.SCHEDULED


class AttendeeResponse(models.TextChoices):
    NEEDS_ACTION = "needs-action", "No answer yet"
    ACCEPTED = "accepted", "Accepted"
    TENTATIVE = "tentative", "Tentative"
    DECLINED = "declined", "Declined"


class Attendee(models.Model):
    """Someone invited to or present at a touchpoint: a client contact or a provider person."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="attendees")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    invited_sequence = models.PositiveIntegerField(null=True, blank=True)
    response = models.CharField(
        max_length=16, choices=AttendeeResponse.choices, default=AttendeeResponse.NEEDS_ACTION
    )
    attended = models.BooleanField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    feedback_rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint", "contact"],
                condition=Q(contact__isnull=False),
                name="attendee_contact_once",
            ),
            models.UniqueConstraint(
                fields=["touchpoint", "user"],
                condition=Q(user__isnull=False),
                name="attendee_user_once",
            ),
            models.CheckConstraint(
                condition=Q(feedback_rating__isnull=True)
                | Q(feedback_rating__gte=1, feedback_rating__lte=5),
                name="attendee_feedback_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FollowUp(models.Model):
    """An action agreed at a touchpoint."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text
