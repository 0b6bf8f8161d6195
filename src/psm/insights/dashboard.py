"""Figures of the manager dashboard, each from the snapshots or the daily rollups of the
accounts the manager sees (a grouped query each, whatever the size of the book)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum

from psm.accounts.models import Account
from psm.insights.health.scoring import BAND_LABELS, BAND_RANK, BANDS, NO_DATA
from psm.insights.models import AccountDay, HealthSnapshot

BAND_COLOURS = {"healthy": "#1d7a46", "watch": "#b86e00", "at_risk": "#b3261e", NO_DATA: "#8a94a6"}
SLA_COLUMNS = ("fr_met", "fr_missed", "nu_met", "nu_missed", "res_met", "res_missed")


def chart(
    kind: str,
    title: str,
    labels: Sequence[str],
    datasets: Sequence[dict[str, Any]],
    links: Sequence[str | None] = (),
    y_max: float | None = None,
    unit: str = "",
) -> dict[str, Any]:
    """What ``static/psm/charts.js`` draws (handed over with ``json_script``)."""
    return {
        "type": kind,
        "title": title,
        "labels": list(labels),
        "datasets": list(datasets),
        "links": list(links),
        "yMax": y_max,
        "unit": unit,
    }


def latest_day(accounts: QuerySet[Account]) -> date | None:
    found: date | None = HealthSnapshot.objects.filter(
        account_id__in=accounts.values("pk")
    ).aggregate(day=Max("day"))["day"]
    return found


@dataclass(frozen=True)
class BandCount:
    band: str
    label: str
    count: int
    colour: str


def distribution(accounts: QuerySet[Account], day: date | None) -> list[BandCount]:
    counts: dict[str, int] = {}
    if day is not None:
        rows = (
            HealthSnapshot.objects.filter(day=day, account_id__in=accounts.values("pk"))
            .values("band")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {r["band"]: r["n"] for r in rows}
    bands = [name for name, _, _ in BANDS] + ([NO_DATA] if counts.get(NO_DATA) else [])
    return [BandCount(b, BAND_LABELS[b], counts.get(b, 0), BAND_COLOURS[b]) for b in bands]


@dataclass(frozen=True)
class Move:
    account: Account
    before_band: str
    before_score: Decimal | None
    band: str
    score: Decimal | None

    @property
    def worse(self) -> bool:
        return BAND_RANK.get(self.band, -1) > BAND_RANK.get(self.before_band, -1)

    @property
    def before_label(self) -> str:
        return BAND_LABELS[self.before_band]

    @property
    def label(self) -> str:
        return BAND_LABELS[self.band]


def movers(accounts: QuerySet[Account], day: date | None, days: int = 7) -> list[Move]:
    """Accounts whose band on ``day`` differs from ``days`` days before; worse moves first."""
    if day is None:
        return []
    visible = accounts.values("pk")
    then = {
        s.account_id: s
        for s in HealthSnapshot.objects.filter(
            day=day - timedelta(days=days), account_id__in=visible
        ).only("account_id", "band", "score")
    }
    moves = []
    for snapshot in (
        HealthSnapshot.objects.filter(day=day, account_id__in=visible)
        .select_related("account")
        .only("account__slug", "account__name", "band", "score", "account_id")
    ):
        before = then.get(snapshot.account_id)
        if before is None or before.band == snapshot.band:
            continue
        moves.append(
            Move(snapshot.account, before.band, before.score, snapshot.band, snapshot.score)
        )
    moves.sort(key=lambda m: (not m.worse, m.score if m.score is not None else 0, m.account.name))
    return moves


@dataclass(frozen=True)
class SlaWeek:
    start: date
    met: int
    total: int

    @property
    def attainment(self) -> float | None:
        return None if self.total == 0 else round(100.0 * self.met / self.total, 1)


def sla_weeks(accounts: QuerySet[Account], now: datetime, weeks: int = 12) -> list[SlaWeek]:
    """SLA attainment per week (Monday to Sunday, UTC) for the last ``weeks`` weeks."""
    this_week = now.date() - timedelta(days=now.date().weekday())
    first = this_week - timedelta(weeks=weeks - 1)
    rows = (
        AccountDay.objects.filter(account_id__in=accounts.values("pk"), day__gte=first)
        .values("day")
        .annotate(**{c: Sum(c) for c in SLA_COLUMNS})
        .order_by()
    )
    met = {first + timedelta(weeks=i): 0 for i in range(weeks)}
    total = dict.fromkeys(met, 0)
    for row in rows:
        week = row["day"] - timedelta(days=row["day"].weekday())
        if week not in met:
            continue
        met[week] += sum(row[c] or 0 for c in SLA_COLUMNS if c.endswith("_met"))
        total[week] += sum(row[c] or 0 for c in SLA_COLUMNS)
    return [SlaWeek(week, met[week], total[week]) for week in sorted(met)]


def in_band(accounts: QuerySet[Account], day: date | None, band: str) -> QuerySet[HealthSnapshot]:
    if day is None:
        return HealthSnapshot.objects.none()
    found = HealthSnapshot.objects.filter(day=day, account_id__in=accounts.values("pk"))
    if band:
        found = found.filter(band=band)
    return found.select_related("account").order_by("score", "account__name")


def trend(account: Account, now: datetime, days: int = 90) -> list[HealthSnapshot]:
    return list(
        HealthSnapshot.objects.filter(account=account, day__gt=now.date() - timedelta(days=days))
        .only("day", "score", "band")
        .order_by("day")
    )
