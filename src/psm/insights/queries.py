"""Read-only queries behind the staff pages. Each answers for many rows in a fixed number of
queries (grouped aggregates, never one query per row), so pages stay flat as the book grows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet

from psm.accounts.models import Account
from psm.accounts.scoping import visible_accounts
from psm.insights import figures
from psm.team.models import Absence, Assignment, AssignmentRole, Role, User

UPCOMING_ABSENCES = timedelta(days=30)


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in a zone, as aware instants (DST-safe)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def month_start(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date().replace(day=1), time.min, tzinfo=ZoneInfo(zone))


@dataclass
class Covering:
    """An account I cover today that is not mine: as a substitute for an absent colleague."""

    account: Account
    for_engineer: User
    until: datetime
    reason: str


def covering_today(user: User, now: datetime) -> list[Covering]:
    """Accounts whose primary PSM is away some time today with ``user`` as the substitute."""
    start, end = day_bounds(now.astimezone(ZoneInfo(user.timezone)).date(), user.timezone)
    absences = list(
        Absence.objects.overlapping(max(start, now), end)
        .filter(substitute=user)
        .select_related("engineer")
    )
    if not absences:
        return []
    by_engineer = {a.engineer_id: a for a in absences}
    primaries = (
        Assignment.objects.active_on(now.date())
        .filter(role=AssignmentRole.PRIMARY, engineer__in=by_engineer)
        .select_related("account")
        .order_by("account__name")
    )
    return [
        Covering(
            account=p.account,
            for_engineer=by_engineer[p.engineer_id].engineer,
            until=by_engineer[p.engineer_id].end,
            reason=by_engineer[p.engineer_id].reason,
        )
        for p in primaries
    ]


def my_accounts(user: User, now: datetime) -> QuerySet[Account]:
    """Accounts where ``user`` is the primary PSM today."""
    return (
        Account.objects.filter(
            pk__in=Assignment.objects.active_on(now.date())
            .filter(engineer=user, role=AssignmentRole.PRIMARY)
            .values("account")
        )
        .select_related("service_plan")
        .order_by("name")
    )


@dataclass
class AbsenceNote:
    engineer: User
    start: datetime
    end: datetime
    substitute: User | None


@dataclass
class BookRow:
    account: Account
    psm: User | None
    open_by_priority: dict[str, int] = field(default_factory=dict)
    breaches_this_month: int = 0
    last_contact: datetime | None = None
    absences: list[AbsenceNote] = field(default_factory=list)

    @property
    def open_cases(self) -> int:
        return sum(self.open_by_priority.values())

    @property
    def chips(self) -> list[tuple[str, int]]:
        """(priority, open cases) for P1–P4, zeros included: the table's chips."""
        return [(p, self.open_by_priority.get(p, 0)) for p in PRIORITIES]


PRIORITIES = ("P1", "P2", "P3", "P4")

SORTS: dict[str, Callable[[BookRow], Any]] = {
    "account": lambda r: r.account.name.lower(),
    "psm": lambda r: (r.psm is None, r.psm.display_name.lower() if r.psm else ""),
    "open": lambda r: -r.open_cases,
    "p1": lambda r: (-r.open_by_priority.get("P1", 0), -r.open_cases),
    "breaches": lambda r: -r.breaches_this_month,
    # Longest without contact first: that is the account to look at.
    "contact": lambda r: r.last_contact.timestamp() if r.last_contact else float("-inf"),
    "absence": lambda r: r.absences[0].start.timestamp() if r.absences else float("inf"),
}


