"""Case figures for the staff pages: each a single grouped query over many accounts or one
engineer's work, never one query per row (the overview and my day stay flat as books grow)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from psm.accounts.models import Account
from psm.cases.models import ACTIVE, Case, Direction, Message
from psm.engagement.due import DueThing, due_things
from psm.engagement.models import CadenceState, Touchpoint, TouchpointStatus
from psm.engagement.services import due_states
from psm.team.models import Absence, Assignment, AssignmentRole, User

MY_CASES = 50
# Columns no list shows: the plan snapshot, the routing trace, pauses, the account's notes.
HEAVY = (
    "coverage",
    "routing",
    "pauses",
    "account__plan_overrides",
    "account__environment_notes",
    "account__relationship_notes",
)
RECENT_MESSAGES = timedelta(days=3)
MESSAGES_SHOWN = 15
TOUCHPOINTS_AHEAD = timedelta(days=7)


def open_by_priority(accounts: QuerySet[Account]) -> dict[int, dict[str, int]]:
    """{account id: {priority: active cases}} for the accounts of ``accounts``."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Case.objects.filter(status__in=ACTIVE, account__in=accounts.values("pk"))
        .values("account", "priority")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in rows:
        found[row["account"]][row["priority"]] = row["n"]
    return found


BREACH_KINDS = ("first_response", "next_update", "resolution")


def _missed_since(since: datetime) -> tuple[Q, dict[str, Count]]:
    """A target counts as missed at its due time; the due columns are indexed, so "since the
    first of the month" reads only this month's rows."""
    any_missed = Q()
    per_kind: dict[str, Count] = {}
    for kind in BREACH_KINDS:
        missed = Q(**{f"{kind}_breached": True, f"{kind}_due__gte": since})
        any_missed |= missed
        per_kind[kind] = Count("id", filter=missed)
    return any_missed, per_kind


def breaches_since(accounts: QuerySet[Account], since: datetime) -> dict[int, int]:
    """{account id: SLA targets missed since ``since``}."""
    any_missed, per_kind = _missed_since(since)
    rows = (
        Case.objects.filter(any_missed, account__in=accounts.values("pk"))
        .values("account")
        .annotate(**per_kind)
        .order_by()
    )
    return {row["account"]: sum(row[k] for k in BREACH_KINDS) for row in rows}


def last_contact(accounts: QuerySet[Account], now: datetime) -> dict[int, datetime]:
    """{account id: the last time we talked to the client}: our last update on a case or the
    last touchpoint held (check-in, visit, review), one index probe each per account."""
    case_update = (
        Case.objects.filter(account=OuterRef("pk"), last_update_at__isnull=False)
        .order_by("-last_update_at")
        .values("last_update_at")[:1]
    )
    held = (
        Touchpoint.objects.filter(
            account=OuterRef("pk"), status=TouchpointStatus.COMPLETED, starts_at__lte=now
        )
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    rows = (
        accounts.order_by()
        .annotate(case_at=Subquery(case_update), held_at=Subquery(held))
        .values_list("pk", "case_at", "held_at")
    )
    found: dict[int, datetime] = {}
    for pk, *times in rows:
        known = [t for t in times if t is not None]
        if known:
            found[pk] = max(known)
    return found


def account_open_cases(account: Account) -> QuerySet[Case]:
    return (
        Case.objects.filter(account=account, status__in=ACTIVE)
        .select_related("assignee", "contact")
        .defer("coverage", "routing", "pauses")
        .order_by(F("next_due").asc(nulls_last=True), "priority", "id")[:MY_CASES]
    )


def covered_engineers(user: User, now: datetime) -> list[int]:
    """Colleagues ``user`` stands in for right now."""
    return list(Absence.objects.at(now).filter(substitute=user).values_list("engineer", flat=True))


def my_cases(user: User, now: datetime) -> QuerySet[Case]:
    """Active cases assigned to ``user``, plus those of colleagues they stand in for now and
    unassigned ones on their own accounts; soonest due first (paused ones last)."""
    mine = Q(assignee=user)
    away = covered_engineers(user, now)
    if away:
        mine |= Q(assignee__in=away)
    own_accounts = (
        Assignment.objects.active_on(now.date())
        .filter(engineer=user, role=AssignmentRole.PRIMARY)
        .values("account")
    )
    mine |= Q(assignee__isnull=True, account__in=own_accounts)
    return (
        Case.objects.filter(mine, status__in=ACTIVE)
        .select_related("account", "assignee")
        .defer(*HEAVY)
        .order_by(F("next_due").asc(nulls_last=True), "priority", "id")
    )


@dataclass
class MyCases:
    shown: list[Case]  # the MY_CASES soonest due
    total: int
    all_mine: QuerySet[Case]

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def my_case_list(user: User, now: datetime) -> MyCases:
    cases = my_cases(user, now)
    shown = list(cases[:MY_CASES])
    total = len(shown) if len(shown) < MY_CASES else cases.count()
    return MyCases(shown=shown, total=total, all_mine=cases)


@dataclass(frozen=True)
class DueTouchpoint:
    """A cadence on my day, judged at one instant: the badge and the lines agree."""

    state: CadenceState
    overdue: bool  # past its tolerance now
    started: bool  # its due time has come (overdue or within the tolerance)


@dataclass
class Touchpoints:
    cadences: list[DueTouchpoint]  # overdue or due within the week, soonest first
    meetings: list[Touchpoint]  # scheduled in the coming week
    # Other apps' due work (checklist re-validations), from ``psm.engagement.due``.
    others: list[DueThing] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for due in self.cadences if due.overdue) + sum(
            1 for thing in self.others if thing.overdue
        )


