"""The Django side of the coverage engine: turn accounts, assignments and absences into the
engine's plain specs, and the engine's usernames back into users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from psm.accounts.models import Account
from psm.coverage.engine.plan import SLA_KINDS, PlanSpec
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


def plan_spec(account: Account) -> PlanSpec:
    """The engine's PlanSpec for the account's effective plan (the plan plus its overrides).

    Cases snapshot ``plan_spec(account).to_dict()`` when they open, so later plan edits never
    move a running clock.
    """
    effective = account.effective_plan()
    targets = effective.get("sla_targets") or {}
    data: dict[str, object] = {
        "timezone": effective["timezone"],
        "hours": effective["hours"],
        "always_covered": list(effective.get("always_covered") or []),
    }
    for kind in SLA_KINDS:
        data[f"{kind}_minutes"] = {
            priority: int(per_kind[kind])
            for priority, per_kind in targets.items()
            if isinstance(per_kind, dict) and per_kind.get(kind) is not None
        }
    if effective.get("holidays") is not None:
        data["holidays"] = effective["holidays"]
    return PlanSpec.from_dict(data)
