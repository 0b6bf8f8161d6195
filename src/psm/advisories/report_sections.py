"""The advisories section of a status report: what was passed on, and what still waits for
the client. Only delivered advisories appear (with the text the PSM wrote for the client):
one still under review, or marked not relevant, is the provider's business."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from psm.advisories.models import AccountAdvisory, ItemState
from psm.reports.periods import Period, iso
from psm.reports.sections import JSON, Option, Section, register

LIMIT = 50


def _row(item: AccountAdvisory) -> JSON:
    advisory = item.advisory
    return {
        "tracking_id": advisory.tracking_id,
        "title": advisory.title,
        "severity": advisory.get_severity_display() if advisory.severity else "",
        "cves": list(advisory.cves)[:5],
        "delivered_at": iso(item.delivered_at) if item.delivered_at else None,
        "acknowledged_at": iso(item.acknowledged_at) if item.acknowledged_at else None,
    }


class AdvisoriesSection(Section):
    key = "advisories"  # stored in definitions: never rename
    title = "Advisories delivered and awaiting acknowledgement"
    description = (
        "Relevant patches and security advisories passed on in the period, and those "
        "delivered earlier that are not yet acknowledged."
    )
    order = 500
    template = "reports/sections/advisories.html"
    options = (Option("show_waiting", "List advisories awaiting acknowledgement", default=True),)

    def data(self, account: Any, period: Period, options: JSON) -> JSON:
        delivered = AccountAdvisory.objects.filter(account=account, state=ItemState.DELIVERED)
        in_period = (
            delivered.filter(delivered_at__gte=period.start, delivered_at__lt=period.end)
            .select_related("advisory")
            .order_by("delivered_at", "pk")
        )
        waiting = (
            delivered.filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=period.end))
            .filter(delivered_at__lt=period.end)
            .select_related("advisory")
            .order_by("delivered_at", "pk")
        )
        rows = [_row(item) for item in in_period[:LIMIT]]
        return {
            "delivered_count": in_period.count(),
            "delivered": rows,
            "waiting_count": waiting.count(),
            "waiting": [_row(item) for item in waiting[:LIMIT]]
            if options.get("show_waiting", True)
            else [],
        }


def register_all() -> None:
    register(AdvisoriesSection())
