"""Across accounts: my engagement, the advocacy ranking, satisfaction, feeds; the client page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Avg, Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.models import Contact
from psm.accounts.scoping import scope, visible_accounts
from psm.engagement.models import (
    OPEN_ADVOCACY,
    OPEN_WORK,
    AdvocacyItem,
    CalendarFeed,
    FeedScope,
    HandoverBrief,
    Survey,
    Touchpoint,
    TouchpointStatus,
    WorkItem,
)
from psm.engagement.services import feeds as feed_services
from psm.engagement.services.cadences import due_states
from psm.engagement.services.satisfaction import (
    engineer_scores,
    monthly_scores,
    survey_url,
)
from psm.engagement.services.work import advocacy_ranking
from psm.team.access import acting_user, clients_only, staff_only


@staff_only
def home(request: HttpRequest) -> HttpResponse:
    """My engagement: what is overdue or due soon, what I planned, what I was handed."""
    user = acting_user(request)
    now = timezone.now()
    accounts = visible_accounts(user)
    everyone = request.GET.get("all") == "1" or user.is_manager or user.is_admin
    states = due_states(
        accounts=accounts, owner=None if everyone else user, within=timedelta(days=14), now=now
    )
    context = {
        "states": states,
        "overdue": [s for s in states if s.overdue],
        "everyone": everyone,
        "upcoming": Touchpoint.objects.filter(
            account__in=accounts, status=TouchpointStatus.SCHEDULED, ends_at__gte=now
        )
        .filter(owner=user)
        .select_related("account", "site")
        .order_by("starts_at")[:15],
        "work_items": WorkItem.objects.filter(
            account__in=accounts, owner=user, status__in=OPEN_WORK
        )
        .select_related("account")
        .order_by("due_on")[:20],
        "briefs": HandoverBrief.objects.filter(recipient=user)
        .select_related("account", "absence__engineer")
        .order_by("-created_at")[:10],
        "now": now,
    }
    return render(request, "engagement/home.html", context)


@staff_only
def advocacy(request: HttpRequest) -> HttpResponse:
    items = scope(AdvocacyItem.objects.all(), request.user)
    return render(
        request,
        "engagement/advocacy.html",
        {
            "ranking": advocacy_ranking(items),
            "open_count": items.filter(status__in=OPEN_ADVOCACY).count(),
        },
    )


@staff_only
def satisfaction(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    surveys = scope(Survey.objects.all(), request.user).filter(
        answered_at__gte=now - timedelta(days=365)
    )
    per_account = (
        surveys.filter(answered_at__isnull=False)
        .values("account__slug", "account__name", "kind")
        .annotate(answers=Count("pk"), mean=Avg("score"))
        .order_by("account__name", "kind")
    )
    return render(
        request,
        "engagement/satisfaction.html",
        {
            "monthly": monthly_scores(surveys),
            "per_engineer": engineer_scores(surveys),
            "per_account": per_account,
            "low": surveys.filter(alerted_at__isnull=False)
            .select_related("account", "contact", "engineer")
            .order_by("-answered_at")[:20],
            "sent": surveys.count(),
        },
    )


@staff_only
def feeds(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        _, token = feed_services.create_feed(user, FeedScope.ENGINEER)
        request.session["new_feed_url"] = feed_services.feed_url(token)
        messages.success(request, "Calendar feed created. Copy its address now: it is shown once.")
        return redirect("engagement:feeds")
    return render(
        request,
        "engagement/feeds.html",
        {
            "feeds": CalendarFeed.objects.filter(owner=user).select_related("account"),
            "new_feed_url": request.session.pop("new_feed_url", None),
        },
    )


@require_POST
def feed_revoke(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed, pk=feed_id, owner=request.user)
    feed_services.revoke_feed(acting_user(request), feed)
    messages.success(request, "Calendar feed revoked: its address no longer works.")
    if getattr(request.user, "is_client", False):
        return redirect("engagement:portal")
    return redirect("engagement:feeds")


@clients_only
def portal(request: HttpRequest) -> HttpResponse:
    """The client's view: upcoming visits and events, their surveys, work and advocacy."""
    user = acting_user(request)
    contact = get_object_or_404(
        Contact.objects.select_related("account"), user=user, is_active=True
    )
    account = contact.account
    now = timezone.now()
    if request.method == "POST":
        _, token = feed_services.create_feed(user, FeedScope.ACCOUNT, account)
        request.session["new_feed_url"] = feed_services.feed_url(token)
        messages.success(request, "Calendar feed created. Copy its address now: it is shown once.")
        return redirect("engagement:portal")
    open_surveys = Survey.objects.filter(
        account=account, contact=contact, answered_at__isnull=True, expires_at__gt=now
    )
    return render(
        request,
        "engagement/portal.html",
        {
            "account": account,
            "contact": contact,
            "upcoming": Touchpoint.objects.filter(
                account=account, status=TouchpointStatus.SCHEDULED, ends_at__gte=now
            )
            .select_related("site", "owner")
            .order_by("starts_at"),
            "surveys": [(s, survey_url(s)) for s in open_surveys],
            "answered": Survey.objects.filter(
                account=account, contact=contact, answered_at__isnull=False
            )[:10],
            "work_items": account.work_items.exclude(status="cancelled")
            .select_related("owner")
            .prefetch_related("milestones")
            .order_by("status", "due_on"),
            "advocacy": account.advocacy_items.order_by("status", "-updated_at"),
            "feeds": CalendarFeed.objects.filter(owner=user, revoked_at__isnull=True),
            "new_feed_url": request.session.pop("new_feed_url", None),
        },
    )
