"""Who is who on an account for engagement purposes."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from psm.accounts.models import Account
from psm.team.models import Assignment, AssignmentRole, User


def assigned(account: Account, role: str, on: date | None = None) -> User | None:
    assignment = (
        Assignment.objects.active_on(on or timezone.localdate())
        .filter(account=account, role=role)
        .select_related("engineer")
        .order_by("starts_on")
        .first()
    )
    return assignment.engineer if assignment else None


def primary_psm(account: Account) -> User | None:
    return assigned(account, AssignmentRole.PRIMARY)


def manager_of(engineer: User | None, account: Account | None = None) -> User | None:
    """The engineer's line manager, else the account's PSM manager."""
    if engineer is not None:
        profile = getattr(engineer, "engineer", None)
        if profile is not None and profile.manager is not None:
            manager: User = profile.manager
            return manager
    if account is not None:
        return assigned(account, AssignmentRole.MANAGER)
    return None
