"""Daily rollups per account and per engineer, and the ledger of settled SLA targets.

How the rows stay current:
- a case's SLA target settles (``cases.events.sla_settled``: a reply, a resolution, the breach
  sweep): its ``SlaOutcome`` is written and that day's rows of the account and the engineer
  are recomputed at once;
- a page starts (``paging.events.page_triggered``): the same for the account and the engineer
  paged;
- the sweep (``tasks.roll_up``) recomputes today and yesterday for every account and engineer
  from the source rows, which also counts what has no event (cases opened, surveys answered,
  touchpoints held, cadences gone overdue) and heals anything missed.

Every recomputation reads one UTC day of indexed columns and writes whole rows (an upsert),
so running it twice, or two at once, gives the same rows.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from psm.accounts.models import Account
from psm.cases.events import SlaSettled
from psm.cases.models import Case
from psm.coverage.adapters import plan_spec
from psm.coverage.engine.calendar import Calendar
from psm.coverage.engine.plan import PlanSpec
from psm.engagement.models import (
    CADENCE_OF,
    CadenceState,
    Survey,
    SurveyKind,
    Touchpoint,
    TouchpointStatus,
)
from psm.insights.models import AccountDay, BookDay, EngineerDay, SlaOutcome
from psm.lib.bulk import insert
from psm.lib.events import after
from psm.paging.events import PageEvent
from psm.paging.models import Page, PageStep, StepKind
from psm.team.models import Assignment, AssignmentRole

COUNTERS = (
    "fr_met", "fr_missed", "nu_met", "nu_missed", "res_met", "res_missed", "pages",
    "after_hours_pages", "cases_opened", "after_hours_cases", "csat_sum", "csat_count",
    "nps_promoters", "nps_passives", "nps_detractors", "cadence_kept", "cadence_missed",
)  # fmt: skip
SLA_FIELDS = {"first_response": "fr", "next_update": "nu", "resolution": "res"}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def utc_day(instant: datetime) -> date:
    return instant.astimezone(UTC).date()


# -- the ledger ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _spec(spec_json: str) -> PlanSpec:
    return PlanSpec.from_dict(json.loads(spec_json))


def _case_spec(coverage: dict[str, Any]) -> PlanSpec | None:
    spec = coverage.get("spec") if isinstance(coverage, dict) else None
    if not spec:
        return None
    return _spec(json.dumps(spec, sort_keys=True))


def covered_seconds(case: Case, until: datetime) -> int | None:
    """Covered time from the case's opening to ``until`` under the plan it opened with, the
    pauses taken out (what the first-response clock counted)."""
    spec = _case_spec(case.coverage)
    if spec is None or until < case.opened_at:
        return None
    calendar = spec.calendar_for(case.priority)
    pauses = [(s, e or until) for s, e in case.pause_intervals() if s < until]
    return int(calendar.covered_between(case.opened_at, until, pauses).total_seconds())


def outcome_key(case_id: int, kind: str, due: datetime) -> str:
    if kind == "next_update":
        return f"{case_id}:nu:{int(due.timestamp())}"
    return f"{case_id}:{SLA_FIELDS[kind]}"


def _new_outcome(event: SlaSettled, key: str) -> SlaOutcome:
    case = event.case
    seconds = None
    if event.kind == "first_response" and case.first_response_at is not None:
        seconds = covered_seconds(case, case.first_response_at)
    return SlaOutcome(
        key=key,
        case=case,
        account_id=case.account_id,
        engineer_id=case.assignee_id,
        kind=event.kind,
        priority=case.priority,
        due=event.due,
        settled_at=event.at,
        met=event.met,
        covered_seconds=seconds,
    )


def record_outcome(event: SlaSettled) -> SlaOutcome:
    """Write the ledger row of a settled target, or update it when it settles again: a target
    missed by the sweep and answered late stays missed (the answer adds the covered time);
    a case resolved again after reopening counts its latest resolution."""
    case = event.case
    key = outcome_key(case.pk, event.kind, event.due)
    existing = SlaOutcome.objects.filter(key=key).first()
    if existing is None:
        outcome = _new_outcome(event, key)
        outcome.save(force_insert=True)
        return outcome
    seconds = None
    if event.kind == "first_response" and case.first_response_at is not None:
        seconds = covered_seconds(case, case.first_response_at)
    if event.kind == "resolution":
        existing.due, existing.settled_at, existing.met = event.due, event.at, event.met
    else:
        existing.met = existing.met and event.met
    if seconds is not None:
        existing.covered_seconds = seconds
    existing.save(update_fields=["due", "settled_at", "met", "covered_seconds"])
    return existing


def record_outcomes(events: Sequence[SlaSettled]) -> list[SlaOutcome]:
    """``record_outcome`` for a batch (the breach sweep's thousands): the new targets' rows in
    one INSERT; a target already in the ledger (or twice in the batch) is updated in turn."""
    keys = [outcome_key(e.case.pk, e.kind, e.due) for e in events]
    known = set(SlaOutcome.objects.filter(key__in=keys).values_list("key", flat=True))
    new: list[SlaOutcome] = []
    again: list[SlaSettled] = []
    for event, key in zip(events, keys, strict=True):
        if key in known:
            again.append(event)
        else:
            known.add(key)
            new.append(_new_outcome(event, key))
    insert(new, returning=False)
    return new + [record_outcome(event) for event in again]


def on_sla_settled(event: SlaSettled) -> None:
    """Subscriber of ``cases.events.sla_settled``: one settled target."""
    on_sla_settled_many([event])


def on_sla_settled_many(events: Sequence[SlaSettled]) -> None:
    """Batch subscriber of ``cases.events.sla_settled``: the ledger rows, then each day's rows
    of the accounts and engineers concerned, recomputed once per day for the whole batch."""
    days: dict[date, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for outcome in record_outcomes(events):
        accounts, engineers = days[utc_day(outcome.settled_at)]
        accounts.add(outcome.account_id)
        if outcome.engineer_id:
            engineers.add(outcome.engineer_id)
    for day, (accounts, engineers) in sorted(days.items()):
        # Once per sweep, not per chunk (``psm.lib.events.after``); the nightly pass heals.
        after(("insights.roll_up_day", day), _roll_up, {day}, accounts, engineers)


def _roll_up(days: set[date], accounts: set[int], engineers: set[int]) -> None:
    for day in sorted(days):
        roll_up_day(day, accounts=sorted(accounts), engineers=sorted(engineers))


def on_page(event: PageEvent) -> None:
    """Subscriber of ``paging.events.page_triggered``."""
    page = event.page
    engineers = [page.target_id] if page.target_id else []
    roll_up_day(utc_day(page.opened_at), accounts=[page.account_id], engineers=engineers)


# -- recomputing days ------------------------------------------------------------------------


@dataclass
class _Rows:
    accounts: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(_zero))
    engineers: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(_zero))
    fr_seconds: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    cover: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


class _BusinessHours:
    """Is an instant outside an account's business hours (the plan's calendar, not 7x24)?"""

    def __init__(self) -> None:
        self._by_account: dict[int, Calendar | None] = {}

    def load(self, account_ids: Iterable[int]) -> None:
        missing = [pk for pk in set(account_ids) if pk not in self._by_account]
        for account in Account.objects.filter(pk__in=missing).select_related("service_plan"):
            self._by_account[account.pk] = plan_spec(account).business_calendar()

    def after_hours(self, account_id: int, at: datetime) -> bool:
        calendar = self._by_account.get(account_id)
        return calendar is not None and not calendar.is_open(at)


def _in(queryset: Any, column: str, ids: list[int] | None) -> Any:
    return queryset if ids is None else queryset.filter(**{f"{column}__in": ids})


def _sla(rows: _Rows, start: datetime, end: datetime, accounts: Any, engineers: Any) -> None:
    settled = SlaOutcome.objects.filter(settled_at__gte=start, settled_at__lt=end)
    for row in (
        _in(settled, "account_id", accounts)
        .values("account_id", "kind", "met")
        .annotate(n=Count("*"))
        .order_by()
    ):
        column = f"{SLA_FIELDS[row['kind']]}_{'met' if row['met'] else 'missed'}"
        rows.accounts[row["account_id"]][column] += row["n"]
    mine = _in(settled.filter(engineer_id__isnull=False), "engineer_id", engineers)
    for row in mine.values("engineer_id", "kind", "met").annotate(n=Count("*")).order_by():
        column = f"{SLA_FIELDS[row['kind']]}_{'met' if row['met'] else 'missed'}"
        rows.engineers[row["engineer_id"]][column] += row["n"]
    answered = mine.filter(kind="first_response", covered_seconds__isnull=False)
    for engineer_id, seconds in answered.values_list("engineer_id", "covered_seconds"):
        rows.fr_seconds[engineer_id].append(seconds)


def _cases(rows: _Rows, start: datetime, end: datetime, accounts: Any, engineers: Any) -> None:
    opened = Case.objects.filter(opened_at__gte=start, opened_at__lt=end)
    if accounts is not None and engineers is not None:
        opened = opened.filter(account_id__in=accounts) | opened.filter(assignee_id__in=engineers)
    found = list(
        opened.values_list("account_id", "assignee_id", "priority", "opened_at", "coverage")
    )
    if not found:
        return
    primary = dict(
        Assignment.objects.active_on(start.date())
        .filter(role=AssignmentRole.PRIMARY, account_id__in={r[0] for r in found})
        .values_list("account_id", "engineer_id")
    )
    for account_id, assignee_id, _priority, opened_at, coverage in found:
        spec = _case_spec(coverage)
        late = spec is not None and not spec.business_calendar().is_open(opened_at)
        if accounts is None or account_id in accounts:
            rows.accounts[account_id]["cases_opened"] += 1
            rows.accounts[account_id]["after_hours_cases"] += late
        if assignee_id is not None and (engineers is None or assignee_id in engineers):
            rows.engineers[assignee_id]["cases_opened"] += 1
            rows.engineers[assignee_id]["after_hours_cases"] += late
            if primary.get(account_id) not in (None, assignee_id):
                rows.cover[assignee_id] += 1


def _pages(rows: _Rows, start: datetime, end: datetime, accounts: Any, engineers: Any) -> None:
    hours = _BusinessHours()
    pages = list(
        _in(
            Page.objects.filter(opened_at__gte=start, opened_at__lt=end), "account_id", accounts
        ).values_list("account_id", "opened_at")
    )
    steps = list(
        _in(
            PageStep.objects.filter(
                kind=StepKind.PAGED, at__gte=start, at__lt=end, user__isnull=False
            ),
            "user_id",
            engineers,
        ).values_list("user_id", "page__account_id", "at")
    )
    hours.load([a for a, _ in pages] + [a for _, a, _ in steps])
    for account_id, opened_at in pages:
        rows.accounts[account_id]["pages"] += 1
        rows.accounts[account_id]["after_hours_pages"] += hours.after_hours(account_id, opened_at)
    for user_id, account_id, at in steps:
        rows.engineers[user_id]["pages"] += 1
        rows.engineers[user_id]["after_hours_pages"] += hours.after_hours(account_id, at)


def _surveys(rows: _Rows, start: datetime, end: datetime, accounts: Any, engineers: Any) -> None:
    answered = Survey.objects.filter(answered_at__gte=start, answered_at__lt=end)
    answered = answered.filter(kind__in=[SurveyKind.CSAT, SurveyKind.NPS])
    for account_id, engineer_id, kind, score in answered.values_list(
        "account_id", "engineer_id", "kind", "score"
    ):
        targets = []
        if accounts is None or account_id in accounts:
            targets.append(rows.accounts[account_id])
        if engineer_id is not None and (engineers is None or engineer_id in engineers):
            targets.append(rows.engineers[engineer_id])
        if score is None:
            continue
        for target in targets:
            if kind == SurveyKind.CSAT:
                target["csat_sum"] += score
                target["csat_count"] += 1
            elif score >= 9:
                target["nps_promoters"] += 1
            elif score >= 7:
                target["nps_passives"] += 1
            else:
                target["nps_detractors"] += 1


def _cadences(rows: _Rows, start: datetime, end: datetime, accounts: Any, engineers: Any) -> None:
    held = Touchpoint.objects.filter(
        status=TouchpointStatus.COMPLETED,
        completed_at__gte=start,
        completed_at__lt=end,
        kind__in=list(CADENCE_OF),
    )
    for account_id, owner_id in held.values_list("account_id", "owner_id"):
        if accounts is None or account_id in accounts:
            rows.accounts[account_id]["cadence_kept"] += 1
        if engineers is None or owner_id in engineers:
            rows.engineers[owner_id]["cadence_kept"] += 1
    late = list(
        CadenceState.objects.filter(
            overdue=True, overdue_at__gte=start, overdue_at__lt=end
        ).values_list("account_id", flat=True)
    )
    if not late:
        return
    owner = dict(
        Assignment.objects.active_on(start.date())
        .filter(role=AssignmentRole.PRIMARY, account_id__in=late)
        .values_list("account_id", "engineer_id")
    )
    for account_id in late:
        if accounts is None or account_id in accounts:
            rows.accounts[account_id]["cadence_missed"] += 1
        engineer_id = owner.get(account_id)
        if engineer_id is not None and (engineers is None or engineer_id in engineers):
            rows.engineers[engineer_id]["cadence_missed"] += 1


def roll_up_day(
    day: date,
    *,
    accounts: list[int] | None = None,
    engineers: list[int] | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Recompute ``day``'s rows of the given accounts and engineers (None: everyone; an empty
    list: none). Returns how many account and engineer rows were written."""
    now = now or timezone.now()
    start, end = day_bounds(day)
    rows = _Rows()
    for gather in (_sla, _cases, _pages, _surveys, _cadences):
        gather(rows, start, end, accounts, engineers)
    # Rows of this day that now count nothing are written as zeros, not left stale.
    stale_accounts = _in(AccountDay.objects.filter(day=day), "account_id", accounts)
    for account_id in stale_accounts.values_list("account_id", flat=True):
        rows.accounts[account_id]
    stale_engineers = _in(EngineerDay.objects.filter(day=day), "engineer_id", engineers)
    for engineer_id in stale_engineers.values_list("engineer_id", flat=True):
        rows.engineers[engineer_id]
    account_rows = [
        AccountDay(account_id=pk, day=day, computed_at=now, **counts)
        for pk, counts in rows.accounts.items()
        if accounts is None or pk in accounts
    ]
    engineer_rows = [
        EngineerDay(
            engineer_id=pk,
            day=day,
            computed_at=now,
            fr_seconds=sorted(rows.fr_seconds.get(pk, [])),
            cover_cases=rows.cover.get(pk, 0),
            **counts,
        )
        for pk, counts in rows.engineers.items()
        if engineers is None or pk in engineers
    ]
    for chunk in _chunks(account_rows):
        AccountDay.objects.bulk_create(
            chunk,
            update_conflicts=True,
            unique_fields=["account", "day"],
            update_fields=[*COUNTERS, "computed_at"],
        )
    for chunk in _chunks(engineer_rows):
        EngineerDay.objects.bulk_create(
            chunk,
            update_conflicts=True,
            unique_fields=["engineer", "day"],
            update_fields=[*COUNTERS, "fr_seconds", "cover_cases", "computed_at"],
        )
    if account_rows:
        roll_up_book_day(day, now)
    return len(account_rows), len(engineer_rows)


