"""The Django side of the coverage engine: turn accounts, assignments and absences into the
engine's plain specs, and the engine's usernames back into users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from psm.accounts.models import Account
from psm.coverage.engine.team import Absence as AbsenceSpec
from psm.coverage.engine.team import TeamSpec, who_covers
from psm.team.models import Absence, Assignment, AssignmentRole, User

# Absences further out than this cannot change an answer about "now" or the next weeks.
HORIZON = timedelta(days=120)


def team_spec(account: Account, around: datetime) -> TeamSpec:
    by_role: dict[str, str | None] = dict.fromkeys(AssignmentRole.values)
    for assignment in (
        Assignment.objects.active_on(around.date())
        .filter(account=account)
        .select_related("engineer")
    ):
        by_role[assignment.role] = assignment.engineer.username
    people = [u for u in by_role.values() if u]
    absences = tuple(
        AbsenceSpec(
            engineer=a.engineer.username,
            start=a.start,
            end=a.end,
            substitute=a.substitute.username if a.substitute else None,
        )
        for a in Absence.objects.filter(engineer__username__in=people)
        .overlapping(around - HORIZON, around + HORIZON)
        .select_related("engineer", "substitute")
    )
    return TeamSpec(
        primary=by_role[AssignmentRole.PRIMARY],
        substitute=by_role[AssignmentRole.SUBSTITUTE],
        manager=by_role[AssignmentRole.MANAGER],
        absences=absences,
        on_call=None,
    )


@dataclass(frozen=True)
class CoverNow:
    engineer: User | None
    reasons: tuple[str, ...]
    until: datetime | None


def cover_now(account: Account, at: datetime) -> CoverNow:
    cover = who_covers(team_spec(account, at), at)
    user = User.objects.filter(username=cover.engineer).first() if cover.engineer else None
    return CoverNow(engineer=user, reasons=cover.reasons, until=cover.until)
