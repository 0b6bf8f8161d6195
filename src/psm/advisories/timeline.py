"""The advisories side of an account's timeline: relevant (staff only), delivered,
acknowledged. Registered with ``psm.lib.timeline`` in ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from psm.accounts.models import Account
from psm.advisories.models import AccountAdvisory, ItemState
from psm.lib.timeline import Entry


def entries(
    account: Account, since: datetime, until: datetime, *, for_client: bool, limit: int
) -> Iterable[Entry]:
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
    found: list[Entry] = []
    for item in items:
        advisory = item.advisory
        staff_url = reverse("advisories:item", args=[account.slug, item.pk])
        client_url = reverse("advisories:portal-item", args=[item.pk])
        name = f"{advisory.tracking_id}: {advisory.title}"[:200]
        if not for_client:
            found.append(
                Entry(
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
            found.append(
                Entry(
                    item.delivered_at,
                    "advisory",
                    f"Advisory delivered: {name}",
                    (item.client_text or advisory.summary)[:200],
                    client_url if for_client else staff_url,
                    item.reviewed_by.display_name if item.reviewed_by else "PSM",
                )
            )
        if item.acknowledged_at:
            found.append(
                Entry(
                    item.acknowledged_at,
                    "advisory",
                    f"Advisory acknowledged: {advisory.tracking_id}",
                    "",
                    client_url if for_client else staff_url,
                    item.acknowledged_by.name if item.acknowledged_by else "client",
                )
            )
    found = [e for e in found if since <= e.at < until]
    found.sort(key=lambda e: e.at, reverse=True)
    return found[:limit]
