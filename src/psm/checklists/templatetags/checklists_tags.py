"""Checklist cards for other apps' pages, one line each where they are shown:
``{% checklists_account_card account %}`` (account 360) and
``{% checklists_portal_card account %}`` (portal home). The caller's view has already checked
that the viewer may see ``account``."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Prefetch
from django.utils import timezone

from psm.accounts.models import Account
from psm.checklists.models import AccountChecklist, ChecklistRun, RunStatus

register = template.Library()


def _checklists(account: Account, statuses: tuple[str, ...]) -> list[AccountChecklist]:
    runs = ChecklistRun.objects.filter(status__in=statuses).order_by("-started_at")
    return list(
        AccountChecklist.objects.filter(account=account)
        .select_related("template", "site", "account")
        .prefetch_related(Prefetch("runs", queryset=runs, to_attr="latest_runs"))
    )


@register.inclusion_tag("checklists/_account_card.html")
def checklists_account_card(account: Account) -> dict[str, Any]:
    statuses = (RunStatus.IN_PROGRESS, RunStatus.AWAITING_CLIENT, RunStatus.COMPLETED)
    return {
        "account": account,
        "checklists": _checklists(account, statuses),
        "now": timezone.now(),
    }


@register.inclusion_tag("checklists/_portal_card.html")
def checklists_portal_card(account: Account) -> dict[str, Any]:
    checklists = [
        c
        for c in _checklists(account, (RunStatus.AWAITING_CLIENT, RunStatus.COMPLETED))
        if c.is_active
    ]
    awaiting = ChecklistRun.objects.filter(account=account, status=RunStatus.AWAITING_CLIENT)
    return {
        "account": account,
        "checklists": checklists,
        "awaiting": list(awaiting.order_by("psm_signed_at")),
        "now": timezone.now(),
    }
