"""The checklists component of account health: re-validations left overdue.

A checklist (backup procedure validation…) that is past its re-validation date means a
promise of prevention is not being kept. Each overdue checklist counts, and more so the
longer it has been overdue. An account with no tracked checklist has nothing to say here
(the component is N/A for it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psm.checklists.models import AccountChecklist
from psm.lib.health import Component, Evidence, Measurement, ramp, register

EVIDENCE_ITEMS = 8
# Overdue-days that count as one whole overdue checklist (a day late is nearly nothing).
FULL_WEIGHT_DAYS = 30


class OverdueRevalidations(Component):
    name = "checklists"
    label = "Overdue checklist re-validations"
    unit = "overdue re-validations (each weighed by days late, in full after 30 days)"
    default_weight = 5
    order = 65
    normalisation = "100 with none overdue, 0 with 2 or more overdue a month, a straight line."

    def measure(self, accounts: Sequence[Any], now: datetime) -> dict[int, Measurement]:
        ids = [a.pk for a in accounts]
        tracked: dict[int, list[AccountChecklist]] = defaultdict(list)
        for checklist in (
            AccountChecklist.objects.filter(account_id__in=ids, is_active=True)
            .select_related("account", "template", "site")
            .order_by("next_due")
        ):
            tracked[checklist.account_id].append(checklist)
        out = {}
        for pk, checklists in tracked.items():
            late = [c for c in checklists if c.overdue_now(now)]
            weight = sum(
                min(1.0, (now - c.next_due).total_seconds() / 86400 / FULL_WEIGHT_DAYS)
                for c in late
                if c.next_due is not None
            )
            evidence = [
                Evidence(
                    c.title,
                    c.get_absolute_url(),
                    f"due {c.next_due:%Y-%m-%d}, {(now - c.next_due).days} days overdue"
                    if c.next_due
                    else "",
                )
                for c in late[:EVIDENCE_ITEMS]
            ] or [
                Evidence(
                    f"{len(checklists)} checklist{'s' if len(checklists) != 1 else ''} "
                    "validated on time",
                    checklists[0].get_absolute_url(),
                )
            ]
            out[pk] = Measurement(
                round(weight, 2), ramp(weight, 2, 0), f"{len(late)} overdue", tuple(evidence)
            )
        return out


register(OverdueRevalidations())
