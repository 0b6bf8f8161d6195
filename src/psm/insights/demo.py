"""Insights for ``psm demo`` (``populate``): the SLA ledger and daily rollups of the demo's
history, plan weights, and a month of daily health snapshots so the trend charts and the
dashboard have something to show. Idempotent (every row is recomputed whole)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from psm.coverage.models import ServicePlan
from psm.insights import rollups, services
from psm.insights.models import HealthWeights

HISTORY_DAYS = 120
SNAPSHOT_DAYS = 30


def populate() -> str:
    now = timezone.now()
    days = rollups.rebuild(now.date() - timedelta(days=HISTORY_DAYS), now.date(), now=now)
    plan = ServicePlan.objects.order_by("pk").first()
    if plan is not None and not HealthWeights.objects.filter(plan=plan).exists():
        # The demo plan puts a little more weight on SLA and satisfaction than the defaults.
        services.set_health_weights(None, plan=plan, weights={"sla": 30, "satisfaction": 20})
    snapshots = 0
    for back in range(SNAPSHOT_DAYS, -1, -1):
        snapshots += services.take_snapshots(now - timedelta(days=back))
    alerts = services.alert_band_drops(now)
    return f"{days} days rolled up, {snapshots} health snapshots, {alerts} band-drop alerts"
