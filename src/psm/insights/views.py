"""Staff home pages: an engineer's day, the manager's overview of the book, global search."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from psm.insights import display, figures, queries
from psm.insights.search import search as run_search
from psm.lib.htmx import HtmxRequest
from psm.paging.queries import pages_waiting_for
from psm.team.access import acting_user, managers_only, staff_only

BOOK_PAGE = 100
WORKLOAD_PAGE = 50
POLL_SECONDS = 30


@staff_only
def my_day(request: HtmxRequest) -> HttpResponse:
    user = acting_user(request)
    now = timezone.now()
    _, day_end = queries.day_bounds(now.astimezone(ZoneInfo(user.timezone)).date(), user.timezone)
    mine = figures.my_case_list(user, now)
    cases = display.case_rows(mine.shown, user.timezone, now)
    context: dict[str, Any] = {
        "now": now,
        "poll_seconds": POLL_SECONDS,
        "waiting": list(pages_waiting_for(user)),
        "cases": cases,
        "more_cases": mine.more,
        "breaching_today": [
            r for r in cases if r.case.next_due is not None and r.case.next_due < day_end
        ],
        "day_end": day_end,
        "client_messages": figures.recent_client_messages(user, now, mine.all_mine),
        "touchpoints": figures.my_touchpoints(user, now),
        "covering": queries.covering_today(user, now),
        "my_accounts": list(queries.my_accounts(user, now)),
    }
    # The poll asks for the panels only; the same URL serves the whole page.
    template = "insights/_my_day.html" if request.htmx else "insights/my_day.html"
    return render(request, template, context)


@managers_only
def overview(request: HtmxRequest) -> HttpResponse:
    user = acting_user(request)
    now = timezone.now()
    sort = request.GET.get("sort", "account")
    if sort.lstrip("-") not in queries.SORTS:
        sort = "account"
    page = queries.book(
        user,
        now,
        sort.lstrip("-"),
        descending=sort.startswith("-"),
        number=request.GET.get("page"),
        per_page=BOOK_PAGE,
    )
    context: dict[str, Any] = {
        "now": now,
        "page": page,
        "sort": sort,
        "priorities": queries.PRIORITIES,
        # (key, label, the first click's direction: counts most first, the rest A→Z,
        # the oldest contact and the soonest absence first)
        "columns": [
            ("account", "Account", ""),
            ("psm", "PSM", ""),
            ("open", "Open cases", "-"),
            ("p1", "By priority", "-"),
            ("breaches", "Breaches this month", "-"),
            ("contact", "Last contact", ""),
            ("absence", "Upcoming absences", ""),
        ],
    }
    if request.htmx:  # a new sort or page of the book: the table alone
        return render(request, "insights/_book.html", context)
    # A manager's team fits one page; an administrator's hundred-odd people are paged.
    people = Paginator(queries.team_of(user), WORKLOAD_PAGE).get_page(request.GET.get("people"))
    context["people"] = people
    context["workload"] = queries.workload(user, now, list(people.object_list))
    return render(request, "insights/overview.html", context)


@staff_only
def search(request: HtmxRequest) -> HttpResponse:
    user = acting_user(request)
    results = run_search(user, request.GET.get("q", ""))
    template = "insights/_search_results.html" if request.htmx else "insights/search.html"
    return render(request, template, {"results": results})
