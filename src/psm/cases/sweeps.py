"""The SLA sweep: warn the assignee shortly before a due time, mark and announce breaches
(``cases.events.sla_settled``: a missed target, settled at its due time).

Safe to run twice or on two machines at once: each case is claimed per event with a
conditional UPDATE (flag still unset and the due time unchanged); only the winner records
and notifies, and the notification's idempotency key would stop a repeat anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from psm.audit.models import record
from psm.cases import notify
from psm.cases.events import SlaSettled, SlaWarning, sla_settled, sla_warning
from psm.cases.models import RUNNING, Case

KINDS = ("first_response", "next_update", "resolution")


def sweep(now: datetime) -> dict[str, int]:
    lead = timedelta(minutes=settings.PSM_SLA_WARNING_MINUTES)
    counts = {"warnings": 0, "breaches": 0}
    for kind in KINDS:
        due_field = f"{kind}_due"
        qs = Case.objects.filter(status__in=RUNNING).select_related("account", "assignee")
        if kind == "first_response":
            qs = qs.filter(first_response_at__isnull=True)
        for case in qs.filter(**{f"{due_field}__lte": now, f"{kind}_breached": False}):
            due = getattr(case, due_field)
            with transaction.atomic():
                won = Case.objects.filter(
                    pk=case.pk, status__in=RUNNING, **{due_field: due, f"{kind}_breached": False}
                ).update(**{f"{kind}_breached": True, "breached": True})
                if won:
                    record(None, "case.breach", case, account=case.account, changes={kind: due})
                    notify.sla_event(case, kind, "breach", due)
                    sla_settled.send(SlaSettled(case, kind, due, False, due))
                    counts["breaches"] += 1
        warn = qs.filter(
            **{
                f"{due_field}__gt": now,
                f"{due_field}__lte": now + lead,
                f"{kind}_warned": False,
            }
        )
        for case in warn:
            due = getattr(case, due_field)
            with transaction.atomic():
                won = Case.objects.filter(
                    pk=case.pk, status__in=RUNNING, **{due_field: due, f"{kind}_warned": False}
                ).update(**{f"{kind}_warned": True})
                if won:
                    notify.sla_event(case, kind, "warning", due)
                    sla_warning.send(SlaWarning(case, kind, due, now))
                    counts["warnings"] += 1
    return counts
