"""Account health pages: why this score (with its trend), the weights forms, accounts by band."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date

from psm.accounts.scoping import get_visible_account
from psm.coverage.models import ServicePlan
from psm.insights import dashboard, services
from psm.insights.export import csv_response
from psm.insights.forms import HealthWeightsForm
from psm.insights.health.compute import health_from_snapshot, health_of, weights_of
from psm.insights.health.scoring import BAND_LABELS, BAND_RANGES
from psm.insights.models import HealthSnapshot, HealthWeights
from psm.lib.health import components
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, managers_only, staff_only


@staff_only
def account_health(request: HtmxRequest, slug: str) -> HttpResponse:
    """Why this score: every component with its value, score, weight, contribution and the
    evidence behind it; the daily trend."""
    account = get_visible_account(request.user, slug)
    now = timezone.now()
    day = request.GET.get("day", "")
    if day:  # a day of the trend: the snapshot as it was computed then
        parsed = parse_date(day) if len(day) == 10 else None
        if parsed is None:
            return HttpResponse(f"“{day}” is not a date (YYYY-MM-DD).", status=400)
        snapshot = get_object_or_404(HealthSnapshot, account=account, day=parsed)
        health = health_from_snapshot(snapshot)
    else:
        health = health_of(account, now)
    if request.GET.get("export") == "csv":
        return csv_response(
            f"{account.slug}-health.csv",
            ["component", "value", "score", "weight %", "contribution", "evidence"],
            (
                [
                    line.label,
                    line.display,
                    None if line.score is None else round(line.score, 1),
                    line.weight_percent,
                    line.contribution,
                    "; ".join(e.label for e in line.evidence),
                ]
                for line in health.lines
            ),
        )
    snapshots = dashboard.trend(account, now)
    trend_chart = dashboard.chart(
        "line",
        f"Health of {account.name}, last 90 days",
        [s.day.isoformat() for s in snapshots],
        [
            {
                "label": "Score",
                "data": [None if s.score is None else float(s.score) for s in snapshots],
            }
        ],
        links=[f"?day={s.day.isoformat()}" for s in snapshots],
        y_max=100,
    )
    user = acting_user(request)
    context: dict[str, Any] = {
        "account": account,
        "health": health,
        "snapshots": snapshots,
        "trend_chart": trend_chart,
        "bands": BAND_RANGES,
        "can_weigh": user.is_manager or user.is_admin,
        "day": day,
        "now": now,
    }
    return render(request, "insights/health.html", context)


@managers_only
def account_weights(request: HtmxRequest, slug: str) -> HttpResponse:
    """An account's overrides of its plan's component weights."""
    account = get_visible_account(request.user, slug)
    registered = components()
    own = HealthWeights.objects.filter(account=account).first()
    plan_only = HealthWeights.objects.filter(plan_id=account.service_plan_id).first()
    inherited = weights_of([account], registered)[account.pk]
    # What a blank field falls back to: the plan's weight, else the default.
    fallback = {
        c.name: (
            (float(plan_only.weights[c.name]), "plan")
            if plan_only and c.name in plan_only.weights
            else (float(c.default_weight), "default")
        )
        for c in registered
    }
    form = HealthWeightsForm(
        request.POST or None,
        components=registered,
        current=own.weights if own else {},
        inherited=fallback,
    )
    if request.method == "POST" and form.is_valid():
        services.set_health_weights(acting_user(request), account=account, weights=form.weights())
        messages.success(request, f"Health weights of {account.name} saved.")
        return redirect("insights:health", account.slug)
    context = {
        "form": form,
        "title": f"Health weights: {account.name}",
        "intro": f"Overrides of the {account.service_plan.name} plan's weights for this account.",
        "back": ("insights:health", account.slug),
        "inherited": inherited,
    }
    return render(request, "insights/weights_form.html", context)


@managers_only
def plan_weights(request: HtmxRequest, plan_slug: str) -> HttpResponse:
    """A plan's component weights (administrators)."""
    if not acting_user(request).is_admin:
        raise PermissionDenied("Only administrators set a plan's health weights.")
    plan = get_object_or_404(ServicePlan, slug=plan_slug)
    registered = components()
    own = HealthWeights.objects.filter(plan=plan).first()
    form = HealthWeightsForm(
        request.POST or None,
        components=registered,
        current=own.weights if own else {},
        inherited={c.name: (float(c.default_weight), "default") for c in registered},
    )
    if request.method == "POST" and form.is_valid():
        services.set_health_weights(acting_user(request), plan=plan, weights=form.weights())
        messages.success(request, f"Health weights of the {plan.name} plan saved.")
        return redirect("insights:dashboard")
    context = {
        "form": form,
        "title": f"Health weights: {plan.name} plan",
        "intro": "Every account on this plan uses these weights unless it overrides one.",
        "back": ("insights:dashboard",),
    }
    return render(request, "insights/weights_form.html", context)


@managers_only
def accounts_by_band(request: HtmxRequest) -> HttpResponse:
    """The accounts in a band on the latest snapshot day (the distribution's drill-down)."""
    band = request.GET.get("band", "")
    if band and band not in BAND_LABELS:
        raise Http404("No such band")
    user = acting_user(request)
    accounts = dashboard.visible_ids(user)
    day = dashboard.latest_day(accounts)
    found = dashboard.in_band(accounts, day, band)
    if request.GET.get("export") == "csv":
        return csv_response(
            f"health-{band or 'all'}-{day}.csv",
            ["account", "slug", "score", "band", "day"],
            ([s.account.name, s.account.slug, s.score, BAND_LABELS[s.band], s.day] for s in found),
        )
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "band": band,
        "band_label": BAND_LABELS.get(band, "All bands"),
        "day": day,
        "bands": BAND_RANGES,
    }
    return render(request, "insights/health_list.html", context)
