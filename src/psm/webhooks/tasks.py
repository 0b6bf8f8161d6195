"""Background work of outgoing webhooks: each event's deliveries, and a sweep for retries
and for deliveries a dead worker left behind."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from psm.background.periodic import periodic
from psm.webhooks import services


@task()
def deliver_message(msg_id: str) -> int:
    return services.deliver_message(msg_id)


@periodic(every=timedelta(seconds=30))
@task()
def deliver_due_webhooks() -> int:
    """Retries after backoff, and deliveries whose sender died mid-request (lease run out)."""
    return services.deliver_due()
