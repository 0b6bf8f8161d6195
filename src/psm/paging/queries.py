"""Read helpers other apps call (the engineer's "my day", the portal)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from psm.accounts.models import Account
from psm.paging.models import UNACKNOWLEDGED, Page, PageStep, StepKind
from psm.team.models import User


def pages_waiting_for(user: User) -> QuerySet[Page]:
    """Pages nobody has acknowledged yet that ``user`` was paged for (or is the current
    target of), oldest deadline first: what "my day" shows at the top."""
    paged = PageStep.objects.filter(
        page=OuterRef("pk"), user=user, kind__in=(StepKind.PAGED, StepKind.ESCALATED)
    )
    return (
        Page.objects.filter(status__in=UNACKNOWLEDGED)
        .filter(Q(target=user) | Q(Exists(paged)))
        .select_related("account", "contact", "target")
        .order_by("ack_deadline", "opened_at")
    )


def recent_pages(account: Account, limit: int = 10) -> QuerySet[Page]:
    return (
        Page.objects.filter(account=account)
        .select_related("target", "acknowledged_by", "contact")
        .order_by("-opened_at", "-id")[:limit]
    )
