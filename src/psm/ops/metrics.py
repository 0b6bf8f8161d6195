"""Prometheus figures read from the database at scrape time (the same for every process,
so any web process can answer), next to django-prometheus's per-process request metrics."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from psm.background.models import Heartbeat
from psm.channels.email.models import InboundMessage
from psm.channels.email.models import State as MailState
from psm.notifications.models import Notification
from psm.notifications.models import Status as NotificationStatus
from psm.ops.queue import queue_state, short_name, sweep_lags
from psm.paging.models import Page


class DatabaseCollector:
    """Queue depth and age, sweep lag, the outbox, inbound mail, pages, heartbeats."""

    def describe(self) -> list[Metric]:
        return []  # figures are read at scrape time only

    def collect(self, now: datetime | None = None) -> Iterator[Metric]:
        now = now or timezone.now()
        queue = queue_state(now)
        yield GaugeMetricFamily(
            "psm_task_queue_depth", "Background tasks ready to run", value=queue.depth
        )
        yield GaugeMetricFamily(
            "psm_task_oldest_age_seconds",
            "How long the oldest ready task has waited",
            value=queue.oldest_age,
        )
        lag = GaugeMetricFamily(
            "psm_sweep_lag_seconds",
            "Per periodic task: age of its newest successful slot beyond its interval",
            labels=["task"],
        )
        for name, seconds in sorted(sweep_lags(now).items()):
            lag.add_metric([short_name(name)], seconds)
        yield lag
        outbox = dict(Notification.objects.values_list("status").annotate(n=Count("id")).order_by())
        yield GaugeMetricFamily(
            "psm_notifications_failed",
            "Notifications that gave up after every attempt",
            value=outbox.get(NotificationStatus.FAILED, 0),
        )
        pending = GaugeMetricFamily(
            "psm_notifications", "Notifications in the outbox by status", labels=["status"]
        )
        for status in NotificationStatus.values:
            pending.add_metric([status], outbox.get(status, 0))
        yield pending
        mail = dict(InboundMessage.objects.values_list("state").annotate(n=Count("id")).order_by())
        inbound = GaugeMetricFamily(
            "psm_inbound_mail", "Inbound messages by state", labels=["state"]
        )
        for state in MailState.values:
            inbound.add_metric([state], mail.get(state, 0))
        yield inbound
        yield GaugeMetricFamily(
            "psm_pages_waiting_ack",
            "Pages nobody has acknowledged yet (open or escalated)",
            value=Page.objects.waiting().count(),
        )
        beats = GaugeMetricFamily(
            "psm_heartbeat_age_seconds",
            "Seconds since each long-running part last said it was alive",
            labels=["part"],
        )
        for name, at in Heartbeat.objects.values_list("name").annotate(at=Max("beat_at")):
            beats.add_metric([name], max(0.0, (now - at).total_seconds()))
        yield beats


_DATABASE = CollectorRegistry(auto_describe=False)
_DATABASE.register(DatabaseCollector())


def exposition() -> bytes:
    """The text format: per-process metrics (merged across gunicorn workers in
    multiprocess mode) followed by the database figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        own = generate_latest(processes)
    else:
        own = generate_latest(REGISTRY)
    return own + generate_latest(_DATABASE)


def address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in settings.PSM_METRICS_ALLOW:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False
