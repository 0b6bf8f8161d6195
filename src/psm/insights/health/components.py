"""The built-in health components. Each measures many accounts with a few grouped queries
(on the daily rollups where the figure is one), never a query per account.

Other apps add theirs in their own ``health.py`` (see ``psm.lib.health``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse

from psm.accounts.models import Account
from psm.cases.models import ACTIVE, Case
from psm.engagement.models import CadenceState, Survey, SurveyKind
from psm.insights import figures
from psm.insights.models import AccountDay
from psm.lib.health import Component, Evidence, Measurement, ramp
from psm.paging.models import Page

SLA_DAYS = 90
SATISFACTION_DAYS = 90
PAGE_DAYS = 30
EVIDENCE_ITEMS = 8


def _ids(accounts: Sequence[Account]) -> list[int]:
    return [a.pk for a in accounts]


def _slug(accounts: Sequence[Account]) -> dict[int, str]:
    return {a.pk: a.slug for a in accounts}


def _cases_url(slug: str, **params: str) -> str:
    return reverse("cases:list") + "?" + urlencode({"account": slug, **params})


def _sla_url(slug: str, **params: str) -> str:
    return reverse("insights:sla") + "?" + urlencode({"account": slug, **params})


def _sums(
    accounts: Sequence[Account], since: datetime, columns: Sequence[str], until: datetime
) -> dict[int, dict[str, int]]:
    rows = (
        AccountDay.objects.filter(
            account_id__in=_ids(accounts), day__gte=since.date(), day__lte=until.date()
        )
        .values("account_id")
        .annotate(**{c: Sum(c) for c in columns})
        .order_by()
    )
    return {r["account_id"]: {c: r[c] or 0 for c in columns} for r in rows}


class SlaAttainment(Component):
    name = "sla"
    label = "SLA attainment, last 90 days"
    unit = "% of targets met"
    default_weight = 25
    order = 10
    normalisation = "100 at 100 % met, 0 at 70 % or less, a straight line between."

    def measure(self, accounts: Sequence[Account], now: datetime) -> dict[int, Measurement]:
        since = now - timedelta(days=SLA_DAYS)
        cols = ("fr_met", "fr_missed", "nu_met", "nu_missed", "res_met", "res_missed")
        slugs = _slug(accounts)
        out = {}
        for pk, sums in _sums(accounts, since, cols, now).items():
            met = sums["fr_met"] + sums["nu_met"] + sums["res_met"]
            missed = sums["fr_missed"] + sums["nu_missed"] + sums["res_missed"]
            if met + missed == 0:
                continue
            pct = 100.0 * met / (met + missed)
            window = {"from": since.date().isoformat(), "to": now.date().isoformat()}
            evidence = [
                Evidence(
                    f"{missed} missed of {met + missed} targets",
                    _sla_url(slugs[pk], missed="1", **window),
                    f"first response {sums['fr_missed']}, next update {sums['nu_missed']}, "
                    f"resolution {sums['res_missed']} missed",
                ),
                Evidence(f"All {met + missed} targets", _sla_url(slugs[pk], **window)),
            ]
            out[pk] = Measurement(
                round(pct, 1), ramp(pct, 70, 100), f"{pct:.1f} % met", tuple(evidence)
            )
        return out


class OpenUrgentAge(Component):
    name = "urgent_age"
    label = "Age of open P1 and P2 cases"
    unit = "hours (the oldest open P1 or P2)"
    default_weight = 20
    order = 20
    normalisation = (
        "The worse of two lines: a P1 scores 100 when under 2 hours old and 0 at 24 hours; "
        "a P2 scores 100 under 8 hours and 0 at 5 days. No open P1 or P2 scores 100."
    )

    def measure(self, accounts: Sequence[Account], now: datetime) -> dict[int, Measurement]:
        open_cases: dict[int, list[Case]] = defaultdict(list)
        rows = (
            Case.objects.filter(
                account_id__in=_ids(accounts), status__in=ACTIVE, priority__in=["P1", "P2"]
            )
            .only("id", "account_id", "reference", "title", "priority", "opened_at")
            .order_by("opened_at")
        )
        for case in rows:
            open_cases[case.account_id].append(case)
        slugs = _slug(accounts)
        out = {}
        for account in accounts:
            cases = open_cases.get(account.pk, [])
            if not cases:
                out[account.pk] = Measurement(
                    0, 100.0, "no open P1 or P2", (Evidence("No open P1 or P2 case"),)
                )
                continue
            score, oldest = 100.0, 0.0
            for case in cases:
                hours = (now - case.opened_at).total_seconds() / 3600
                oldest = max(oldest, hours)
                line = ramp(hours, 24, 2) if case.priority == "P1" else ramp(hours, 120, 8)
                score = min(score, line)
            evidence = [
                Evidence(
                    f"{c.reference} ({c.priority}) {c.title}",
                    c.get_absolute_url(),
                    f"open {(now - c.opened_at).total_seconds() / 3600:.0f} h",
                )
                for c in cases[:EVIDENCE_ITEMS]
            ]
            evidence.append(
                Evidence(f"All {len(cases)} open P1/P2 cases", _cases_url(slugs[account.pk]))
            )
            out[account.pk] = Measurement(
                round(oldest, 1), score, f"oldest {oldest:.0f} h", tuple(evidence)
            )
        return out


class OverdueTouchpoints(Component):
    name = "touchpoints"
    label = "Overdue touchpoints"
    unit = "cadences overdue (check-ins, visits, reviews, surveys)"
    default_weight = 15
    order = 30
    normalisation = "100 with none overdue, 0 with 3 or more, a straight line between."

    def measure(self, accounts: Sequence[Account], now: datetime) -> dict[int, Measurement]:
        states: dict[int, list[CadenceState]] = defaultdict(list)
        for state in CadenceState.objects.filter(account_id__in=_ids(accounts)).order_by(
            "next_due"
        ):
            states[state.account_id].append(state)
        slugs = _slug(accounts)
        out = {}
        for pk, tracked in states.items():
            overdue = [s for s in tracked if s.overdue]
            url = reverse("engagement:account", args=[slugs[pk]])
            evidence = [
                Evidence(
                    f"{s.get_kind_display()} overdue",
                    url,
                    f"due {s.next_due:%Y-%m-%d} UTC" if s.next_due else "",
                )
                for s in overdue
            ] or [Evidence(f"{len(tracked)} cadences on time", url)]
            out[pk] = Measurement(
                len(overdue), ramp(len(overdue), 3, 0), f"{len(overdue)} overdue", tuple(evidence)
            )
        return out


def satisfaction_index(csat_sum: int, csat_count: int, promoters: int, passives: int,
                       detractors: int) -> float | None:  # fmt: skip
    """0–100: the mean of CSAT (1–5 mapped to 0–100) and NPS (−100…100 mapped to 0–100), of
    those with answers."""
    parts = []
    if csat_count:
        parts.append((csat_sum / csat_count - 1) / 4 * 100)
    answers = promoters + passives + detractors
    if answers:
        parts.append((100 * (promoters - detractors) / answers + 100) / 2)
    return sum(parts) / len(parts) if parts else None


class SatisfactionTrend(Component):
    name = "satisfaction"
    label = "Satisfaction trend (CSAT and NPS)"
    unit = "satisfaction index 0–100, last 90 days, with its change"
    default_weight = 15
    order = 40
    normalisation = (
        "The index (the mean of CSAT 1–5 and NPS −100…100, each put on 0–100) plus half its "
        "change from the 90 days before (at most ±10 points); 100 at 90 or more, 0 at 40 or less."
    )

    def measure(self, accounts: Sequence[Account], now: datetime) -> dict[int, Measurement]:
        cols = ("csat_sum", "csat_count", "nps_promoters", "nps_passives", "nps_detractors")
        recent = _sums(accounts, now - timedelta(days=SATISFACTION_DAYS), cols, now)
        both = _sums(accounts, now - timedelta(days=2 * SATISFACTION_DAYS), cols, now)
        low = defaultdict(list)
        for survey in (
            Survey.objects.filter(
                account_id__in=list(recent),
                answered_at__gte=now - timedelta(days=SATISFACTION_DAYS),
                kind__in=[SurveyKind.CSAT, SurveyKind.NPS],
            )
            .select_related("contact")
            .order_by("score", "-answered_at")
        ):
            if survey.is_low:
                low[survey.account_id].append(survey)
        slugs = _slug(accounts)
        out = {}
        for pk, sums in recent.items():
            index = satisfaction_index(*(sums[c] for c in cols))
            if index is None:
                continue
            before = {c: both.get(pk, {}).get(c, 0) - sums[c] for c in cols}
            previous = satisfaction_index(*(before[c] for c in cols))
            change = 0.0 if previous is None else max(-20.0, min(20.0, index - previous))
            effective = index + change / 2
            url = reverse("engagement:account", args=[slugs[pk]])
            evidence = [
                Evidence(
                    f"CSAT {sums['csat_sum'] / sums['csat_count']:.1f}/5 from "
                    f"{sums['csat_count']} answers"
                    if sums["csat_count"]
                    else "No CSAT answers",
                    url,
                ),
                Evidence(_nps_text(sums), url),
                Evidence(
                    "No earlier answers to compare"
                    if previous is None
                    else f"Index {previous:.0f} in the 90 days before ({change:+.0f})",
                    url,
                ),
            ]
            evidence += [
                Evidence(
                    f"Low score {s.score} from {s.contact.name if s.contact else 'a contact'}",
                    url,
                    s.subject,
                )
                for s in low.get(pk, [])[:EVIDENCE_ITEMS]
            ]
            trend = "" if previous is None else f" ({change:+.0f})"
            out[pk] = Measurement(
                round(index, 1), ramp(effective, 40, 90), f"{index:.0f}{trend}", tuple(evidence)
            )
        return out


def _nps_text(sums: dict[str, int]) -> str:
    answers = sums["nps_promoters"] + sums["nps_passives"] + sums["nps_detractors"]
    if not answers:
        return "No NPS answers"
    nps = 100 * (sums["nps_promoters"] - sums["nps_detractors"]) / answers
    return f"NPS {nps:+.0f} from {answers} answers"


class LastContact(Component):
    name = "last_contact"
    label = "Days since the last contact"
    unit = "days since our last update or touchpoint"
    default_weight = 10
    order = 60
    normalisation = "100 within 7 days, 0 at 45 days or more, a straight line between."

    def measure(self, accounts: Sequence[Account], now: datetime) -> dict[int, Measurement]:
        found = figures.last_contact(Account.objects.filter(pk__in=_ids(accounts)), now)
        slugs = _slug(accounts)
        out = {}
        for pk, at in found.items():
            days = max(0.0, (now - at).total_seconds() / 86400)
            url = reverse("insights:account", args=[slugs[pk]]) + "#timeline"
            evidence = (Evidence(f"Last contact {at:%Y-%m-%d %H:%M} UTC", url),)
            out[pk] = Measurement(round(days, 1), ramp(days, 45, 7), f"{days:.0f} days", evidence)
        return out


class PagesAfterHours(Component):
    name = "pages"
    label = "Pages and after-hours contacts, last 30 days"
    unit = "pages plus cases opened outside business hours"
    default_weight = 15
    order = 70
    normalisation = "100 with none, 0 at 10 or more, a straight line between."

    def measure(self, accounts: Sequence[Account], now: datetime) -> dict[int, Measurement]:
        since = now - timedelta(days=PAGE_DAYS)
        sums = _sums(accounts, since, ("pages", "after_hours_pages", "after_hours_cases"), now)
        pages: dict[int, list[Page]] = defaultdict(list)
        for page in (
            Page.objects.filter(account_id__in=_ids(accounts), opened_at__gte=since)
            .only("id", "account_id", "priority", "opened_at", "status")
            .order_by("-opened_at")
        ):
            pages[page.account_id].append(page)
        slugs = _slug(accounts)
        out = {}
        for account in accounts:
            row = sums.get(account.pk, {})
            n_pages, late_pages = row.get("pages", 0), row.get("after_hours_pages", 0)
            late_cases = row.get("after_hours_cases", 0)
            value = n_pages + late_cases
            evidence = [
                Evidence(
                    f"Page {p.priority} {p.opened_at:%Y-%m-%d %H:%M} UTC",
                    p.get_absolute_url(),
                    p.get_status_display(),
                )
                for p in pages.get(account.pk, [])[:EVIDENCE_ITEMS]
            ]
            evidence.append(
                Evidence(
                    f"{n_pages} pages ({late_pages} after hours), "
                    f"{late_cases} cases opened after hours",
                    _cases_url(slugs[account.pk], status="all", sort="opened"),
                )
            )
            out[account.pk] = Measurement(
                value, ramp(value, 10, 0), f"{value} in 30 days", tuple(evidence)
            )
        return out


BUILT_IN: tuple[Component, ...] = (
    SlaAttainment(),
    OpenUrgentAge(),
    OverdueTouchpoints(),
    SatisfactionTrend(),
    LastContact(),
    PagesAfterHours(),
)
