"""Inbound mail, stored before it is understood.

``InboundMessage`` is written (raw bytes on disk under ``PSM_DATA_DIR/mail/``, fsynced, then
the row committed) before any parsing. Why files, not a BinaryField: raw mail can be tens of
megabytes; files keep the database small and fast to back up, are written once and never
updated, and can be read with any mail tool. The row is the index: where the file is, its
SHA-256, and the single state the pipeline gave it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class State(models.TextChoices):
    RECEIVED = "received", "Received, not yet processed"
    CASE_OPENED = "case_opened", "Opened a case"
    THREADED = "threaded", "Added to a case"
    DUPLICATE = "duplicate", "Duplicate (Message-ID already seen)"
    AUTO_REPLY = "auto_reply", "Automatic reply (recorded, not answered)"
    LOOP = "loop", "Loop (our own mail came back)"
    QUARANTINED = "quarantined", "Quarantined"
    FAILED = "failed", "Failed (can be retried)"


FINAL = (
    State.CASE_OPENED,
    State.THREADED,
    State.DUPLICATE,
    State.AUTO_REPLY,
    State.LOOP,
    State.QUARANTINED,
)


# A message in one of these states was the copy that counted; later copies are duplicates.
FIRST_COPY = tuple(s for s in FINAL if s != State.DUPLICATE)


class Source(models.TextChoices):
    SMTP = "smtp", "SMTP listener"
    IMAP = "imap", "IMAP polling"
    IMPORT = "import", "File import"


class InboundMessage(models.Model):
    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.JSONField(default=list, blank=True)
    raw_path = models.CharField(max_length=300, help_text="Relative to PSM_DATA_DIR/mail")
    # A batch (import, IMAP) shares one file: the message is raw_length bytes at raw_offset.
    raw_offset = models.PositiveBigIntegerField(default=0)
    raw_length = models.PositiveBigIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # Without <>; empty when the message had none.
    message_id = models.CharField(max_length=255, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)

    state = models.CharField(
        max_length=12, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    reason = models.TextField(blank=True, help_text="Why quarantined / the error when failed")
    attempts = models.PositiveIntegerField(default=0)
    # The case it opened was acknowledged to the sender automatically (the per-sender limit,
    # PSM_MAIL_ACK_LIMIT, counts these).
    acknowledged = models.BooleanField(default=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    case_message = models.ForeignKey(
        "cases.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["message_id"]),
            models.Index(fields=["state", "id"]),
            # The per-sender acknowledgement limit: recent acknowledgements to one address.
            models.Index(
                fields=["from_address", "processed_at"],
                condition=Q(acknowledged=True),
                name="inbound_acknowledged",
            ),
        ]
        constraints = [
            # Two copies of one message processed at the same moment: the second to commit
            # fails here and becomes a duplicate, so a message never opens two cases.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=Q(state__in=FIRST_COPY) & ~Q(message_id=""),
                name="one_processed_inbound_per_message_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.from_address} {self.subject[:60]}"

    @property
    def path(self) -> Path:
        return Path(settings.MAIL_DIR) / self.raw_path

    # The bytes this process has just stored (``services.store``): processing right after
    # storing parses them without reading the file back. Never set from anywhere else.
    stored_bytes: bytes | None = None

    def raw(self) -> bytes:
        if self.stored_bytes is not None:
            return self.stored_bytes
        if self.raw_length is None:
            return self.path.read_bytes()
        with open(self.path, "rb") as fh:
            fh.seek(self.raw_offset)
            return fh.read(self.raw_length)


class MailAlias(models.Model):
    """Another address that reaches an account, besides ``<slug>@PSM_MAIL_DOMAIN``."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="mail_aliases"
    )
    address = models.EmailField()

    class Meta:
        ordering = ["address"]
        constraints = [models.UniqueConstraint(Lower("address"), name="mail_alias_unique_ci")]
        verbose_name_plural = "mail aliases"

    def __str__(self) -> str:
        return self.address

    def save(self, *args: object, **kwargs: object) -> None:
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
