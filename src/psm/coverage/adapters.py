"""The Django side of the coverage engine: turn plans, accounts, assignments, absences and
on-call rotations into the engine's plain specs, and the engine's usernames back into users.

Everything here reads the database once per call and hands the engine immutable values; the
engine caches calendars per spec, so repeated questions about one plan are cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from psm.accounts.models import Account
from psm.coverage.engine.plan import PlanSpec
from psm.coverage.engine.routing import Route, route
from psm.coverage.engine.team import Absence as AbsenceSpec
from psm.coverage.engine.team import Cover, TeamSpec, who_covers
from psm.coverage.engine.team import OnCallRotation as RotationSpec
from psm.coverage.engine.team import Override as OverrideSpec
from psm.coverage.models import OnCallRotation
from psm.team.models import Absence, Assignment, AssignmentRole, User

# Absences further out than this cannot change an answer about "now" or the next weeks.
HORIZON = timedelta(days=120)


def plan_dict(settings_: dict[str, Any]) -> dict[str, Any]:
    """An effective-plan dict (``Account.effective_plan()``) in the engine's plan format."""
    sla = settings_.get("sla_targets") or {}
    spec: dict[str, Any] = {
        "timezone": settings_["timezone"],
        "hours": settings_["hours"],
        "always_covered": list(settings_["always_covered"]),
    }
    if settings_.get("holidays"):
        spec["holidays"] = settings_["holidays"]
    for kind in ("first_response", "next_update", "resolution"):
        minutes = {p: t[kind] for p, t in sla.items() if isinstance(t, dict) and kind in t}
        if minutes:
            spec[f"{kind}_minutes"] = minutes
    return spec


def plan_spec(account: Account) -> PlanSpec:
    return PlanSpec.from_dict(plan_dict(account.effective_plan()))


def rotation_spec(rotation: OnCallRotation | None) -> RotationSpec | None:
    if rotation is None:
        return None
    members = [m.engineer.username for m in rotation.members.select_related("engineer")]
    if not members:
        return None
    overrides = tuple(
        OverrideSpec(engineer=o.engineer.username, start=o.start, end=o.end)
        for o in rotation.overrides.select_related("engineer").order_by("created_at", "id")
    )
    return RotationSpec(
        rotation=tuple(members),
        start=rotation.start,
        shift=timedelta(hours=rotation.shift_hours),
        overrides=overrides,
    )


def team_spec(account: Account, around: datetime) -> TeamSpec | None:
    """The account's team around an instant; None while it has no primary PSM."""
    by_role: dict[str, str | None] = dict.fromkeys(AssignmentRole.values)
    for assignment in (
        Assignment.objects.active_on(around.date())
        .filter(account=account)
        .select_related("engineer")
    ):
        by_role[assignment.role] = assignment.engineer.username
    primary = by_role[AssignmentRole.PRIMARY]
    if primary is None:
        return None
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
        primary=primary,
        substitute=by_role[AssignmentRole.SUBSTITUTE],
        manager=by_role[AssignmentRole.MANAGER],
        absences=absences,
        on_call=rotation_spec(account.service_plan.on_call_rotation),
    )


def display_names(usernames: set[str]) -> dict[str, str]:
    return {u.username: u.display_name for u in User.objects.filter(username__in=usernames)}


@dataclass(frozen=True)
class CoverNow:
    engineer: User | None
    reasons: tuple[str, ...]
    until: datetime | None
    covering_for: User | None = None


@dataclass(frozen=True)
class Coverage:
    """Who covers an account at an instant: the one answer every page shows (account 360,
    the coverage board, the portal) and paging acts on (``routes`` are the engine's
    decisions, the same ``routed_for`` makes)."""

    at: datetime
    open: bool  # within business hours, and not a provider holiday
    holiday: str | None  # the provider holiday on the client's date, if any
    changes_at: datetime | None  # open: when business hours end; closed: when they open
    cover: CoverNow  # who answers in business hours (now, or when they next open)
    next_cover: CoverNow | None  # who takes over when that answer changes
    routes: dict[str, Route]  # per priority: who acts on a contact now, and how
    always_covered: tuple[str, ...]  # the priorities covered 7x24 (except holidays)
    names: dict[str, str]  # username → display name of everyone named above

    @property
    def emergency(self) -> Route | None:
        """Out of business hours, what the most urgent 7x24 priority does now (pages the
        on-call engineer; on a holiday goes to basic support); None in business hours."""
        if self.open:
            return None
        for priority in self.always_covered:
            if priority in self.routes:
                return self.routes[priority]
        return None

    @property
    def emergency_name(self) -> str:
        """Who the emergency route reaches, as people read it ("Dana Smith", "basic
        support")."""
        found = self.emergency
        if found is None:
            return ""
        if found.channel == "fallback":
            return "our basic-support team"
        return self.names.get(found.target, found.target)


def coverage_now(account: Account, at: datetime) -> Coverage:
    """The one function behind every "who covers now"."""
    plan = plan_spec(account)
    calendar = plan.business_calendar()
    open_now = calendar.is_open(at)
    changes_at = calendar.next_close(at) if open_now else calendar.next_open(at)
    holiday = plan.holidays.name(at.astimezone(plan.tz).date())
    always = tuple(sorted(plan.always_covered))
    team = team_spec(account, at)
    if team is None:
        nobody = CoverNow(None, ("no primary PSM is assigned",), None)
        return Coverage(at, open_now, holiday, changes_at, nobody, None, {}, always, {})
    users = {u.username: u for u in User.objects.filter(username__in=_people(team))}
    names = {username: user.display_name for username, user in users.items()}
    routes = {
        p: route(plan, team, p, at, basic_support=settings.PSM_BASIC_SUPPORT, names=names)
        for p in plan.priorities
    }
    zone = ZoneInfo(account.timezone)
    # Who answers in business hours: now when open, else from when they next open.
    asked = at if open_now or changes_at is None else changes_at
    now = who_covers(team, asked, zone, names)
    later = who_covers(team, now.until, zone, names) if now.until is not None else None

    def view(cover: Cover) -> CoverNow:
        return CoverNow(
            engineer=users.get(cover.engineer),
            reasons=cover.reasons,
            until=cover.until,
            covering_for=users.get(cover.covering_for or ""),
        )

    later_view = view(later) if later is not None else None
    return Coverage(at, open_now, holiday, changes_at, view(now), later_view, routes, always, names)


@dataclass(frozen=True)
class Routed:
    """A routing decision with the plan and team it was made from: whoever acts on it (a page
    and its escalation chain) reuses them instead of reading the database again."""

    route: Route
    plan: PlanSpec
    team: TeamSpec
    names: dict[str, str]


def routed_for(account: Account, priority: str, at: datetime) -> Routed | None:
    """The routing decision for a contact from ``account``; None while it has no PSM."""
    team = team_spec(account, at)
    if team is None:
        return None
    plan = plan_spec(account)
    names = display_names(_people(team))
    decision = route(
        plan, team, priority, at, basic_support=settings.PSM_BASIC_SUPPORT, names=names
    )
    return Routed(decision, plan, team, names)


def route_for(account: Account, priority: str, at: datetime) -> Route | None:
    routed = routed_for(account, priority, at)
    return routed.route if routed is not None else None


def _people(team: TeamSpec) -> set[str]:
    people = {team.primary, team.substitute, team.manager, *(a.substitute for a in team.absences)}
    if team.on_call is not None:
        people |= set(team.on_call.rotation) | {o.engineer for o in team.on_call.overrides}
    return {p for p in people if p}
