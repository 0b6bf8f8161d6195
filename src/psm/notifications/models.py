"""The outbox: every outbound notification is a row before anything is sent.

A row is claimed by exactly one sender with a conditional UPDATE (``claim``); a claim is a
lease, so a worker killed mid-delivery leaves a row that another worker takes over once the
lease has run out. Delivery is therefore at-least-once towards the provider, and each
attempt carries the row's idempotency key (as the e-mail Message-ID, and as the
``X-Idempotency-Key`` header of HTTP notifications) so the receiver can drop a repeat.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import F, Q

from psm.lib import crypto


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class TransportKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    APPRISE = "apprise", "Apprise (pager, SMS, chat, push)"


class Notification(models.Model):
    key = models.CharField(max_length=200, unique=True, help_text="Idempotency key")
    transport = models.CharField(max_length=16, choices=TransportKind.choices)
    # E-mail: comma-separated addresses. Others: a label only; the URL is encrypted below.
    recipient = models.CharField(max_length=500)
    target_encrypted = models.TextField(blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # E-mail only: files sent with the message (see ``services.Part``), each
    # {filename, content_type, disposition, cid, path}; the bytes are in storage at ``path``.
    parts = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.key} → {self.recipient} ({self.status})"

    @property
    def target(self) -> str:
        return crypto.decrypt(self.target_encrypted) if self.target_encrypted else ""

    def set_target(self, url: str) -> None:
        self.target_encrypted = crypto.encrypt(url) if url else ""

    @staticmethod
    def claimable(now: datetime) -> Q:
        return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
            status=Status.SENDING, claimed_until__lt=now
        )

    def claim(self, now: datetime, lease: timedelta) -> bool:
        """Take this row for one delivery attempt; False when someone else has it or it is
        done. The conditional UPDATE is what makes two workers never send it at once."""
        until = now + lease
        won = (
            Notification.objects.filter(Notification.claimable(now), pk=self.pk).update(
                status=Status.SENDING, claimed_until=until, attempts=F("attempts") + 1
            )
            == 1
        )
        if won:
            self.refresh_from_db()
        return won


def read_part(part: dict[str, str]) -> bytes:
    """The bytes of one of a notification's ``parts``."""
    with default_storage.open(part["path"], "rb") as fh:
        data: bytes = fh.read()
    return data
