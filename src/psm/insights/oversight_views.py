"""Management oversight: the manager dashboard, PSM performance, the SLA evidence list."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from psm.accounts.scoping import visible_accounts
from psm.coverage.models import ServicePlan
from psm.insights import dashboard, performance, queries
from psm.insights.export import csv_response
from psm.insights.forms import PeriodForm
from psm.insights.health.scoring import BANDS
from psm.insights.models import SLA_KINDS, SlaOutcome
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, managers_only, staff_only
from psm.team.models import User

SLA_PAGE = 50
MOVES_SHOWN = 25


def _period(request: HtmxRequest, now: datetime) -> tuple[PeriodForm, performance.Period]:
    asked = PeriodForm(request.GET)
    kind, day = "month", now.date()
    if asked.is_valid():
        kind = asked.cleaned_data["period"] or kind
        day = asked.cleaned_data["start"] or day
    elif request.GET.get("period") or request.GET.get("start"):
        return asked, performance.period_of(kind, day)  # shown with its errors
    period = performance.period_of(kind, day)
    return PeriodForm(initial={"period": period.kind, "start": period.start}), period


def _engineer_rows(items: list[performance.Figures]) -> list[list[Any]]:
    return [
        [
            f.engineer.display_name,
            f.fr_attainment,
            f.median_fr_minutes,
            f.nu_attainment,
            f.res_attainment,
            f.cadence_adherence,
            f.csat,
            f.nps,
            f.accounts,
            f.open_cases,
            f.pages,
            f.after_hours_pages,
            f.cover_cases,
            f.cover_days,
        ]
        for f in items
    ]


ENGINEER_HEADER = [
    "engineer", "first response %", "median first response (min, covered)", "next update %",
    "resolution %", "cadence adherence %", "CSAT (1-5)", "NPS", "accounts", "open cases",
    "pages", "after-hours pages", "cover cases", "cover days",
]  # fmt: skip


@managers_only
def manager_dashboard(request: HtmxRequest) -> HttpResponse:
    """The book's health distribution, accounts moving between bands, SLA attainment over
    time and the engineers side by side; every chart links to its evidence."""
    user = acting_user(request)
    now = timezone.now()
    accounts = dashboard.visible_ids(user)
    day = dashboard.latest_day(accounts)
    bands = dashboard.distribution(accounts, day)
    moves = dashboard.movers(accounts, day)
    weeks = dashboard.sla_weeks(accounts, now)
    form, period = _period(request, now)
    team = list(queries.team_of(user)[:50])
    engineers = performance.figures(team, period, now)
    export = request.GET.get("export")
    if export == "bands":
        return csv_response(
            f"health-distribution-{day}.csv",
            ["band", "accounts"],
            ([b.label, b.count] for b in bands),
        )
    if export == "movers":
        return csv_response(
            f"band-moves-{day}.csv",
            ["account", "from band", "from score", "to band", "to score"],
            ([m.name, m.before_label, m.before_score, m.label, m.score] for m in moves),
        )
    if export == "sla":
        return csv_response(
            "sla-attainment-by-week.csv",
            ["week from", "targets met", "targets", "attainment %"],
            ([w.start, w.met, w.total, w.attainment] for w in weeks),
        )
    if export == "engineers":
        return csv_response(
            f"engineers-{period.start}.csv", ENGINEER_HEADER, _engineer_rows(engineers)
        )
    band_list = reverse("insights:health-list")
    sla_list = reverse("insights:sla")
    context: dict[str, Any] = {
        "now": now,
        "day": day,
        "bands": bands,
        "moves": moves[:MOVES_SHOWN],
        "moves_total": len(moves),
        "moves_worse": sum(m.worse for m in moves),
        "weeks": weeks,
        "engineers": engineers,
        "period": period,
        "form": form,
        "band_chart": dashboard.chart(
            "bar",
            "Accounts per health band",
            [b.label for b in bands],
            [
                {
                    "label": "Accounts",
                    "data": [b.count for b in bands],
                    "backgroundColor": [b.colour for b in bands],
                }
            ],
            links=[f"{band_list}?band={b.band}" for b in bands],
        ),
        "sla_chart": dashboard.chart(
            "line",
            "SLA attainment per week",
            [w.start.isoformat() for w in weeks],
            [{"label": "Targets met (%)", "data": [w.attainment for w in weeks]}],
            links=[
                f"{sla_list}?from={w.start}&to={w.start + timedelta(days=6)}&missed=1"
                for w in weeks
            ],
            y_max=100,
            unit="%",
        ),
        "engineer_chart": dashboard.chart(
            "bar",
            f"SLA attainment per engineer, {period.label}",
            [f.engineer.display_name for f in engineers],
            [
                {"label": "First response %", "data": [f.fr_attainment for f in engineers]},
                {"label": "Next update %", "data": [f.nu_attainment for f in engineers]},
                {"label": "Resolution %", "data": [f.res_attainment for f in engineers]},
            ],
            links=[
                reverse("insights:engineer-performance", args=[f.engineer.username])
                + f"?period={period.kind}&start={period.start}"
                for f in engineers
            ],
            y_max=100,
            unit="%",
        ),
        "band_names": BANDS,
        "plans": list(ServicePlan.objects.order_by("name").only("name", "slug"))
        if user.is_admin
        else [],
    }
    return render(request, "insights/dashboard.html", context)


def _visible_engineer(user: User, username: str) -> User:
    """Oneself, a person one manages, or anyone for an administrator; else 404."""
    engineer = get_object_or_404(User, username=username, is_active=True)
    if engineer == user or user.is_admin:
        return engineer
    if user.is_manager and queries.team_of(user).filter(pk=engineer.pk).exists():
        return engineer
    raise Http404("No such engineer")


@staff_only
def my_performance(request: HtmxRequest) -> HttpResponse:
    user = acting_user(request)
    return _performance(request, user, user)


@staff_only
def engineer_performance(request: HtmxRequest, username: str) -> HttpResponse:
    user = acting_user(request)
    return _performance(request, user, _visible_engineer(user, username))


def _performance(request: HtmxRequest, viewer: User, engineer: User) -> HttpResponse:
    now = timezone.now()
    form, period = _period(request, now)
    figures = performance.figures([engineer], period, now)[0]
    history = performance.series(engineer, period.kind, 6, now)
    accounts = performance.accounts_of(engineer, now)
    reviews = performance.management_reviews(engineer, period, accounts)
    if request.GET.get("export") == "csv":
        return csv_response(
            f"{engineer.username}-{period.kind}-{period.start}.csv",
            ["period", *ENGINEER_HEADER[1:8], "pages", "after-hours pages"],
            (
                [
                    p.label,
                    f.fr_attainment,
                    f.median_fr_minutes,
                    f.nu_attainment,
                    f.res_attainment,
                    f.cadence_adherence,
                    f.csat,
                    f.nps,
                    f.pages,
                    f.after_hours_pages,
                ]
                for p, f in history
            ),
        )
    team = list(queries.team_of(viewer)) if viewer.is_manager or viewer.is_admin else []
    sla_list = reverse("insights:sla")
    last_day = period.end - timedelta(days=1)
    evidence = f"{sla_list}?engineer={engineer.username}&from={period.start}&to={last_day}"
    context: dict[str, Any] = {
        "engineer": engineer,
        "is_self": engineer == viewer,
        "figures": figures,
        "history": history,
        "reviews": reviews,
        "period": period,
        "form": form,
        "team": team,
        "evidence_url": evidence,
        "history_chart": dashboard.chart(
            "line",
            f"{engineer.display_name}: SLA attainment per {period.kind}",
            [p.label for p, _ in history],
            [
                {"label": "First response %", "data": [f.fr_attainment for _, f in history]},
                {"label": "Next update %", "data": [f.nu_attainment for _, f in history]},
                {"label": "Resolution %", "data": [f.res_attainment for _, f in history]},
            ],
            links=[
                f"{sla_list}?engineer={engineer.username}&from={p.start}"
                f"&to={p.end - timedelta(days=1)}"
                for p, _ in history
            ],
            y_max=100,
            unit="%",
        ),
    }
    return render(request, "insights/performance.html", context)


@staff_only
def sla_outcomes(request: HtmxRequest) -> HttpResponse:
    """The SLA targets behind a figure: by account, engineer, kind, days and missed only."""
    user = acting_user(request)
    accounts = visible_accounts(user)
    found = SlaOutcome.objects.filter(account_id__in=accounts.values("pk"))
    filters: dict[str, str] = {}
    slug = request.GET.get("account", "")
    if slug:
        found = found.filter(account__slug=slug)
        filters["account"] = slug
    username = request.GET.get("engineer", "")
    if username:
        found = found.filter(engineer=_visible_engineer(user, username))
        filters["engineer"] = username
    kind = request.GET.get("kind", "")
    if kind:
        if kind not in dict(SLA_KINDS):
            raise Http404("No such kind of target")
        found = found.filter(kind=kind)
        filters["kind"] = kind
    for name, op in (("from", "gte"), ("to", "lt")):
        raw = request.GET.get(name, "")
        if not raw:
            continue
        day = parse_date(raw)
        if day is None:
            return HttpResponse(f"“{raw}” is not a date (YYYY-MM-DD).", status=400)
        if name == "to":
            day += timedelta(days=1)
        found = found.filter(**{f"settled_at__{op}": datetime.combine(day, time(0), tzinfo=UTC)})
        filters[name] = raw
    if request.GET.get("missed"):
        found = found.filter(met=False)
        filters["missed"] = "1"
    found = found.select_related("case", "account", "engineer").order_by("-settled_at", "-id")
    if request.GET.get("export") == "csv":
        return csv_response(
            "sla-targets.csv",
            [
                "case",
                "account",
                "engineer",
                "target",
                "priority",
                "due (UTC)",
                "settled (UTC)",
                "met",
                "covered minutes to first response",
            ],
            (
                [
                    o.case.reference,
                    o.account.name,
                    o.engineer.display_name if o.engineer else "",
                    o.get_kind_display(),
                    o.priority,
                    o.due.isoformat(),
                    o.settled_at.isoformat(),
                    "yes" if o.met else "no",
                    None if o.covered_seconds is None else round(o.covered_seconds / 60, 1),
                ]
                for o in found.iterator()
            ),
        )
    page = Paginator(found, SLA_PAGE).get_page(request.GET.get("page"))
    met = found.filter(met=True).count()
    total = page.paginator.count
    for outcome in page.object_list:
        if outcome.covered_seconds is not None:
            outcome.covered_minutes = round(outcome.covered_seconds / 60, 1)
    names = {"account": "Account", "engineer": "Engineer", "kind": "Target", "from": "From",
             "to": "To", "missed": "Missed only"}  # fmt: skip
    kinds = dict(SLA_KINDS)
    shown = [
        (names[k], kinds.get(v, v) if k == "kind" else ("yes" if k == "missed" else v))
        for k, v in filters.items()
    ]
    context = {
        "page": page,
        "filters": filters,
        "shown_filters": shown,
        "met": met,
        "total": total,
        "kinds": SLA_KINDS,
        "query": urlencode(filters),
    }
    return render(request, "insights/sla.html", context)
