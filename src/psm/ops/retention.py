"""Retention: what PSM deletes after a set age (README "Retention").

- raw mail, ``PSM_RETAIN_MAIL_DAYS`` (365): processed inbound messages, row and raw bytes;
  failed or unprocessed ones stay;
- task results, ``PSM_RETAIN_TASKS_DAYS`` (7): finished background tasks, scheduler slots;
- notifications, ``PSM_RETAIN_NOTIFICATIONS_DAYS`` (180): sent or failed outbox rows;
- log-in records, ``PSM_RETAIN_LOGIN_ATTEMPTS_DAYS`` (90): django-axes attempts and logs,
  password-reset requests, heartbeats of hosts gone;
- webhook deliveries, ``PSM_RETAIN_WEBHOOKS_DAYS`` (30): delivered or failed ones, with
  their attempts (the delivery log); waiting ones stay.

0 keeps a kind for ever. Cases, their messages and attachments, the audit log and
everything a person entered are never pruned here (``psm privacy erase`` anonymises a
person). Each pruner deletes in batches, so it never holds a long lock, and is safe to run
twice or on two machines at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from psm.background.models import Heartbeat, ScheduledRun
from psm.channels.email.models import FINAL, InboundMessage
from psm.notifications.models import Notification
from psm.notifications.models import Status as NotificationStatus
from psm.security.models import PasswordResetRequest
from psm.webhooks.models import Delivery, DeliveryStatus

BATCH = 1000


@dataclass(frozen=True)
class Pruned:
    kind: str
    keep_days: int
    rows: int
    files: int = 0


def prune_all(now: datetime | None = None, *, dry_run: bool = False) -> list[Pruned]:
    now = now or timezone.now()
    return [pruner(now, dry_run) for pruner in PRUNERS]


def prune_mail(now: datetime, dry_run: bool = False) -> Pruned:
    days = settings.PSM_RETAIN_MAIL_DAYS
    if not days:
        return Pruned("raw mail", 0, 0)
    old = InboundMessage.objects.filter(received_at__lt=now - timedelta(days=days), state__in=FINAL)
    if dry_run:
        paths = set(old.values_list("raw_path", flat=True))
        return Pruned("raw mail", days, old.count(), len(paths))
    rows = files = 0
    while True:
        batch = list(old.order_by("id").values_list("id", "raw_path")[:BATCH])
        if not batch:
            break
        with transaction.atomic():
            rows += InboundMessage.objects.filter(id__in=[pk for pk, _ in batch]).delete()[0]
        # A file (an import batch) may hold other messages still kept: delete it only when
        # no row points at it any more.
        paths = {path for _, path in batch}
        still = set(
            InboundMessage.objects.filter(raw_path__in=paths).values_list("raw_path", flat=True)
        )
        for relative in paths - still:
            path = Path(settings.MAIL_DIR) / relative
            if path.is_file():
                path.unlink()
                files += 1
    return Pruned("raw mail", days, rows, files)


def prune_tasks(now: datetime, dry_run: bool = False) -> Pruned:
    days = settings.PSM_RETAIN_TASKS_DAYS
    if not days:
        return Pruned("task results", 0, 0)
    cutoff = now - timedelta(days=days)
    rows = _delete(DBTaskResult.objects.finished().filter(finished_at__lt=cutoff), dry_run)
    rows += _delete(ScheduledRun.objects.filter(enqueued_at__lt=cutoff), dry_run)
    return Pruned("task results", days, rows)


def prune_notifications(now: datetime, dry_run: bool = False) -> Pruned:
    days = settings.PSM_RETAIN_NOTIFICATIONS_DAYS
    if not days:
        return Pruned("notifications", 0, 0)
    cutoff = now - timedelta(days=days)
    done = Notification.objects.filter(
        Q(status=NotificationStatus.SENT, sent_at__lt=cutoff)
        | Q(status=NotificationStatus.FAILED, created_at__lt=cutoff)
    )
    return Pruned("notifications", days, _delete(done, dry_run))


def prune_login_records(now: datetime, dry_run: bool = False) -> Pruned:
    days = settings.PSM_RETAIN_LOGIN_ATTEMPTS_DAYS
    if not days:
        return Pruned("log-in records", 0, 0)
    cutoff = now - timedelta(days=days)
    rows = sum(
        _delete(model.objects.filter(attempt_time__lt=cutoff), dry_run)
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
    rows += _delete(PasswordResetRequest.objects.filter(at__lt=cutoff), dry_run)
    rows += _delete(Heartbeat.objects.filter(beat_at__lt=cutoff), dry_run)
    return Pruned("log-in records", days, rows)


def _delete(queryset: models.QuerySet[Any], dry_run: bool) -> int:
    if dry_run:
        return queryset.count()
    deleted = 0
    model = queryset.model
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            # The kind's own rows (what a dry run counts), not the rows deleted with them.
            by_model = model._default_manager.filter(pk__in=ids).delete()[1]
            deleted += by_model.get(model._meta.label, 0)


def prune_webhook_deliveries(now: datetime, dry_run: bool = False) -> Pruned:
    days = settings.PSM_RETAIN_WEBHOOKS_DAYS
    if not days:
        return Pruned("webhook deliveries", 0, 0)
    cutoff = now - timedelta(days=days)
    done = Delivery.objects.filter(
        Q(status=DeliveryStatus.DELIVERED, delivered_at__lt=cutoff)
        | Q(status=DeliveryStatus.FAILED, created_at__lt=cutoff, retry_until__lt=cutoff)
    )
    return Pruned("webhook deliveries", days, _delete(done, dry_run))


PRUNERS: list[Callable[[datetime, bool], Pruned]] = [
    prune_mail,
    prune_tasks,
    prune_notifications,
    prune_login_records,
    prune_webhook_deliveries,
]
