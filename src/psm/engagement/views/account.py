"""The engagement tab of one account: cadences, touchpoints, work, advocacy, satisfaction."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.scoping import get_visible_account
from psm.engagement import timeline
from psm.engagement.forms import CadenceForm
from psm.engagement.models import (
    OPEN_ADVOCACY,
    OPEN_WORK,
    CadenceKind,
    CadenceRule,
    CadenceState,
    CalendarFeed,
    FeedScope,
    HandoverBrief,
    Survey,
    Touchpoint,
    TouchpointStatus,
)
from psm.engagement.services import cadences as cadence_services
from psm.engagement.services import feeds as feed_services
from psm.engagement.services.satisfaction import monthly_scores, nps
from psm.team.access import acting_user, staff_only


@staff_only
def tab(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    now = timezone.now()
    if not CadenceState.objects.filter(account=account).exists():
        cadence_services.refresh_cadences(account, now)
    states = cadence_services.due_states(account=account, within=timedelta(days=3660), now=now)
    rules = cadence_services.effective_rules(account)
    touchpoints = Touchpoint.objects.filter(account=account).select_related("owner", "site")
    surveys = Survey.objects.filter(account=account).select_related("contact", "engineer")
    nps_scores = [
        score
        for score in surveys.filter(
            kind="nps", answered_at__gte=now - timedelta(days=365)
        ).values_list("score", flat=True)
        if score is not None
    ]
    context = {
        "account": account,
        "now": now,
        "states": states,
        "rule_rows": [(kind, label, rules.get(kind)) for kind, label in CadenceKind.choices],
        "upcoming": touchpoints.filter(
            status=TouchpointStatus.SCHEDULED, ends_at__gte=now - timedelta(days=1)
        ).order_by("starts_at")[:20],
        "past": touchpoints.exclude(status=TouchpointStatus.SCHEDULED, ends_at__gte=now)[:15],
        "work_items": account.work_items.filter(status__in=OPEN_WORK)
        .select_related("owner")
        .prefetch_related("milestones"),
        "closed_work": account.work_items.exclude(status__in=OPEN_WORK).order_by("-closed_at")[:5],
        "advocacy": account.advocacy_items.select_related("owner").order_by(
            "status", "-updated_at"
        ),
        "open_advocacy": OPEN_ADVOCACY,
        "answers": surveys.filter(answered_at__isnull=False).order_by("-answered_at")[:10],
        "monthly": monthly_scores(surveys.filter(answered_at__gte=now - timedelta(days=365))),
        "nps": nps(nps_scores),
        "nps_answers": len(nps_scores),
        "briefs": HandoverBrief.objects.filter(account=account).select_related("recipient")[:5],
        "feeds": CalendarFeed.objects.filter(
            owner=acting_user(request), account=account, revoked_at__isnull=True
        ),
        "timeline": timeline.entries(
            account, now - timedelta(days=60), now + timedelta(days=3650), limit=15
        ),
        "new_feed_url": request.session.pop("new_feed_url", None),
    }
    return render(request, "engagement/account.html", context)


@staff_only
def cadence_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    if kind not in CadenceKind.values:
        raise PermissionDenied("No such cadence.")
    current = cadence_services.effective_rules(account).get(kind)
    override = CadenceRule.objects.filter(account=account, kind=kind).first()
    initial = {
        "rrule": override.rrule if override else (current.rrule if current else ""),
        "enabled": override.enabled if override else current is not None,
        "tolerance_days": current.tolerance_days if current else 2,
        "remind_days": current.remind_days if current else 3,
    }
    form = CadenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and "clear" in request.POST:
        cadence_services.clear_cadence_override(acting_user(request), account, kind)
        messages.success(request, "The account follows its plan again.")
        return redirect("engagement:account", account.slug)
    if request.method == "POST" and form.is_valid():
        try:
            cadence_services.set_cadence_override(
                acting_user(request), account, kind, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{CadenceKind(kind).label} cadence saved.")
            return redirect("engagement:account", account.slug)
    return render(
        request,
        "engagement/cadence_form.html",
        {
            "account": account,
            "form": form,
            "kind_label": CadenceKind(kind).label,
            "override": override,
            "current": current,
        },
    )


@staff_only
@require_POST
def account_feed(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    if "revoke" in request.POST:
        feed = get_object_or_404(
            CalendarFeed, pk=request.POST.get("revoke"), owner=request.user, account=account
        )
        feed_services.revoke_feed(acting_user(request), feed)
        messages.success(request, "Calendar feed revoked: its address no longer works.")
    else:
        _, token = feed_services.create_feed(acting_user(request), FeedScope.ACCOUNT, account)
        request.session["new_feed_url"] = feed_services.feed_url(token)
        messages.success(request, "Calendar feed created. Copy its address now: it is shown once.")
    return redirect("engagement:account", account.slug)


@staff_only
def brief(request: HttpRequest, slug: str, brief_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    item = get_object_or_404(
        HandoverBrief.objects.select_related("recipient", "absence__engineer"),
        pk=brief_id,
        account=account,
    )
    return render(
        request, "engagement/brief.html", {"account": account, "brief": item, "c": item.content}
    )
