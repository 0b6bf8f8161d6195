"""Assignments and absences: who owns an account, who stands in for whom."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from psm.accounts.models import Account
from psm.audit.models import record
from psm.team import events
from psm.team.models import Absence, Assignment, AssignmentRole, Role, User


def assign(
    actor: User | None,
    account: Account,
    engineer: User,
    role: str,
    starts_on: date | None = None,
) -> Assignment:
    """Give ``engineer`` a role on ``account``; a new primary PSM ends the previous one."""
    if engineer.role == Role.CLIENT:
        raise ValidationError("A client contact cannot be assigned to an account.")
    starts_on = starts_on or timezone.localdate()
    with transaction.atomic():
        if role == AssignmentRole.PRIMARY:
            previous = Assignment.objects.select_for_update().filter(
                account=account, role=AssignmentRole.PRIMARY, ends_on__isnull=True
            )
            for old in previous:
                if old.engineer_id == engineer.pk:
                    return old
                old.ends_on = max(old.starts_on, starts_on - timedelta(days=1))
                old.save(update_fields=["ends_on"])
                record(actor, "assignment.end", old, account=account)
        assignment, created = Assignment.objects.get_or_create(
            account=account,
            engineer=engineer,
            role=role,
            ends_on=None,
            defaults={"starts_on": starts_on},
        )
        if created:
            record(actor, "assignment.create", assignment, account=account, changes={"role": role})
    return assignment


def end_assignment(actor: User | None, assignment: Assignment, ends_on: date | None = None) -> None:
    assignment.ends_on = ends_on or timezone.localdate()
    assignment.full_clean()
    with transaction.atomic():
        assignment.save(update_fields=["ends_on"])
        record(actor, "assignment.end", assignment, account=assignment.account)


def start_absence(
    actor: User | None,
    engineer: User,
    start: datetime,
    end: datetime,
    substitute: User | None = None,
    reason: str = "",
) -> Absence:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError("Absence start and end must carry a time zone.")
    if end <= start:
        raise ValidationError("An absence must end after it starts.")
    if substitute is not None and substitute.pk == engineer.pk:
        raise ValidationError("An engineer cannot substitute for themselves.")
    if Absence.objects.filter(engineer=engineer).overlapping(start, end).exists():
        raise ValidationError(f"{engineer} already has an absence in that period.")
    with transaction.atomic():
        absence = Absence.objects.create(
            engineer=engineer, start=start, end=end, substitute=substitute, reason=reason
        )
        record(
            actor,
            "absence.create",
            absence,
            changes={"start": start, "end": end, "substitute": substitute},
        )
        events.absence_recorded.send(events.AbsenceRecorded(absence.pk))
    return absence
