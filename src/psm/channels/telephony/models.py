"""Calls and text messages through the telephony provider, and the index that recognises a
caller by number."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ContactPhone(models.Model):
    """A contact's telephone or mobile number in E.164, kept in step with ``Contact`` by
    signals (``signals.py``), so a caller is found with one indexed query."""

    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, related_name="phone_numbers"
    )
    number = models.CharField(max_length=20, db_index=True)
    field = models.CharField(max_length=10)  # "phone" or "mobile"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "field"], name="one_number_per_field")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.contact})"


class Kind(models.TextChoices):
    VOICE = "voice", "Call"
    SMS = "sms", "Text message"


class Outcome(models.TextChoices):
    RINGING = "ringing", "In the menu"
    FORWARDED = "forwarded", "Forwarded"
    ANSWERED = "answered", "Answered"
    VOICEMAIL = "voicemail", "Voicemail"
    UNKNOWN = "unknown", "Unknown caller"
    PAGED = "paged", "Page opened"
    ACKNOWLEDGED = "acknowledged", "Page acknowledged"
    REPLIED = "replied", "Answered with help"
    REFUSED = "refused", "Refused (bad signature)"


class CallLog(models.Model):
    """One call or text message from the provider, whatever became of it."""

    kind = models.CharField(max_length=6, choices=Kind.choices)
    provider_sid = models.CharField(max_length=64, blank=True, db_index=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls_received",
        help_text="Who the call was forwarded to, or who texted",
    )
    from_number = models.CharField(max_length=40, blank=True)
    to_number = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, db_index=True)
    priority = models.CharField(max_length=2, blank=True)
    route = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True, help_text="The text message, or the menu choice")
    dial_status = models.CharField(max_length=20, blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    recording_sid = models.CharField(max_length=64, blank=True)
    recording_seconds = models.PositiveIntegerField(null=True, blank=True)
    case_reference = models.CharField(max_length=60, blank=True)
    page = models.ForeignKey(
        "paging.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    detail = models.CharField(max_length=300, blank=True)
    # Refused requests only: where from, and how many more were counted on this row once the
    # refusal log reached its rate limit (PSM_TELEPHONY_REFUSAL_LOG_PER_MINUTE).
    remote_address = models.CharField(max_length=45, blank=True)
    repeats = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "created_at"]),
            # The refusal log's rate limit: refusals of the last minute.
            models.Index(
                fields=["created_at"],
                condition=models.Q(outcome="refused"),
                name="calllog_refused",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.from_number} ({self.get_outcome_display()})"
