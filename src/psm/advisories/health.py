"""The advisories component of account health: relevant advisories left waiting.

An advisory counts against an account when the PSM has not reviewed it within
``REVIEW_DAYS`` of it becoming relevant, or when the client has not acknowledged it within
``ACKNOWLEDGE_DAYS`` of its delivery: either way a known vulnerability sits unattended on
what the client runs. An account with no relevant advisory at all has nothing to say here
(the component is N/A for it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse

from psm.advisories.models import AccountAdvisory, ItemState
from psm.lib.health import Component, Evidence, Measurement, ramp, register

REVIEW_DAYS = 2
ACKNOWLEDGE_DAYS = 14
EVIDENCE_ITEMS = 8


class PendingAdvisories(Component):
    name = "advisories"
    label = "Pending relevant advisories"
    unit = "advisories unreviewed after 2 days or unacknowledged 14 days after delivery"
    default_weight = 10
    order = 60
    normalisation = "100 with none pending, 0 with 3 or more, a straight line between."

    def measure(self, accounts: Sequence[Any], now: datetime) -> dict[int, Measurement]:
        slugs = {a.pk: a.slug for a in accounts}
        items = (
            AccountAdvisory.objects.filter(account_id__in=list(slugs))
            .exclude(state=ItemState.WITHDRAWN)
            .select_related("advisory")
            .order_by("relevant_since")
        )
        pending_q = Q(
            state=ItemState.REVIEW, relevant_since__lt=now - timedelta(days=REVIEW_DAYS)
        ) | Q(
            state=ItemState.DELIVERED,
            acknowledged_at__isnull=True,
            delivered_at__lt=now - timedelta(days=ACKNOWLEDGE_DAYS),
        )
        pending_ids = set(items.filter(pending_q).values_list("pk", flat=True))
        tracked: dict[int, int] = defaultdict(int)
        pending: dict[int, list[AccountAdvisory]] = defaultdict(list)
        for item in items:
            tracked[item.account_id] += 1
            if item.pk in pending_ids:
                pending[item.account_id].append(item)
        out = {}
        for pk, count in tracked.items():
            waiting = pending[pk]
            url = reverse("advisories:account", args=[slugs[pk]])
            evidence = [
                Evidence(
                    item.advisory.tracking_id,
                    reverse("advisories:item", args=[slugs[pk], item.pk]),
                    "waiting for review"
                    if item.state == ItemState.REVIEW
                    else f"delivered {item.delivered_at:%Y-%m-%d}, not acknowledged",
                )
                for item in waiting[:EVIDENCE_ITEMS]
            ] or [Evidence(f"{count} relevant advisories attended to", url)]
            out[pk] = Measurement(
                len(waiting), ramp(len(waiting), 3, 0), f"{len(waiting)} pending", tuple(evidence)
            )
        return out


register(PendingAdvisories())