def book(
    user: User, now: datetime, sort: str = "account", descending: bool = False
) -> list[BookRow]:
    """The visible book of accounts, one row each, sorted; a fixed number of queries."""
    visible = visible_accounts(user)
    # Only what the table shows: plans, notes and overrides stay in the database.
    accounts = list(visible.only("id", "name", "slug", "timezone").order_by("name"))
    pairs = dict(
        Assignment.objects.active_on(now.date())
        .filter(role=AssignmentRole.PRIMARY, account__in=visible.values("pk"))
        .values_list("account_id", "engineer_id")
    )
    # A hundred engineers for two thousand accounts: each user is built once.
    people = User.objects.in_bulk(set(pairs.values()))
    primaries = {account: people[engineer] for account, engineer in pairs.items()}
    absences: dict[int, list[AbsenceNote]] = defaultdict(list)
    for ab in (
        Absence.objects.overlapping(now, now + UPCOMING_ABSENCES)
        .filter(engineer__in={u.pk for u in primaries.values()})
        .select_related("engineer", "substitute")
        .order_by("start")
    ):
        absences[ab.engineer_id].append(AbsenceNote(ab.engineer, ab.start, ab.end, ab.substitute))
    open_cases = figures.open_by_priority(visible)
    breaches = figures.breaches_since(visible, month_start(now, user.timezone))
    contacted = figures.last_contact(visible, now)
    rows = [
        BookRow(
            account=a,
            psm=primaries.get(a.pk),
            absences=absences.get(primaries[a.pk].pk, []) if a.pk in primaries else [],
            open_by_priority=open_cases.get(a.pk, {}),
            breaches_this_month=breaches.get(a.pk, 0),
            last_contact=contacted.get(a.pk),
        )
        for a in accounts
    ]
    key = SORTS.get(sort, SORTS["account"])
    rows.sort(key=key, reverse=descending)
    return rows


@dataclass
class Load:
    engineer: User
    primary: int = 0
    substitute: int = 0
    covering_now: int = 0
    open_cases: int = 0
    due_today: int = 0
    breaches_this_month: int = 0
    absence: AbsenceNote | None = None


def team_of(user: User) -> QuerySet[User]:
    """The engineers a person manages (administrators: every provider engineer)."""
    people = User.objects.filter(role__in=[Role.ENGINEER, Role.MANAGER], is_active=True)
    if user.is_admin:
        return people.order_by("first_name", "last_name")
    return people.filter(engineer__manager=user).order_by("first_name", "last_name")


def workload(user: User, now: datetime) -> list[Load]:
    engineers = list(team_of(user))
    ids = [e.pk for e in engineers]
    loads = {e.pk: Load(engineer=e) for e in engineers}
    counts = (
        Assignment.objects.active_on(now.date())
        .filter(engineer__in=ids)
        .values("engineer", "role")
        .annotate(n=Count("id"))
    )
    for row in counts:
        load = loads[row["engineer"]]
        if row["role"] == AssignmentRole.PRIMARY:
            load.primary = row["n"]
        elif row["role"] == AssignmentRole.SUBSTITUTE:
            load.substitute = row["n"]
    absent_now: dict[int, Absence] = {}
    for ab in (
        Absence.objects.overlapping(now, now + UPCOMING_ABSENCES)
        .filter(engineer__in=ids)
        .select_related("engineer", "substitute")
        .order_by("-start")
    ):
        loads[ab.engineer_id].absence = AbsenceNote(ab.engineer, ab.start, ab.end, ab.substitute)
        if ab.start <= now and ab.substitute_id in loads:
            absent_now[ab.engineer_id] = ab
    if absent_now:
        covered = (
            Assignment.objects.active_on(now.date())
            .filter(role=AssignmentRole.PRIMARY, engineer__in=absent_now)
            .values("engineer")
            .annotate(n=Count("id"))
        )
        for row in covered:
            substitute = absent_now[row["engineer"]].substitute_id
            assert substitute is not None
            loads[substitute].covering_now += row["n"]
    _, day_end = day_bounds(now.astimezone(ZoneInfo(user.timezone)).date(), user.timezone)
    cases = figures.engineer_case_figures(ids, now, day_end, month_start(now, user.timezone))
    for pk, load in loads.items():
        numbers = cases.get(pk)
        if numbers:
            load.open_cases = numbers["open"]
            load.due_today = numbers["due_today"]
            load.breaches_this_month = numbers["breaches"]
    return list(loads.values())
