"""Changes the insights app makes: health weights, daily snapshots, band-drop alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from psm.accounts.models import Account, AccountStatus
from psm.audit.models import record
from psm.coverage.models import ServicePlan
from psm.engagement.services.people import manager_of, primary_psm
from psm.insights.health.compute import Health, account_health
from psm.insights.health.scoring import BAND_LABELS, is_worse
from psm.insights.models import HealthSnapshot, HealthWeights
from psm.insights.rollups import utc_day
from psm.notifications.models import TransportKind
from psm.notifications.services import notify

SNAPSHOT_BATCH = 250
TRACKED = (AccountStatus.ACTIVE, AccountStatus.ONBOARDING)


def set_health_weights(
    actor: Any,
    *,
    weights: dict[str, int | None],
    account: Account | None = None,
    plan: ServicePlan | None = None,
) -> HealthWeights:
    """Set a plan's component weights or an account's overrides; ``None`` for a component
    means "inherit" (the plan's weight, else the component's default)."""
    if (account is None) == (plan is None):
        raise ValueError("weights belong to a plan or to an account")
    for name, weight in weights.items():
        if weight is not None and not 0 <= weight <= 100:
            raise ValueError(f"{name}: a weight is between 0 and 100")
    kept = {name: int(w) for name, w in sorted(weights.items()) if w is not None}
    with transaction.atomic():
        row, _ = HealthWeights.objects.select_for_update().get_or_create(account=account, plan=plan)
        before = dict(row.weights)
        if before == kept:
            return row  # saved unchanged: nothing to write or audit
        row.weights = kept
        row.save()
        changes = {k: [before.get(k), kept.get(k)] for k in {*before, *kept}}
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        target: Any = account or plan
        record(actor, "health.weights", target, account=account, changes=changes)
    return row


def take_snapshots(now: datetime, accounts: Sequence[Account] | None = None) -> int:
    """Today's (UTC) snapshot of each tracked account's health; taken again the same day it
    is replaced (the alert claim stays). Returns how many were written."""
    day = utc_day(now)
    if accounts is None:
        queryset = Account.objects.filter(status__in=TRACKED).order_by("pk")
        accounts = list(queryset.only("id", "slug", "name", "service_plan_id", "timezone"))
    written = 0
    for i in range(0, len(accounts), SNAPSHOT_BATCH):
        batch = accounts[i : i + SNAPSHOT_BATCH]
        healths = account_health(batch, now)
        rows = [_snapshot(health, day, now) for health in healths.values()]
        HealthSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["account", "day"],
            update_fields=["score", "band", "components", "taken_at"],
        )
        written += len(rows)
    return written


def _snapshot(health: Health, day: date, now: datetime) -> HealthSnapshot:
    return HealthSnapshot(
        account=health.account,
        day=day,
        score=None if health.score is None else Decimal(str(health.score)),
        band=health.band,
        components=[line.as_snapshot() for line in health.lines],
        taken_at=now,
    )


def alert_band_drops(now: datetime) -> int:
    """Tell the PSM and their manager, once, about each account whose snapshot today is in a
    worse band than its previous one. The snapshot's ``alerted_at`` is the claim: a sweep
    that runs twice sends nothing twice."""
    day = utc_day(now)
    today = HealthSnapshot.objects.filter(day=day, alerted_at__isnull=True).exclude(
        Q(band="no_data") | Q(band="healthy")
    )
    previous = {
        s.account_id: s
        for s in HealthSnapshot.objects.filter(
            day=day - timedelta(days=1), account_id__in=today.values("account_id")
        )
    }
    sent = 0
    for snapshot in today.select_related("account"):
        before = previous.get(snapshot.account_id)
        if before is None or not is_worse(snapshot.band, before.band):
            continue
        with transaction.atomic():
            claimed = HealthSnapshot.objects.filter(pk=snapshot.pk, alerted_at__isnull=True).update(
                alerted_at=now
            )
            if not claimed:
                continue
            _send_drop_alert(snapshot, before)
            sent += 1
    return sent


def _send_drop_alert(snapshot: HealthSnapshot, before: HealthSnapshot) -> None:
    account = snapshot.account
    psm = primary_psm(account)
    manager = manager_of(psm, account)
    people = [p for p in (psm, manager) if p is not None and p.email]
    worst = sorted(
        (c for c in snapshot.components if c.get("score") is not None),
        key=lambda c: c["score"],
    )[:3]
    subject = f"{account.name} health dropped to {BAND_LABELS[snapshot.band]} ({snapshot.score})"
    lines = [
        f"The health of {account.name} went from {BAND_LABELS[before.band]} ({before.score}) "
        f"on {before.day:%Y-%m-%d} to {BAND_LABELS[snapshot.band]} ({snapshot.score}) "
        f"on {snapshot.day:%Y-%m-%d}.",
        "",
        "Weakest components:",
        *(f"  {c['label']}: {c['display']} (score {c['score']:.0f})" for c in worst),
        "",
        f"Why this score: {settings.BASE_URL}{reverse('insights:health', args=[account.slug])}",
    ]
    for person in people:
        notify(
            f"insights:band-drop:{snapshot.pk}:{person.pk}",
            transport=TransportKind.EMAIL,
            recipient=person.email,
            subject=subject,
            body="\n".join(lines) + "\n",
            user=person,
            account=account,
        )
    record(
        None,
        "health.band_drop_alert",
        snapshot,
        account=account,
        changes={"band": [before.band, snapshot.band], "to": [p.username for p in people]},
    )
