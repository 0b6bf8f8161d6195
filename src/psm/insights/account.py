"""Account 360: everything the PSM must know about one account on one page, composed from
every app."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from psm.accounts.scoping import get_visible_account
from psm.coverage.adapters import coverage_now
from psm.insights import display, figures
from psm.insights.forms import TimelineFilter
from psm.insights.models import HealthSnapshot
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, staff_only
from psm.team.models import Absence, Assignment


@staff_only
def account_360(request: HtmxRequest, slug: str) -> HttpResponse:
    """Account 360: everything the PSM must know about one account on one page."""
    account = get_visible_account(request.user, slug)
    now = timezone.now()
    timeline_filter = TimelineFilter(request.GET or None)
    entries = timeline_filter.entries(account, now, include_internal=True)
    viewer = acting_user(request).timezone
    timeline = {
        "account": account,
        "timeline_filter": timeline_filter,
        "entries": entries,
        "timeline_rows": display.entry_rows(entries, viewer, account.timezone),
    }
    if request.htmx and request.htmx.target == "timeline":
        return render(request, "insights/_timeline.html", timeline)
    assignments = list(
        Assignment.objects.current().filter(account=account).select_related("engineer__engineer")
    )
    team_ids = [a.engineer_id for a in assignments]
    open_cases = list(figures.account_open_cases(account))
    for case in open_cases:
        case.account = account  # the page's account: no join, no query per row
    absences = Absence.objects.filter(engineer__in=team_ids, end__gt=now).select_related(
        "engineer", "substitute"
    )
    context = {
        **timeline,
        "plan": account.effective_plan(),
        "sites": account.sites.all(),
        "contacts": account.contacts.prefetch_related("emails").select_related("site", "user"),
        "installs": account.installs.select_related("product", "site"),
        "custom_values": account.custom_values.select_related("field"),
        "assignments": assignments,
        "absences": absences,
        "coverage": coverage_now(account, now),
        "open_cases": display.case_rows(open_cases, viewer, now),
        # The latest daily snapshot (one indexed row), linked to "why this score".
        "health": HealthSnapshot.objects.filter(account=account)
        .only("score", "band", "day")
        .first(),
        "now": now,
    }
    return render(request, "insights/account_360.html", context)
