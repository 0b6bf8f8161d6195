"""Pages: "page my PSM" with acknowledgement and escalation.

A page copies its escalation policy (who, in which order, how long each has to acknowledge)
into ``policy`` when it starts, so editing a plan, an assignment or a rotation never changes a
running escalation. ``step`` is the position in that chain and ``ack_deadline`` (indexed) is
when the current step runs out; the sweep moves a page on with a conditional UPDATE on
``(pk, step, status)`` so two workers racing on one step make exactly one escalation.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class PageStatus(models.TextChoices):
    OPEN = "open", "Waiting for acknowledgement"
    ESCALATED = "escalated", "Escalated"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    FALLBACK = "fallback", "Forwarded to basic support"
    RESOLVED = "resolved", "Resolved"


# Statuses in which nobody has acknowledged yet and the escalation clock may run.
WAITING = (PageStatus.OPEN, PageStatus.ESCALATED)
UNACKNOWLEDGED = (*WAITING, PageStatus.FALLBACK)


class PageSource(models.TextChoices):
    PORTAL = "portal", "Portal button"
    EMAIL = "email", "E-mail (P1 in the subject)"
    SMS = "sms", "SMS keyword"
    PHONE = "phone", "Telephone"
    COMMAND = "command", "Command line"
    STAFF = "staff", "Entered by staff"


class AckVia(models.TextChoices):
    LINK = "link", "Link in the message"
    BUTTON = "button", "Button on the page"
    REPLY = "reply", "Reply"
    API = "api", "API"


class StepKind(models.TextChoices):
    QUEUED = "queued", "Queued until covered"
    PAGED = "paged", "Paged"
    ESCALATED = "escalated", "Escalated"
    FALLBACK = "fallback", "Forwarded to basic support"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    REPEATED = "repeated", "Asked again"


class PagingPolicy(models.Model):
    """How long the engineer paged under a plan has to acknowledge before the page escalates.

    Kept here, one row per plan, rather than as a ServicePlan column: the paging rules grow
    with this app, and a plan without a row gets ``PSM_PAGE_ACK_MINUTES``.
    """

    plan = models.OneToOneField(
        "coverage.ServicePlan", on_delete=models.CASCADE, related_name="paging_policy"
    )
    ack_minutes = models.PositiveIntegerField(
        default=15, help_text="Minutes each engineer in the chain has to acknowledge a page"
    )
    escalate_to_manager = models.BooleanField(
        default=True, help_text="The PSM manager is the last engineer in the chain"
    )

    class Meta:
        verbose_name_plural = "paging policies"

    def __str__(self) -> str:
        return f"{self.plan}: acknowledge within {self.ack_minutes} min"


class PageQuerySet(models.QuerySet["Page"]):
    def waiting(self) -> PageQuerySet:
        return self.filter(status__in=WAITING)

    def due(self, now: datetime) -> PageQuerySet:
        return self.filter(status__in=WAITING, ack_deadline__lte=now)


class Page(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="pages")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="pages"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pages_opened",
    )
    source = models.CharField(max_length=10, choices=PageSource.choices)
    priority = models.CharField(max_length=2)
    message = models.TextField(blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="pages"
    )
    case_reference = models.CharField(max_length=60, blank=True)
    # Who asked, for what: while a page with this key waits for acknowledgement, asking
    # again (a second press, another SMS, the case written to again) is the same page. The
    # database holds the rule (see Meta.constraints), so two presses at once make one page.
    dedup_key = models.CharField(max_length=120, blank=True)

    # What the coverage engine decided when the page started.
    channel = models.CharField(max_length=10, help_text="page, email, queue or fallback")
    route = models.JSONField(default=dict)
    client_message = models.CharField(max_length=300, blank=True)
    # The escalation policy as it was when the page started (see the module docstring).
    policy = models.JSONField(default=dict)

    status = models.CharField(
        max_length=12, choices=PageStatus.choices, default=PageStatus.OPEN, db_index=True
    )
    step = models.SmallIntegerField(default=0, help_text="Position in policy.chain; -1 queued")
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pages_targeted",
    )
    target_name = models.CharField(max_length=150, help_text="Username, or the support queue")
    ack_deadline = models.DateTimeField(null=True, blank=True, db_index=True)

    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pages_acknowledged",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_via = models.CharField(max_length=8, choices=AckVia.choices, blank=True)
    opened_at = models.DateTimeField(db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "ack_deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(ack_via__gt=""),
                name="page_ack_says_how",
            ),
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(status__in=UNACKNOWLEDGED) & ~Q(dedup_key=""),
                name="page_one_waiting_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Page #{self.pk} {self.priority} {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("paging:detail", args=[self.pk])

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING

    @property
    def is_unacknowledged(self) -> bool:
        return self.status in UNACKNOWLEDGED

    @property
    def told_now(self) -> str:
        """What the client is told now, as the page moves on (the opening's words while the
        first engineer is paged; who is paged now after an escalation)."""
        who = self.target.display_name if self.target else self.target_name
        if self.status == PageStatus.ESCALATED:
            return f"Nobody acknowledged in time, so {who} has now been paged"
        if self.status == PageStatus.FALLBACK:
            return "Your page has gone to our support team, who will help you right away"
        if self.status in (PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED) and self.acknowledged_by:
            done = "acknowledged" if self.status == PageStatus.ACKNOWLEDGED else "resolved"
            return f"{self.acknowledged_by.display_name} has {done} your page"
        return self.client_message

    @property
    def chain(self) -> list[dict[str, Any]]:
        return list(self.policy.get("chain", []))

    @property
    def ack_minutes(self) -> int:
        return int(self.policy.get("ack_minutes", 15))


class PageStep(models.Model):
    """One thing that happened to a page: who was paged when and how, escalations, the
    acknowledgement. Written by the services only; never edited."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    at = models.DateTimeField()
    position = models.SmallIntegerField(help_text="The page's step when this happened")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True, help_text="target, substitute, on-call…")
    transports = models.JSONField(default=list, blank=True, help_text="e-mail, pager URLs' kinds")
    notification_keys = models.JSONField(default=list, blank=True)
    via = models.CharField(max_length=8, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        # The order things happened in (``at`` may be a driven instant in rehearsals).
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target_name} at {self.at:%Y-%m-%d %H:%M:%S}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "position": self.position,
            "target": self.target_name or None,
            "role": self.role or None,
            "transports": list(self.transports),
            "via": self.via or None,
            "detail": self.detail,
        }


class ApiKey(models.Model):
    """A bearer key for the paging API (acknowledge from a script or an on-call app). Only a
    hash is stored; the key is shown once when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paging_api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "paging API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) for {self.user}"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: Any, name: str) -> tuple[ApiKey, str]:
        key = "psmp_" + secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, name=name, prefix=key[:10], key_hash=cls.digest(key))
        return row, key