def roll_up_book_day(day: date, now: datetime) -> None:
    """The book's row of ``day``: the sum of the day's account rows. Its row is locked before
    summing, so of two roll-ups of one day the second sums after the first has committed."""
    with transaction.atomic():
        BookDay.objects.bulk_create([BookDay(day=day, computed_at=now)], ignore_conflicts=True)
        BookDay.objects.select_for_update().filter(day=day).values_list("pk").get()
        sums = AccountDay.objects.filter(day=day).aggregate(**{c: Sum(c) for c in COUNTERS})
        BookDay.objects.filter(day=day).update(
            computed_at=now, **{c: value or 0 for c, value in sums.items()}
        )


def _chunks(rows: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# -- rebuilding history ----------------------------------------------------------------------


def backfill_outcomes(since: datetime, until: datetime, batch: int = 5000) -> int:
    """Ledger rows for first-response and resolution targets of cases opened in [since, until)
    from the cases themselves (installing insights on a running service). Next-update targets
    leave no trace on a case once answered, so their history starts with the ledger."""
    written = 0
    cases = (
        Case.objects.filter(opened_at__gte=since, opened_at__lt=until)
        .only(
            "id",
            "account_id",
            "assignee_id",
            "priority",
            "opened_at",
            "coverage",
            "pauses",
            "first_response_at",
            "first_response_due",
            "first_response_breached",
            "resolved_at",
            "resolution_due",
            "resolution_breached",
        )
        .order_by("id")
    )
    last = 0
    while True:
        chunk = list(cases.filter(id__gt=last)[:batch])
        if not chunk:
            return written
        last = chunk[-1].pk
        found: list[SlaOutcome] = []
        for case in chunk:
            found.extend(_case_outcomes(case))
        SlaOutcome.objects.bulk_create(found, batch_size=1000, ignore_conflicts=True)
        written += len(found)


def _case_outcomes(case: Case) -> Iterator[SlaOutcome]:
    common = {"case_id": case.pk, "account_id": case.account_id, "engineer_id": case.assignee_id}
    due = case.first_response_due
    if due is not None and (case.first_response_at is not None or case.first_response_breached):
        answered = case.first_response_at
        yield SlaOutcome(
            key=outcome_key(case.pk, "first_response", due),
            kind="first_response",
            priority=case.priority,
            due=due,
            settled_at=answered if answered and not case.first_response_breached else due,
            met=not case.first_response_breached,
            covered_seconds=covered_seconds(case, answered) if answered else None,
            **common,
        )
    due = case.resolution_due
    if due is not None and case.resolved_at is not None:
        yield SlaOutcome(
            key=outcome_key(case.pk, "resolution", due),
            kind="resolution",
            priority=case.priority,
            due=due,
            settled_at=case.resolved_at,
            met=not case.resolution_breached,
            **common,
        )


def rebuild(since: date, until: date, now: datetime | None = None) -> int:
    """Backfill the ledger and recompute every day in [since, until]; returns days done."""
    now = now or timezone.now()
    start, _ = day_bounds(since)
    _, end = day_bounds(until)
    backfill_outcomes(start, end)
    day, done = since, 0
    while day <= until:
        roll_up_day(day, now=now)
        day += timedelta(days=1)
        done += 1
    return done
