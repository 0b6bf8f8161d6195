"""Read-only questions other pages and reports ask of advisories. Every query for client
data starts from ``visible_accounts(user)`` (or an account the caller has already checked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from psm.accounts.models import Account, InstalledProduct
from psm.accounts.scoping import visible_accounts
from psm.advisories.models import (
    SEVERITY_ORDER,
    AccountAdvisory,
    InstallAction,
    InstallState,
    ItemState,
    Match,
    ReviewState,
    Severity,
    Statement,
)

AGES = (("week", "under a week", 7), ("month", "1–4 weeks", 30), ("older", "older", None))
SEVERITY_LABELS = dict(Severity.choices)


def items_for(user: Any) -> QuerySet[AccountAdvisory]:
    return AccountAdvisory.objects.filter(account__in=visible_accounts(user))


def review_queue(user: Any, limit: int = 50) -> list[AccountAdvisory]:
    """New relevant advisories waiting for the PSM's review, the most severe first."""
    items: list[AccountAdvisory] = list(
        items_for(user)
        .filter(state=ItemState.REVIEW)
        .select_related("advisory", "account")
        .annotate(installs=match_count())
        .order_by("-relevant_since", "-pk")[: limit * 4]
    )
    items.sort(key=lambda i: SEVERITY_ORDER.get(i.advisory.severity, 9))
    return items[:limit]


def match_count() -> Coalesce:
    """How many installs of the item's account the item's advisory matches."""
    count = (
        Match.objects.filter(account_id=OuterRef("account_id"), advisory_id=OuterRef("advisory_id"))
        .values("advisory_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def pending_actions() -> Exists:
    return Exists(
        InstallAction.objects.filter(
            item=OuterRef("pk"), state__in=[InstallState.PENDING, InstallState.DEFERRED]
        )
    )


def open_items(account: Account, *, for_client: bool = False) -> QuerySet[AccountAdvisory]:
    """Advisories still open on the account: delivered with an install pending or deferred,
    and (for staff) those waiting for review."""
    open_delivered = Q(state=ItemState.DELIVERED, has_pending=True)
    wanted = open_delivered if for_client else open_delivered | Q(state=ItemState.REVIEW)
    return (
        AccountAdvisory.objects.filter(account=account)
        .annotate(has_pending=pending_actions())
        .filter(wanted)
        .select_related("advisory")
    )


@dataclass
class ExposureRow:
    severity: str
    label: str
    counts: list[int]
    total: int

    @property
    def cells(self) -> list[tuple[str, int]]:
        """(age label, count), for a table cell that names its column on a phone."""
        return [(label, n) for (_, label, _), n in zip(AGES, self.counts, strict=True)]


@dataclass
class Exposure:
    rows: list[ExposureRow] = field(default_factory=list)
    total: int = 0
    waiting_review: int = 0
    ages: list[str] = field(default_factory=list)


def exposure(account: Account, now: datetime, *, for_client: bool = False) -> Exposure:
    """Open advisories by severity and age (since delivery for clients, since they became
    relevant for staff)."""
    table: dict[str, list[int]] = {}
    result = Exposure(ages=[label for _, label, _ in AGES])
    for item in open_items(account, for_client=for_client):
        since = item.delivered_at if for_client and item.delivered_at else item.relevant_since
        age = now - since
        column = next(
            n for n, (_, _, days) in enumerate(AGES) if days is None or age < timedelta(days=days)
        )
        table.setdefault(item.advisory.severity, [0] * len(AGES))[column] += 1
        result.total += 1
        result.waiting_review += item.state == ItemState.REVIEW
    for severity in sorted(table, key=lambda s: SEVERITY_ORDER.get(s, 9)):
        counts = table[severity]
        result.rows.append(
            ExposureRow(severity, SEVERITY_LABELS.get(severity, severity), counts, sum(counts))
        )
    return result


def exposure_by_account(user: Any) -> list[dict[str, Any]]:
    """Per visible account with anything open: counts by severity and how many wait for
    review; one query."""
    rows = (
        items_for(user)
        .annotate(has_pending=pending_actions())
        .filter(Q(state=ItemState.REVIEW) | Q(state=ItemState.DELIVERED, has_pending=True))
        .values("account__slug", "account__name", "advisory__severity", "state")
        .annotate(n=Count("id"))
    )
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault(
            row["account__slug"],
            {"slug": row["account__slug"], "name": row["account__name"], "review": 0, "total": 0}
            | dict.fromkeys(SEVERITY_ORDER, 0),
        )
        entry[row["advisory__severity"]] += row["n"]
        entry["total"] += row["n"]
        if row["state"] == ItemState.REVIEW:
            entry["review"] += row["n"]
    for entry in table.values():
        entry["other"] = entry["none"] + entry[""]
    return sorted(
        table.values(), key=lambda e: (-e["critical"], -e["high"], -e["total"], e["name"])
    )


def relevant(account: Account | None = None) -> QuerySet[Match]:
    """The stored matches (``psm advisories relevant``), by account, advisory and product."""
    qs = Match.objects.select_related("account", "advisory", "install__product", "install__site")
    if account is not None:
        qs = qs.filter(account=account)
    return qs.order_by("account__slug", "advisory__tracking_id", "install__product__name", "pk")


def ranges_to_read(user: Any) -> QuerySet[Statement]:
    """Free-text ranges of products installed at the user's accounts, waiting for a person."""
    products = InstalledProduct.objects.filter(account__in=visible_accounts(user)).values(
        "product_id"
    )
    return (
        Statement.objects.filter(review_state=ReviewState.OPEN, catalog_product_id__in=products)
        .select_related("advisory", "catalog_product")
        .order_by("-advisory__current_release", "pk")
    )


def delivered_and_pending(account: Account, since: datetime, until: datetime) -> dict[str, Any]:
    """For a status report: advisories delivered in the period, and those still pending
    (an install not yet applied), with their installs. Plain values; the caller has checked
    that the reader may see ``account``."""
    delivered = (
        AccountAdvisory.objects.filter(
            account=account, delivered_at__gte=since, delivered_at__lt=until
        )
        .select_related("advisory")
        .order_by("delivered_at")
    )
    pending = open_items(account, for_client=True).order_by("delivered_at")

    def row(item: AccountAdvisory) -> dict[str, Any]:
        actions = list(item.actions.select_related("install__product", "install__site"))
        return {
            "advisory": item.advisory.tracking_id,
            "title": item.advisory.title,
            "severity": item.advisory.severity,
            "cves": list(item.advisory.cves),
            "delivered_at": item.delivered_at,
            "acknowledged_at": item.acknowledged_at,
            "installs": [
                {
                    "product": a.install.product.name,
                    "version": a.install.version,
                    "site": a.install.site.name if a.install.site else "",
                    "state": a.state,
                    "deferred_until": a.deferred_until,
                }
                for a in actions
            ],
        }

    return {"delivered": [row(i) for i in delivered], "pending": [row(i) for i in pending]}
