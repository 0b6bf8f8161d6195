"""Outgoing webhooks: endpoints (the installation's or one account's) and their deliveries.

A delivery is an outbox row written in the transaction of the change it announces. It keeps
the exact body and its ``webhook-id`` for every attempt, so a retry, a replay or the
redelivery after a worker died mid-request carries the same id and the receiver can drop a
repeat. Rows are claimed with a conditional UPDATE that is a lease (as in
``psm.notifications``): a worker killed mid-delivery leaves a row the next sweep takes over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from psm.lib import crypto


class Endpoint(models.Model):
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text="Empty: the installation's endpoint, told about every account.",
    )
    url = models.URLField("URL", max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event types it is sent")
    secret_encrypted = models.TextField(editable=False)
    # Rotated-out secrets that still sign until their time is up: [{"secret": …, "until": …}].
    old_secrets = models.JSONField(default=list, blank=True, editable=False)
    is_active = models.BooleanField("enabled", default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The first failed attempt since the last success (None while it is healthy).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account__name", "url", "id"]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:endpoint", args=[self.pk])

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret first, then each rotated-out one still valid at ``now``."""
        olds = [
            crypto.decrypt(old["secret"])
            for old in self.old_secrets
            if datetime.fromisoformat(old["until"]) > now
        ]
        return [self.secret, *olds]

    @property
    def scope_label(self) -> str:
        return self.account.name if self.account_id and self.account else "Installation"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=200, unique=True, help_text="Idempotency key")
    msg_id = models.CharField("webhook-id", max_length=64, db_index=True)
    event_type = models.CharField(max_length=40)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(help_text="The JSON body, exactly as signed and sent")

    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Since it was last (re)played")
    next_attempt_at = models.DateTimeField()
    retry_until = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id} → {self.endpoint_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("webhooks:delivery", args=[self.endpoint_id, self.pk])

    @staticmethod
    def claimable(now: datetime) -> Q:
        return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
            status=DeliveryStatus.SENDING, claimed_until__lt=now
        )

    def claim(self, now: datetime, lease: timedelta) -> bool:
        """Take this row for one attempt; False when another worker has it or it is done."""
        until = now + lease
        won = (
            Delivery.objects.filter(Delivery.claimable(now), pk=self.pk).update(
                status=DeliveryStatus.SENDING, claimed_until=until, attempts=F("attempts") + 1
            )
            == 1
        )
        if won:  # the attempt count is the database's (another worker may have tried too)
            self.attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=self.pk)
            self.status, self.claimed_until = DeliveryStatus.SENDING, until
        return won


class Attempt(models.Model):
    """One HTTP request of a delivery, for the delivery log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response = models.TextField(blank=True, help_text="The start of the receiver's answer")
    address = models.CharField(max_length=60, blank=True, help_text="The address connected to")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
        )

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
