"""Cases (support problems) and their timeline of messages and attachments.

A case snapshots the coverage plan it opened under (``coverage``), so editing a plan never
moves a running clock. The SLA due times are plain indexed columns recomputed by
``psm.cases.clocks`` whenever something that moves them happens; sweeps select on them.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from psm.accounts.models import Priority


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_ON_CLIENT = "waiting_on_client", "Waiting on client"
    WAITING_ON_PROVIDER = "waiting_on_provider", "Waiting on provider"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# Statuses in which the SLA clocks run; a pause covers every other status.
RUNNING = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_ON_PROVIDER)
ACTIVE = (*RUNNING, CaseStatus.WAITING_ON_CLIENT)


class Origin(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Telephone"
    PAGE = "page", "Page"
    PORTAL = "portal", "Portal"
    STAFF = "staff", "Entered by staff"


class MessageChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Telephone"
    PAGE = "page", "Page"
    PORTAL = "portal", "Portal"
    NOTE = "note", "Note"


class Direction(models.TextChoices):
    IN = "in", "From the client"
    OUT = "out", "To the client"


class CaseCounter(models.Model):
    """The last case number given out per account; incremented under a row lock."""

    account = models.OneToOneField(
        "accounts.Account", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.last_number}"


class CaseQuerySet(models.QuerySet["Case"]):
    def active(self) -> CaseQuerySet:
        return self.filter(status__in=ACTIVE)

    def breached(self) -> CaseQuerySet:
        return self.filter(breached=True)


class Case(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="cases")
    number = models.PositiveIntegerField()
    # "ACME-42": the account's slug in capitals and the number, fixed when the case opens.
    reference = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=300)
    site = models.ForeignKey(
        "accounts.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    installed_product = models.ForeignKey(
        "accounts.InstalledProduct",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.NEW)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.STAFF)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    # {"plan": name, "spec": PlanSpec.to_dict(), "settings": effective plan} at opening.
    coverage = models.JSONField(default=dict)
    # The routing decision at opening: target, channel, reasons, client message.
    routing = models.JSONField(default=dict, blank=True)

    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_update_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Clock pauses as [[start, end|null], ...] ISO instants; an open pause stops every clock.
    pauses = models.JSONField(default=list, blank=True)
    first_response_due = models.DateTimeField(null=True, blank=True, db_index=True)
    next_update_due = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution_due = models.DateTimeField(null=True, blank=True, db_index=True)
    # The earliest running clock: what "sort by due" sorts on.
    next_due = models.DateTimeField(null=True, blank=True, db_index=True)

    first_response_breached = models.BooleanField(default=False)
    next_update_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    breached = models.BooleanField(default=False, help_text="Any SLA target ever missed")
    # Pre-breach warnings sent for the current due times (reset when a due time moves).
    first_response_warned = models.BooleanField(default=False)
    next_update_warned = models.BooleanField(default=False)
    resolution_warned = models.BooleanField(default=False)

    objects = CaseQuerySet.as_manager()
    # Not stored: ``services.open_cases`` sets it on the cases it returns (their opening message).
    first_message: Message | None = None

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="case_number_per_account")
        ]
        indexes = [
            models.Index(fields=["account", "status"]),
            models.Index(fields=["status", "next_due"]),
            models.Index(fields=["assignee", "status"]),
            # The staff pages' plans at 1,000,000 cases (benchmarks/pages.py, BENCHMARKS.md
            # "Pages"), each checked with EXPLAIN ANALYZE.
            # Case list, active cases by due time (the default list), its pages and count.
            models.Index(
                fields=["next_due", "priority", "id"],
                condition=models.Q(status__in=ACTIVE),
                name="case_active_due",
            ),
            # Case list filtered by priority, by due time (and its count): index-only.
            models.Index(fields=["priority", "next_due", "id"], name="case_priority_due"),
            # Case list, newest first.
            models.Index(fields=["opened_at", "id"], name="case_opened"),
            # The API's sync order (sort=updated, updated_since=…): by last change.
            models.Index(fields=["updated_at", "id"], name="case_updated"),
            # Overview "last contact": the latest update per account, one probe each.
            models.Index(fields=["account", "last_update_at"], name="case_last_update"),
            # Overview "open cases by priority" and each engineer's load, index-only.
            models.Index(
                fields=["account", "priority", "assignee", "next_due"],
                condition=models.Q(status__in=ACTIVE),
                name="case_active_by_account",
            ),
            # Each engineer's open cases (the dashboard's and the overview's workload): one
            # short index-only probe per engineer, where the index above is read whole each.
            models.Index(
                fields=["assignee", "id"],
                condition=models.Q(status__in=ACTIVE),
                name="case_active_by_assignee",
            ),
            # The SLA sweep (``psm.cases.sweeps``): per kind of target, the running cases
            # that can still miss it, by due time; the sweep's queries repeat the condition.
            models.Index(
                fields=["first_response_due"],
                condition=models.Q(
                    status__in=RUNNING,
                    first_response_breached=False,
                    first_response_at__isnull=True,
                ),
                name="case_fr_sweep",
            ),
            models.Index(
                fields=["next_update_due"],
                condition=models.Q(status__in=RUNNING, next_update_breached=False),
                name="case_nu_sweep",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=models.Q(status__in=RUNNING, resolution_breached=False),
                name="case_res_sweep",
            ),
            # "Breaches this month": only the few cases that missed a target, by due time.
            models.Index(
                fields=["first_response_due"],
                condition=models.Q(first_response_breached=True),
                name="case_fr_missed",
            ),
            models.Index(
                fields=["next_update_due"],
                condition=models.Q(next_update_breached=True),
                name="case_nu_missed",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=models.Q(resolution_breached=True),
                name="case_res_missed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.reference])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    @property
    def mail_subject(self) -> str:
        return f"[{self.reference}] {self.title}"

    def pause_intervals(self) -> list[tuple[datetime, datetime | None]]:
        out: list[tuple[datetime, datetime | None]] = []
        for start, end in self.pauses:
            s = parse_datetime(start)
            assert s is not None
            out.append((s, parse_datetime(end) if end else None))
        return out

    def sla_state(self, now: datetime) -> list[dict[str, Any]]:
        """The three clocks for display: due, met/breached/paused."""
        rows = []
        for kind, label, done in (
            ("first_response", "First response", self.first_response_at),
            ("next_update", "Next update", None),
            ("resolution", "Resolution", self.resolved_at),
        ):
            due = getattr(self, f"{kind}_due")
            breached = getattr(self, f"{kind}_breached")
            if done is not None:
                state = "breached" if breached else "met"
            elif self.is_paused and self.is_active:
                state = "paused"
            elif due is None:
                state = "none"
            elif breached or due <= now:
                state = "breached"
            else:
                state = "running"
            rows.append({"kind": kind, "label": label, "due": due, "done": done, "state": state})
        return rows


class Message(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    author_contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(blank=True)
    # Sanitized with nh3 before it is stored; safe to render as HTML.
    html = models.TextField(blank=True)
    # Internal notes are for the provider's people only, never shown to clients.
    is_internal = models.BooleanField(default=False)
    # Automatic mail (out-of-office, bounces): recorded, never answered, stops no clock.
    is_automatic = models.BooleanField(default=False)
    # The e-mail Message-ID (without <>) of this message, in or out: threading looks here.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.get_direction_display()} {self.created_at:%Y-%m-%d}"

    @property
    def author_name(self) -> str:
        if self.author_user is not None:
            return self.author_user.display_name
        if self.author_contact is not None:
            return self.author_contact.name
        return "PSM" if self.direction == Direction.OUT else "Unknown sender"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.case.account_id}/{instance.message.case_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=400)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150, default="application/octet-stream")
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("cases:attachment", args=[self.message.case.reference, self.pk])

    @staticmethod
    def guess_type(filename: str) -> str:
        return mimetypes.guess_type(filename)[0] or "application/octet-stream"
