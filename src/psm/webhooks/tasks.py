"""Background work of outgoing webhooks: each event's deliveries, and a sweep for retries
and for deliveries a dead worker left behind."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from psm.background.periodic import periodic
from psm.webhooks import services


@task()
def deliver_messages(msg_ids: list[str]) -> int:
    """Queued with the deliveries of one event (or one batch of a sweep)."""
    return services.deliver_messages(msg_ids)


@periodic(every=timedelta(seconds=30))
@task()
def deliver_due_webhooks() -> int:
    """Retries after backoff, and deliveries whose sender died mid-request (lease run out)."""
    return services.deliver_due()
