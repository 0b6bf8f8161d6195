"""The checklists side of an account's timeline: runs started, signed off by the PSM and by
the client, and each checklist's re-validation date (marked overdue once it has passed).
Registered with ``psm.lib.timeline`` in ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from psm.accounts.models import Account
from psm.checklists.models import AccountChecklist, ChecklistRun, RunStatus
from psm.lib.timeline import Entry


def entries(
    account: Account, since: datetime, until: datetime, *, for_client: bool, limit: int
) -> Iterable[Entry]:
    now = timezone.now()
    found: list[Entry] = []
    runs = (
        ChecklistRun.objects.filter(account=account)
        .filter(
            Q(started_at__gte=since, started_at__lt=until)
            | Q(psm_signed_at__gte=since, psm_signed_at__lt=until)
            | Q(client_signed_at__gte=since, client_signed_at__lt=until)
        )
        .select_related("started_by", "psm_signed_by")
        .order_by("-started_at")[: limit * 2]
    )
    for run in runs:
        url = run.get_portal_url() if for_client else run.get_absolute_url()
        if not (for_client and run.status == RunStatus.CANCELLED):
            found.append(
                Entry(
                    run.started_at,
                    "checklist",
                    f"Checklist started: {run.title}",
                    "",
                    url,
                    run.started_by.display_name if run.started_by else "PSM",
                )
            )
        if run.psm_signed_at:
            found.append(
                Entry(
                    run.psm_signed_at,
                    "checklist",
                    f"Checklist {run.get_outcome_display().lower()}, signed off by the PSM: "
                    f"{run.title}",
                    run.summary[:200],
                    url,
                    run.psm_signed_by.display_name if run.psm_signed_by else "PSM",
                )
            )
        if run.client_signed_at:
            found.append(
                Entry(
                    run.client_signed_at,
                    "checklist",
                    f"Checklist signed off by the client: {run.title}",
                    run.client_comment[:200],
                    url,
                    run.client_signed_name or "client",
                    "portal",
                )
            )
    checklists = AccountChecklist.objects.filter(
        account=account, is_active=True, next_due__gte=since, next_due__lt=until
    ).select_related("template", "site", "account")
    for checklist in checklists:
        assert checklist.next_due is not None
        late = checklist.overdue_now(now)
        found.append(
            Entry(
                checklist.next_due,
                "checklist",
                f"Re-validation {'overdue' if late else 'due'}: {checklist.title}",
                f"Last validated {checklist.last_validated_at:%d %B %Y}"
                if checklist.last_validated_at
                else "Not validated yet",
                reverse("checklists:portal") if for_client else checklist.get_absolute_url(),
                "PSM",
            )
        )
    found = [e for e in found if since <= e.at < until]
    found.sort(key=lambda e: e.at, reverse=True)
    return found[:limit]
