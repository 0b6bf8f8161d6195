"""Figures of the manager dashboard, each from the snapshots or the daily rollups of the
accounts the manager sees (a grouped query each, whatever the size of the book)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from psm.accounts.models import Account
from psm.accounts.scoping import visible_accounts
from psm.insights.health.scoring import BAND_LABELS, BAND_RANK, BANDS, NO_DATA
from psm.insights.models import AccountDay, BookDay, HealthSnapshot

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


Visible = list[int] | None  # the ids of the accounts a viewer sees; None: every account


def visible_ids(user: Any) -> Visible:
    """What the dashboard's queries filter on: the viewer's account ids, read once (a plain
    list lets PostgreSQL probe the (account, day) indexes), or None for an administrator."""
    if getattr(user, "is_admin", False):
        return None
    return list(visible_accounts(user).values_list("pk", flat=True))


def _visible(queryset: QuerySet[Any], accounts: Visible) -> QuerySet[Any]:
    return queryset if accounts is None else queryset.filter(account_id__in=accounts)


def latest_day(accounts: Visible) -> date | None:
    """The last day with a snapshot (one probe down the (day, band) index)."""
    found: date | None = (
        _visible(HealthSnapshot.objects.all(), accounts)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    return found


@dataclass(frozen=True)
class BandCount:
    band: str
    label: str
    count: int
    colour: str


def distribution(accounts: Visible, day: date | None) -> list[BandCount]:
    counts: dict[str, int] = {}
    if day is not None:
        rows = (
            _visible(HealthSnapshot.objects.filter(day=day), accounts)
            .values("band")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {r["band"]: r["n"] for r in rows}
    bands = [name for name, _, _ in BANDS] + ([NO_DATA] if counts.get(NO_DATA) else [])
    return [BandCount(b, BAND_LABELS[b], counts.get(b, 0), BAND_COLOURS[b]) for b in bands]


@dataclass(frozen=True)
class Move:
    name: str
    url: str  # the account 360
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

    @property
    def health_url(self) -> str:
        return f"{self.url}health/"


def movers(accounts: Visible, day: date | None, days: int = 7) -> list[Move]:
    """Accounts whose band on ``day`` differs from ``days`` days before; worse moves first,
    the lowest scores first among them (plain rows: a book of 2,000 accounts is 4,000)."""
    if day is None:
        return []
    then = {
        pk: (band, score)
        for pk, band, score in _visible(
            HealthSnapshot.objects.filter(day=day - timedelta(days=days)), accounts
        ).values_list("account_id", "band", "score")
    }
    account_url = reverse("insights:account", args=["-"])  # "/accounts/-/": one reverse
    moves = []
    for account_id, name, slug, band, score in _visible(
        HealthSnapshot.objects.filter(day=day), accounts
    ).values_list("account_id", "account__name", "account__slug", "band", "score"):
        before, was = then.get(account_id, (None, None))
        if before is None or before == band:
            continue
        url = account_url.replace("/-/", f"/{slug}/")
        moves.append(Move(name, url, before, was, band, score))
    moves.sort(key=lambda m: (not m.worse, m.score if m.score is not None else 0, m.name))
    return moves


@dataclass(frozen=True)
class SlaWeek:
    start: date
    met: int
    total: int

    @property
    def attainment(self) -> float | None:
        return None if self.total == 0 else round(100.0 * self.met / self.total, 1)


def sla_weeks(accounts: Visible, now: datetime, weeks: int = 12) -> list[SlaWeek]:
    """SLA attainment per week (Monday to Sunday, UTC) for the last ``weeks`` weeks."""
    this_week = now.date() - timedelta(days=now.date().weekday())
    first = this_week - timedelta(weeks=weeks - 1)
    rows: Iterable[dict[str, Any]]
    if accounts is None:  # the whole book: its own row a day
        rows = BookDay.objects.filter(day__gte=first).values("day", *SLA_COLUMNS)
    else:
        rows = (
            _visible(AccountDay.objects.filter(day__gte=first), accounts)
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


def in_band(accounts: Visible, day: date | None, band: str) -> QuerySet[HealthSnapshot]:
    if day is None:
        return HealthSnapshot.objects.none()
    found = _visible(HealthSnapshot.objects.filter(day=day), accounts)
    if band:
        found = found.filter(band=band)
    return found.select_related("account").order_by("score", "account__name")


def trend(account: Account, now: datetime, days: int = 90) -> list[HealthSnapshot]:
    return list(
        HealthSnapshot.objects.filter(account=account, day__gt=now.date() - timedelta(days=days))
        .only("day", "score", "band")
        .order_by("day")
    )
