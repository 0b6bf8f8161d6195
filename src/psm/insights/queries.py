"""Read-only queries behind the staff pages. Each answers for many rows in a fixed number of
queries (grouped aggregates, never one query per row), so pages stay flat as the book grows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from psm.accounts.models import Account
from psm.accounts.scoping import visible_accounts
from psm.insights import display, figures
from psm.lib.urls import Urls
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


def days_ago(days: int) -> str:
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


@dataclass
class BookRow:
    account: Account
    psm: User | None
    open_by_priority: dict[str, int] = field(default_factory=dict)
    breaches_this_month: int = 0
    last_contact: datetime | None = None
    absences: list[AbsenceNote] = field(default_factory=list)
    now: datetime | None = None
    url: str = ""
    viewer_zone: str = ""  # the reader's zone, for the last contact's day

    @property
    def last_contact_iso(self) -> str:
        return display.iso(self.last_contact) if self.last_contact else ""

    @property
    def last_contact_day(self) -> str:
        """ "25 Nov" in the reader's zone."""
        return display.local(self.last_contact, self.viewer_zone, "j M")

    @property
    def last_contact_ago(self) -> str:
        """ "today", "yesterday", "12 days ago", "3 months ago": whole days, no template filter."""
        if self.last_contact is None or self.now is None:
            return ""
        return days_ago((self.now - self.last_contact).days)

    @property
    def open_cases(self) -> int:
        return sum(self.open_by_priority.values())

    @property
    def chips(self) -> list[tuple[str, int]]:
        """(priority, open cases) for P1–P4, zeros included: the table's chips."""
        return [(p, self.open_by_priority.get(p, 0)) for p in PRIORITIES]


PRIORITIES = ("P1", "P2", "P3", "P4")

# The book's columns, each sortable both ways.
SORTS = ("account", "psm", "open", "p1", "breaches", "contact", "absence")


def book(
    user: User,
    now: datetime,
    sort: str = "account",
    descending: bool = False,
    number: int | str | None = 1,
    per_page: int = 100,
) -> Page[BookRow]:
    """One page of the visible book of accounts, sorted; a fixed number of queries.

    The whole book is sorted on plain values (ids, names, numbers; no model instances), and
    only the figure being sorted on is computed for every account: the page's other figures,
    and its accounts, are read for the page's rows alone."""
    visible = visible_accounts(user)
    names = dict(visible.order_by("name").values_list("pk", "name"))
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

    def away(pk: int) -> list[AbsenceNote]:
        psm = primaries.get(pk)
        return absences.get(psm.pk, []) if psm is not None else []

    since = month_start(now, user.timezone)
    open_cases = figures.open_by_priority(visible) if sort in ("open", "p1") else None
    breaches = figures.breaches_since(visible, since) if sort == "breaches" else None
    contacted = figures.last_contact(visible, now) if sort == "contact" else None

    def open_count(pk: int) -> int:
        return sum((open_cases or {}).get(pk, {}).values())

    def contact_key(pk: int) -> float:
        at = (contacted or {}).get(pk)
        return at.timestamp() if at else float("-inf")

    def absence_key(pk: int) -> float:
        notes = away(pk)
        return notes[0].start.timestamp() if notes else float("inf")

    def psm_key(pk: int) -> tuple[bool, str]:
        psm = primaries.get(pk)
        return (psm is None, psm.display_name.lower() if psm else "")

    keys: dict[str, Callable[[int], Any]] = {
        "account": lambda pk: names[pk].lower(),
        "psm": psm_key,
        # Every key ascending (fewest first); the page offers "most first" as the first click.
        "open": open_count,
        "p1": lambda pk: ((open_cases or {}).get(pk, {}).get("P1", 0), open_count(pk)),
        "breaches": lambda pk: (breaches or {}).get(pk, 0),
        # Longest without contact first: that is the account to look at.
        "contact": contact_key,
        "absence": absence_key,
    }
    ids = list(names)  # by name: equal keys keep that order
    ids.sort(key=keys.get(sort, keys["account"]), reverse=descending)
    page = Paginator(ids, per_page).get_page(number)
    shown_ids = list(page.object_list)
    shown = Account.objects.filter(pk__in=shown_ids)
    if open_cases is None:
        open_cases = figures.open_by_priority(shown)
    if breaches is None:
        breaches = figures.breaches_since(shown, since)
    if contacted is None:
        contacted = figures.last_contact(shown, now)
    # Only what the table shows: plans, notes and overrides stay in the database.
    accounts = shown.only("id", "name", "slug", "timezone").in_bulk()
    urls = Urls()
    rows = [
        BookRow(
            account=accounts[pk],
            url=urls("insights:account", accounts[pk].slug),
            viewer_zone=user.timezone,
            psm=primaries.get(pk),
            absences=away(pk),
            open_by_priority=open_cases.get(pk, {}),
            breaches_this_month=breaches.get(pk, 0),
            last_contact=contacted.get(pk),
            now=now,
        )
        for pk in shown_ids
        if pk in accounts
    ]
    return Page(rows, page.number, cast("Paginator[BookRow]", page.paginator))


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


def workload(user: User, now: datetime, engineers: list[User] | None = None) -> list[Load]:
    """One row per engineer of ``engineers`` (default: everyone ``team_of(user)``)."""
    if engineers is None:
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
