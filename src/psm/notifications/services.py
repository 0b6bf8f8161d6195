"""Write notifications into the outbox and deliver them; ``notify`` is idempotent per key."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from psm.lib.bulk import insert
from psm.notifications.models import Notification, Status, TransportKind
from psm.notifications.transports import TRANSPORTS, TransportError

log = logging.getLogger(__name__)

BACKOFF_CAP = timedelta(hours=6)
_TRANSPORTS = frozenset(TransportKind.values)  # ``.values`` rebuilds its list on every use

# Inside ``collected()``: rows wait here and are written together at the end.
_collected: ContextVar[list[Notification] | None] = ContextVar("notifications", default=None)


@contextmanager
def collected() -> Iterator[None]:
    """Write every notification made inside the block in one INSERT when it ends, and queue
    one delivery sweep instead of one task per row (bulk work such as a mail import). Keys
    stay unique: a key that already exists is skipped, as ``notify`` would."""
    rows: list[Notification] = []
    token = _collected.set(rows)
    try:
        yield
    finally:
        _collected.reset(token)
    if rows:
        unique = list({row.key: row for row in rows}.values())
        insert(unique, returning=False, ignore_conflicts=True)
        from psm.notifications.tasks import deliver_due_notifications

        deliver_due_notifications.enqueue()


def collected_count() -> int:
    """How many rows wait in the current ``collected()`` block (0 outside one)."""
    batch = _collected.get()
    return 0 if batch is None else len(batch)


def discard_collected(count: int) -> None:
    """Forget rows collected after the first ``count``: their change was rolled back."""
    batch = _collected.get()
    if batch is not None:
        del batch[count:]


@dataclass(frozen=True)
class Part:
    """A file sent with an e-mail: an ``attachment``, an ``inline`` image the HTML names by
    ``cid:`` (its ``cid``), or an ``alternative`` body (the ``text/calendar`` part of an
    invitation, which calendar programs act on)."""

    filename: str
    content_type: str
    content: bytes
    disposition: Literal["attachment", "inline", "alternative"] = "attachment"
    cid: str = ""


def _store_parts(key: str, parts: Sequence[Part]) -> list[dict[str, str]]:
    """Write the parts' bytes to storage (``outbox/…``) and describe them for the row."""
    folder = hashlib.sha256(key.encode()).hexdigest()[:24]
    stored = []
    for index, part in enumerate(parts):
        name = part.filename.replace("/", "_").replace("\\", "_")[:100] or "part"
        path = default_storage.save(f"outbox/{folder}/{index}-{name}", ContentFile(part.content))
        stored.append(
            {
                "filename": name,
                "content_type": part.content_type,
                "disposition": part.disposition,
                "cid": part.cid,
                "path": path,
            }
        )
    return stored


def notify(
    key: str,
    *,
    transport: str,
    recipient: str,
    subject: str,
    body: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    parts: Sequence[Part] = (),
    target: str = "",
    user: Any = None,
    account: Any = None,
) -> Notification:
    """Put one notification in the outbox (once per ``key``) and queue its delivery.

    Call it inside the transaction that caused it: the row and the delivery task commit (or
    roll back) with the change they announce. E-mail gets its Message-ID from ``key`` (see
    ``psm.notifications.mail``); ``parts`` are files sent with it.
    """
    if transport not in _TRANSPORTS:
        raise ValueError(f"unknown transport {transport!r}")
    if parts and transport != TransportKind.EMAIL:
        raise ValueError("only e-mail carries parts")
    batch = _collected.get()
    existing = None if batch is not None else Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    row = Notification(
        key=key,
        transport=transport,
        recipient=recipient[:500],
        subject=subject[:300],
        body=body,
        html=html,
        headers=headers or {},
        parts=_store_parts(key, parts) if parts else [],
        user=user,
        account=account,
        next_attempt_at=timezone.now(),
    )
    row.set_target(target)
    if batch is not None:
        batch.append(row)
        return row
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return Notification.objects.get(key=key)
    from psm.notifications.tasks import deliver_notification

    deliver_notification.enqueue(row.pk)
    return row


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 hours (base from PSM_NOTIFY_BACKOFF_SECONDS)."""
    base = timedelta(seconds=int(settings.PSM_NOTIFY_BACKOFF_SECONDS))
    delay: timedelta = base * (2 ** max(attempts - 1, 0))
    return min(delay, BACKOFF_CAP)


def deliver(notification: Notification) -> bool:
    """One attempt, if this caller wins the claim. True when it was sent now."""
    now = timezone.now()
    lease = timedelta(seconds=settings.PSM_NOTIFY_LEASE_SECONDS)
    if not notification.claim(now, lease):
        return False
    claimed_until = notification.claimed_until
    mine = Notification.objects.filter(
        pk=notification.pk, status=Status.SENDING, claimed_until=claimed_until
    )
    try:
        TRANSPORTS[notification.transport](notification).send()
    except Exception as exc:  # any failure is recorded on the row, never lost
        permanent = isinstance(exc, TransportError) and exc.permanent
        message = exc.message if isinstance(exc, TransportError) else f"{type(exc).__name__}: {exc}"
        give_up = permanent or notification.attempts >= settings.PSM_NOTIFY_MAX_ATTEMPTS
        log.warning(
            "notification %s attempt %s failed: %s",
            notification.key,
            notification.attempts,
            message,
        )
        mine.update(
            status=Status.FAILED if give_up else Status.PENDING,
            last_error=message[:2000],
            next_attempt_at=timezone.now() + backoff(notification.attempts),
            claimed_until=None,
        )
        return False
    mine.update(status=Status.SENT, sent_at=timezone.now(), claimed_until=None, last_error="")
    return True


def deliver_due(limit: int = 500) -> int:
    """Deliver every row whose time has come (retries, and rows a dead worker left)."""
    now = timezone.now()
    sent = 0
    for row in Notification.objects.filter(Notification.claimable(now)).order_by("next_attempt_at")[
        :limit
    ]:
        sent += deliver(row)
    return sent


def retry(notification: Notification) -> None:
    """Give a failed notification another round of attempts (admin action)."""
    Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
