"""The advisories side of an account's timeline: relevant, delivered, acknowledged,
withdrawn (plain entries; the insights gatherer finds this module by name)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from psm.accounts.models import Account
from psm.advisories.models import AccountAdvisory, ItemState


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    summary: str
    url: str
    actor: str
    internal: bool = False


def timeline_entries(
    account: Account,
    since: datetime,
    until: datetime | None = None,
    *,
    for_client: bool = False,
    limit: int = 200,
) -> list[TimelineEntry]:
    items = (
        AccountAdvisory.objects.filter(account=account)
        .filter(
            Q(relevant_since__gte=since)
            | Q(delivered_at__gte=since)
            | Q(acknowledged_at__gte=since)
        )
        .select_related("advisory", "acknowledged_by", "reviewed_by")
        .order_by("-relevant_since")[: limit * 2]
    )
    entries: list[TimelineEntry] = []
    for item in items:
        advisory = item.advisory
        staff_url = reverse("advisories:item", args=[account.slug, item.pk])
        client_url = reverse("advisories:portal-item", args=[item.pk])
        name = f"{advisory.tracking_id}: {advisory.title}"[:200]
        if not for_client:
            entries.append(
                TimelineEntry(
                    item.relevant_since,
                    "advisory",
                    f"Advisory relevant: {name}",
                    f"Severity {advisory.get_severity_display().lower()}",
                    staff_url,
                    "PSM",
                    internal=True,
                )
            )
        if item.delivered_at and item.state != ItemState.REVIEW:
            entries.append(
                TimelineEntry(
                    item.delivered_at,
                    "advisory",
                    f"Advisory delivered: {name}",
                    (item.client_text or advisory.summary)[:200],
                    client_url if for_client else staff_url,
                    item.reviewed_by.display_name if item.reviewed_by else "PSM",
                )
            )
        if item.acknowledged_at:
            entries.append(
                TimelineEntry(
                    item.acknowledged_at,
                    "advisory",
                    f"Advisory acknowledged: {advisory.tracking_id}",
                    "",
                    client_url if for_client else staff_url,
                    item.acknowledged_by.name if item.acknowledged_by else "client",
                )
            )
    entries = [e for e in entries if e.at >= since and (until is None or e.at < until)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
