"""Re-validations due: the rows engagement shows with its own due touchpoints (``psm
engagement due``, my day) and the sweep that reminds the PSM and tells them when one is
overdue. Registered into ``psm.engagement.due`` from ``ChecklistsConfig.ready()``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from psm.checklists.models import AccountChecklist, ChecklistRun, RunStatus
from psm.engagement import due
from psm.engagement.mail import send_email
from psm.engagement.services.cadences import TRACKED_STATUSES, recipients_for
from psm.team.models import Assignment, AssignmentRole, User


def with_owner(checklists: QuerySet[AccountChecklist]) -> QuerySet[AccountChecklist]:
    """Annotate ``owner_pk``: the account's current primary PSM."""
    return checklists.annotate(
        owner_pk=Subquery(
            Assignment.objects.current()
            .filter(account=OuterRef("account"), role=AssignmentRole.PRIMARY)
            .order_by("starts_on")
            .values("engineer")[:1]
        )
    )


def due_checklists(
    *,
    account: Any = None,
    accounts: Any = None,
    owner: User | None = None,
    within: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> list[AccountChecklist]:
    """Tracked checklists whose re-validation is due within ``within`` or overdue, soonest
    first, each with ``.owner`` and ``.last_run`` (the last completed run, or None)."""
    now = now or timezone.now()
    found = AccountChecklist.objects.filter(
        is_active=True,
        next_due__isnull=False,
        next_due__lte=now + within,
        account__status__in=TRACKED_STATUSES,
    ).select_related("account", "template", "site")
    if account is not None:
        found = found.filter(account=account)
    if accounts is not None:
        found = found.filter(account__in=accounts)
    found = with_owner(found).annotate(
        last_run_at=Subquery(
            ChecklistRun.objects.filter(checklist=OuterRef("pk"), status=RunStatus.COMPLETED)
            .order_by("-completed_at")
            .values("completed_at")[:1]
        )
    )
    if owner is not None:
        found = found.filter(Q(owner_pk=owner.pk))
    rows: list[AccountChecklist] = list(
        found.order_by("next_due", "account__slug", "template__name")
    )
    users = User.objects.in_bulk({getattr(c, "owner_pk", None) for c in rows} - {None})
    for checklist in rows:
        checklist.owner = users.get(getattr(checklist, "owner_pk", None))  # type: ignore[attr-defined]
    return rows


def rows(
    *,
    account: Any = None,
    accounts: Any = None,
    owner: Any = None,
    within: timedelta,
    now: datetime,
) -> list[due.DueThing]:
    return [
        due.DueThing(
            account=c.account,
            kind="checklist",
            title=f"Re-validate {c.title}",
            due=c.next_due,
            overdue=c.overdue_now(now),
            owner=getattr(c, "owner", None),
            url=c.get_absolute_url(),
            last_done=c.last_validated_at,
        )
        for c in due_checklists(
            account=account, accounts=accounts, owner=owner, within=within, now=now
        )
        if c.next_due is not None
    ]


def sweep(now: datetime) -> tuple[int, int]:
    """Reminders ``remind_days`` before a re-validation is due, and a notice once it is
    overdue; each claimed with a conditional update, so a second sweep sends nothing again."""
    reminders = notices = 0
    tracked = AccountChecklist.objects.filter(
        is_active=True, account__status__in=TRACKED_STATUSES
    ).select_related("account", "template", "site")
    for checklist in with_owner(
        tracked.filter(remind_at__lte=now, next_due__gt=now).exclude(reminded_for=F("next_due"))
    ):
        with transaction.atomic():
            claimed = (
                AccountChecklist.objects.filter(pk=checklist.pk, next_due=checklist.next_due)
                .exclude(reminded_for=F("next_due"))
                .update(reminded_for=F("next_due"))
            )
            if claimed:
                reminders += _mail_owner(checklist, now, overdue=False)
    for checklist in with_owner(
        tracked.filter(next_due__lt=now).exclude(overdue_notified_for=F("next_due"))
    ):
        with transaction.atomic():
            claimed = (
                AccountChecklist.objects.filter(pk=checklist.pk, next_due=checklist.next_due)
                .exclude(overdue_notified_for=F("next_due"))
                .update(overdue_notified_for=F("next_due"))
            )
            if claimed:
                notices += _mail_owner(checklist, now, overdue=True)
    return reminders, notices


def _mail_owner(checklist: Any, now: datetime, *, overdue: bool) -> int:
    owner_pk = getattr(checklist, "owner_pk", None)
    owner = User.objects.filter(pk=owner_pk).first() if owner_pk else None
    people = recipients_for(owner, now)
    if not people or checklist.next_due is None:
        return 0
    account = checklist.account
    zone = checklist.timezone
    local = checklist.next_due.astimezone(ZoneInfo(zone))
    what = "is overdue" if overdue else "falls due soon"
    last = (
        f"{checklist.last_validated_at:%d %B %Y}"
        if checklist.last_validated_at
        else "never validated"
    )
    send_email(
        f"checklists:{'overdue' if overdue else 'reminder'}:{checklist.pk}:"
        f"{checklist.next_due.isoformat()}",
        [p.email for p in people],
        f"{account.name}: re-validation of {checklist.title} {what} ({local:%a %d %b} {zone})",
        f"The re-validation of “{checklist.title}” for {account.name} {what}.\n\n"
        f"Due: {local:%A %d %B %Y %H:%M} {zone} ({checklist.next_due:%Y-%m-%d %H:%M} UTC)\n"
        f"Last validated: {last}\n\n"
        f"Run it: {settings.BASE_URL}{checklist.get_absolute_url()}\n",
    )
    return 1


def register_due() -> None:
    due.register(due.DueSource("checklist", "Checklist re-validations", rows, sweep))
