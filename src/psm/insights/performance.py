"""PSM performance per engineer and period, added up from the engineers' daily rollups.

Definitions (shown on the page too):
- attainment: targets met ÷ targets settled in the period (first response, next update,
  resolution), a target counted on the day it was met or missed;
- median first response: the median covered time from opening to the first answer, over
  the first answers of the period (exact: each day keeps its list of times);
- cadence adherence: touchpoints held ÷ (held + cadences that went overdue) on the engineer's
  accounts;
- CSAT: the mean of the 1–5 answers about the engineer; NPS: % promoters − % detractors;
- workload: primary accounts now, open cases now, pages and after-hours pages received, cover
  given: cases taken on accounts they are not the primary PSM of, and days standing in for
  an absent colleague.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Sum

from psm.cases.models import ACTIVE, Case
from psm.engagement.models import Touchpoint, TouchpointKind
from psm.insights.models import EngineerDay
from psm.insights.rollups import COUNTERS
from psm.team.models import Absence, Assignment, AssignmentRole, User

PERIODS = {"week": "Week", "month": "Month", "quarter": "Quarter"}


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        if self.kind == "week":
            return f"Week of {self.start:%-d %b %Y}"
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"

    def previous(self) -> Period:
        return period_of(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return period_of(self.kind, self.end)

    def instants(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time(0), tzinfo=UTC),
            datetime.combine(self.end, time(0), tzinfo=UTC),
        )


def period_of(kind: str, day: date) -> Period:
    """The week (from Monday), month or quarter that holds ``day``."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
    elif kind == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    else:
        raise ValueError(f"a period is a week, month or quarter, not {kind!r}")
    months = 1 if kind == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return Period(kind, start, date(start.year + year, month + 1, 1))


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


@dataclass
class Figures:
    engineer: User
    counts: dict[str, int] = field(default_factory=dict)
    fr_seconds: list[int] = field(default_factory=list)
    cover_cases: int = 0
    cover_days: float = 0.0
    accounts: int = 0
    open_cases: int = 0

    def _pair(self, prefix: str) -> tuple[int, int]:
        met = self.counts.get(f"{prefix}_met", 0)
        return met, met + self.counts.get(f"{prefix}_missed", 0)

    @property
    def fr_attainment(self) -> float | None:
        return ratio(*self._pair("fr"))

    @property
    def nu_attainment(self) -> float | None:
        return ratio(*self._pair("nu"))

    @property
    def res_attainment(self) -> float | None:
        return ratio(*self._pair("res"))

    @property
    def targets(self) -> int:
        return sum(self._pair(p)[1] for p in ("fr", "nu", "res"))

    @property
    def attainment(self) -> float | None:
        pairs = [self._pair(p) for p in ("fr", "nu", "res")]
        return ratio(sum(p[0] for p in pairs), sum(p[1] for p in pairs))

    @property
    def median_fr_minutes(self) -> float | None:
        if not self.fr_seconds:
            return None
        return round(statistics.median(self.fr_seconds) / 60, 1)

    @property
    def cadence_adherence(self) -> float | None:
        kept = self.counts.get("cadence_kept", 0)
        return ratio(kept, kept + self.counts.get("cadence_missed", 0))

    @property
    def csat(self) -> float | None:
        n = self.counts.get("csat_count", 0)
        return None if n == 0 else round(self.counts.get("csat_sum", 0) / n, 2)

    @property
    def nps(self) -> float | None:
        p, s, d = (self.counts.get(f"nps_{k}", 0) for k in ("promoters", "passives", "detractors"))
        return None if p + s + d == 0 else round(100.0 * (p - d) / (p + s + d), 0)

    @property
    def nps_answers(self) -> int:
        return sum(self.counts.get(f"nps_{k}", 0) for k in ("promoters", "passives", "detractors"))

    @property
    def pages(self) -> int:
        return self.counts.get("pages", 0)

    @property
    def after_hours_pages(self) -> int:
        return self.counts.get("after_hours_pages", 0)


def figures(engineers: Sequence[User], period: Period, now: datetime) -> list[Figures]:
    """One row per engineer, from their day rows of the period and a few grouped queries."""
    ids = [e.pk for e in engineers]
    out = {e.pk: Figures(e, counts=dict.fromkeys(COUNTERS, 0)) for e in engineers}
    days = EngineerDay.objects.filter(
        engineer_id__in=ids, day__gte=period.start, day__lt=period.end
    )
    for row in (
        days.values("engineer_id")
        .annotate(**{c: Sum(c) for c in COUNTERS}, cover=Sum("cover_cases"))
        .order_by()
    ):
        item = out[row["engineer_id"]]
        item.counts = {c: row[c] or 0 for c in COUNTERS}
        item.cover_cases = row["cover"] or 0
    for engineer_id, seconds in days.exclude(fr_seconds=[]).values_list(
        "engineer_id", "fr_seconds"
    ):
        out[engineer_id].fr_seconds.extend(seconds)
    for row in (
        Assignment.objects.active_on(now.date())
        .filter(engineer_id__in=ids, role=AssignmentRole.PRIMARY)
        .values("engineer_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[row["engineer_id"]].accounts = row["n"]
    for row in (
        Case.objects.filter(assignee_id__in=ids, status__in=ACTIVE)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[row["assignee_id"]].open_cases = row["n"]
    start, end = period.instants()
    for absence in Absence.objects.overlapping(start, min(end, now)).filter(substitute_id__in=ids):
        overlap = min(absence.end, end, now) - max(absence.start, start)
        assert absence.substitute_id is not None  # filtered above
        out[absence.substitute_id].cover_days += max(0.0, overlap.total_seconds() / 86400)
    for item in out.values():
        item.cover_days = round(item.cover_days, 1)
    return [out[pk] for pk in ids]


def series(engineer: User, kind: str, count: int, now: datetime) -> list[tuple[Period, Figures]]:
    """The engineer's figures for the last ``count`` periods, oldest first (for the chart)."""
    periods = [period_of(kind, now.date())]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    periods.reverse()
    first, last = periods[0], periods[-1]
    rows = EngineerDay.objects.filter(engineer=engineer, day__gte=first.start, day__lt=last.end)
    per: dict[date, Figures] = {
        p.start: Figures(engineer, dict.fromkeys(COUNTERS, 0)) for p in periods
    }
    for day_row in rows.only(*COUNTERS, "day", "fr_seconds"):
        item = per[period_of(kind, day_row.day).start]
        for c in COUNTERS:
            item.counts[c] += getattr(day_row, c)
        item.fr_seconds.extend(day_row.fr_seconds)
    return [(p, per[p.start]) for p in periods]


def management_reviews(engineer: User, period: Period, accounts: Sequence[int]) -> list[Touchpoint]:
    """Management reviews of the period that rated the engineer or were held on their
    accounts, with the manager's rating and the outcomes."""
    start, end = period.instants()
    reviews = Touchpoint.objects.filter(
        kind=TouchpointKind.MANAGEMENT_REVIEW, starts_at__gte=start, starts_at__lt=end
    )
    found = reviews.filter(rated_engineer=engineer) | reviews.filter(account_id__in=accounts)
    return list(
        found.select_related("account", "owner", "rated_engineer").order_by("-starts_at")[:20]
    )


def accounts_of(engineer: User, now: datetime) -> list[int]:
    return list(
        Assignment.objects.active_on(now.date())
        .filter(engineer=engineer, role=AssignmentRole.PRIMARY)
        .values_list("account_id", flat=True)
    )
