from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event

from psm.accounts.models import Account
from psm.accounts.scoping import get_visible_account, visible_accounts
from psm.coverage.adapters import Coverage, coverage_now, display_names, route_for
from psm.coverage.engine.holidays import HolidaySpec
from psm.coverage.models import HolidayCalendar
from psm.lib.forms import DateTimeInput
from psm.team.access import staff_only

PRIORITIES = ("P1", "P2", "P3", "P4")


@dataclass
class BoardRow:
    account: Account
    coverage: Coverage


@staff_only
def board(request: HttpRequest) -> HttpResponse:
    """For every account I can see: who covers now, open or closed and until when."""
    now = timezone.now()
    accounts = visible_accounts(request.user).select_related(
        "service_plan__holiday_calendar", "service_plan__on_call_rotation"
    )
    rows = [BoardRow(account, coverage_now(account, now)) for account in accounts.order_by("name")]
    return render(request, "coverage/board.html", {"rows": rows, "now": now})


class ExplainForm(forms.Form):
    priority = forms.ChoiceField(choices=[(p, p) for p in PRIORITIES], initial="P1")
    at = forms.DateTimeField(
        required=False,
        label="At (your time)",
        widget=DateTimeInput(),
        help_text="Leave empty for now.",
    )


@staff_only
def explain(request: HttpRequest, slug: str) -> HttpResponse:
    """'A P1 now would page Bob Roe because Jane Doe is on leave until 3 Dec …'"""
    account = get_visible_account(request.user, slug)
    form = ExplainForm(request.GET or None)
    viewer_zone = ZoneInfo(getattr(request.user, "timezone", "UTC") or "UTC")
    at = timezone.now()
    priority = "P1"
    if form.is_valid():
        priority = form.cleaned_data["priority"]
        if form.cleaned_data["at"]:
            at = form.cleaned_data["at"].replace(tzinfo=None).replace(tzinfo=viewer_zone)
    decisions = {p: route_for(account, p, at) for p in PRIORITIES}
    targets = {d.target for d in decisions.values() if d is not None}
    context = {
        "account": account,
        "form": form,
        "at": at,
        "priority": priority,
        "decision": decisions[priority],
        "decisions": decisions,
        "viewer_zone": viewer_zone.key,
        "names": display_names(targets),
    }
    return render(request, "coverage/explain.html", context)


def _holidays(calendar: HolidayCalendar) -> HolidaySpec:
    return HolidaySpec.from_dict(calendar.to_dict(), "holidays")


@staff_only
def holiday_list(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = get_object_or_404(HolidayCalendar, pk=calendar_id)
    year = _year(request)
    days = sorted(_holidays(calendar).names(year).items())
    return render(
        request,
        "coverage/holidays.html",
        {"calendar": calendar, "year": year, "days": days},
    )


@staff_only
def holiday_ics(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = get_object_or_404(HolidayCalendar, pk=calendar_id)
    year = _year(request)
    ical = ICalendar()
    ical.add("prodid", "-//PSM//Provider holidays//EN")
    ical.add("version", "2.0")
    ical.add("x-wr-calname", f"{calendar.name} {year}")
    for day, name in sorted(_holidays(calendar).names(year).items()):
        event = Event()
        event.add("uid", f"holiday-{calendar.pk}-{day.isoformat()}@psm")
        event.add("summary", name)
        event.add("dtstart", day)
        event.add("dtend", date.fromordinal(day.toordinal() + 1))
        event.add("dtstamp", timezone.now())
        event.add("transp", "TRANSPARENT")
        ical.add_component(event)
    response = HttpResponse(ical.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="holidays-{calendar.pk}-{year}.ics"'
    return response


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or str(timezone.localdate().year)
    if not raw.isdigit() or not 1900 <= int(raw) <= 2200:
        raise Http404("Give a year between 1900 and 2200.")
    return int(raw)