def my_touchpoints(user: User, now: datetime) -> Touchpoints:
    # Only the accounts the user can own a touchpoint of (their PSM or manager role): the
    # owner of every other due state is not worked out at all.
    theirs = Account.objects.filter(
        pk__in=Assignment.objects.current()
        .filter(engineer=user, role__in=[AssignmentRole.PRIMARY, AssignmentRole.MANAGER])
        .values("account")
    )
    return Touchpoints(
        cadences=[
            DueTouchpoint(
                state,
                overdue=state.overdue_now(now),
                started=state.next_due is not None and state.next_due <= now,
            )
            for state in due_states(owner=user, accounts=theirs, within=TOUCHPOINTS_AHEAD, now=now)
        ],
        meetings=list(
            Touchpoint.objects.filter(
                owner=user,
                status=TouchpointStatus.SCHEDULED,
                starts_at__gte=now - timedelta(hours=12),
                starts_at__lt=now + TOUCHPOINTS_AHEAD,
            )
            .select_related("account", "site")
            .order_by("starts_at")[:20]
        ),
        others=due_things(owner=user, accounts=theirs, within=TOUCHPOINTS_AHEAD, now=now),
    )


def recent_client_messages(user: User, now: datetime, cases: QuerySet[Case]) -> list[Message]:
    """What clients wrote lately on ``cases`` (the engineer's), newest first."""
    return list(
        Message.objects.filter(
            case__in=cases.values("pk"),
            direction=Direction.IN,
            is_automatic=False,
            created_at__gte=now - RECENT_MESSAGES,
        )
        .select_related("case__account", "author_contact")
        .defer("html", *(f"case__{name}" for name in HEAVY))
        .order_by("-created_at", "-id")[:MESSAGES_SHOWN]
    )


def engineer_case_figures(
    engineers: list[int], now: datetime, day_end: datetime, month_start: datetime
) -> dict[int, dict[str, int]]:
    """{engineer id: {"open", "due_today", "breaches"}} in three grouped queries."""
    found: dict[int, dict[str, int]] = defaultdict(
        lambda: {"open": 0, "due_today": 0, "breaches": 0}
    )
    active = Case.objects.filter(status__in=ACTIVE, assignee__in=engineers).order_by()
    for row in active.values("assignee").annotate(
        n=Count("*"), today=Count("next_due", filter=Q(next_due__lt=day_end))
    ):
        found[row["assignee"]]["open"] = row["n"]
        found[row["assignee"]]["due_today"] = row["today"]
    any_missed, per_kind = _missed_since(month_start)
    rows = (
        Case.objects.filter(any_missed, assignee__in=engineers)
        .values("assignee")
        .annotate(**per_kind)
        .order_by()
    )
    for row in rows:
        found[row["assignee"]]["breaches"] = sum(row[k] for k in BREACH_KINDS)
    return found
