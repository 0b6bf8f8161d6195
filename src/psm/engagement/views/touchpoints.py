"""Touchpoint pages: plan a visit, event or review, log a check-in, complete, invite, attend."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.models import Account
from psm.accounts.scoping import get_visible_account
from psm.engagement import ical
from psm.engagement.forms import CheckInLogForm, CompleteForm, TouchpointForm
from psm.engagement.models import (
    OPEN_WORK,
    FollowUp,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from psm.engagement.services import touchpoints as services
from psm.engagement.services.invitations import send_invitations
from psm.engagement.services.people import primary_psm
from psm.team.access import acting_user, staff_only

TITLES = {
    TouchpointKind.CHECK_IN: "Check-in",
    TouchpointKind.SITE_VISIT: "Site visit",
    TouchpointKind.MANAGEMENT_REVIEW: "Management review",
    TouchpointKind.EVENT: "Training session",
}


def _touchpoint(request: HttpRequest, slug: str, touchpoint_id: int) -> tuple[Account, Touchpoint]:
    account = get_visible_account(request.user, slug)
    touchpoint = get_object_or_404(
        Touchpoint.objects.select_related("account", "owner", "site", "rated_engineer"),
        pk=touchpoint_id,
        account=account,
    )
    return account, touchpoint


@staff_only
def create(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    if kind not in TouchpointKind.values:
        raise Http404("No such kind of touchpoint.")
    user = acting_user(request)
    if kind == TouchpointKind.MANAGEMENT_REVIEW and not services.may_hold_reviews(user):
        raise PermissionDenied("Management reviews are the PSM manager's own contact.")
    owner = user if kind == TouchpointKind.MANAGEMENT_REVIEW else (primary_psm(account) or user)
    form = TouchpointForm(
        request.POST or None,
        account=account,
        kind=kind,
        initial={
            "owner": owner,
            "title": f"{TITLES[TouchpointKind(kind)]} — {account.name}",
            "site": account.sites.first(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            touchpoint = services.schedule_touchpoint(
                user,
                account,
                kind,
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                owner=data["owner"],
                site=data.get("site"),
                location=data.get("location", ""),
                agenda=data.get("agenda", ""),
                contacts=data.get("contacts") or [],
                staff=data.get("staff") or [],
                travel_from=data.get("travel_from"),
                travel_to=data.get("travel_to"),
                materials=data.get("materials", ""),
                rated_engineer=primary_psm(account)
                if kind == TouchpointKind.MANAGEMENT_REVIEW
                else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            sent = send_invitations(user, touchpoint) if data.get("invite") else 0
            messages.success(
                request,
                f"{touchpoint.get_kind_display()} planned"
                + (f"; {sent} invitation(s) sent." if sent else "."),
            )
            return redirect(touchpoint)
    return render(
        request,
        "engagement/form.html",
        {
            "account": account,
            "form": form,
            "title": f"Plan a {TITLES[TouchpointKind(kind)].lower()}",
        },
    )


@staff_only
def check_in_log(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    user = acting_user(request)
    work_items = list(account.work_items.filter(status__in=OPEN_WORK))
    form = CheckInLogForm(
        request.POST or None,
        account=account,
        work_items=work_items,
        initial={
            "owner": primary_psm(account) or user,
            "when": timezone.now()
            .astimezone(ZoneInfo(account.timezone))
            .replace(tzinfo=None, second=0, microsecond=0),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            touchpoint = services.log_check_in(
                user,
                account,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                owner=data["owner"],
                contacts=data.get("contacts") or [],
                notes=data.get("notes", ""),
                outcomes=data.get("outcomes", ""),
                follow_ups=[
                    services.FollowUpSpec(text, data["owner"], due)
                    for text, due in data.get("follow_ups") or []
                ],
                satisfaction_rating=data.get("satisfaction_rating"),
                reviewed=data["reviewed"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Check-in logged.")
            return redirect(touchpoint)
    return render(
        request,
        "engagement/form.html",
        {"account": account, "form": form, "title": "Log a check-in"},
    )


@staff_only
def detail(request: HttpRequest, slug: str, touchpoint_id: int) -> HttpResponse:
    account, touchpoint = _touchpoint(request, slug, touchpoint_id)
    complete_form = CompleteForm(
        kind=touchpoint.kind,
        initial={
            "notes": touchpoint.notes,
            "outcomes": touchpoint.outcomes,
            "trip_report": touchpoint.trip_report,
        },
    )
    if touchpoint.kind == TouchpointKind.MANAGEMENT_REVIEW and not services.may_hold_reviews(
        acting_user(request)
    ):
        complete_form.fields.pop("psm_rating", None)
    context = {
        "account": account,
        "tp": touchpoint,
        "attendees": touchpoint.attendees.select_related("contact", "user"),
        "follow_ups": touchpoint.follow_ups.select_related("owner"),
        "notes": touchpoint.work_item_notes.select_related("work_item", "author"),
        "complete_form": complete_form,
        "other_contacts": account.contacts.filter(is_active=True).exclude(
            pk__in=touchpoint.attendees.filter(contact__isnull=False).values("contact")
        ),
        "surveys": touchpoint.surveys.select_related("contact"),
    }
    return render(request, "engagement/touchpoint.html", context)


@staff_only
@require_POST
def complete(request: HttpRequest, slug: str, touchpoint_id: int) -> HttpResponse:
    _, touchpoint = _touchpoint(request, slug, touchpoint_id)
    user = acting_user(request)
    form = CompleteForm(request.POST, kind=touchpoint.kind)
    if touchpoint.kind == TouchpointKind.MANAGEMENT_REVIEW and not services.may_hold_reviews(user):
        form.fields.pop("psm_rating", None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.complete_touchpoint(
                user,
                touchpoint,
                notes=data.get("notes"),
                outcomes=data.get("outcomes"),
                trip_report=data.get("trip_report"),
                satisfaction_rating=data.get("satisfaction_rating"),
                psm_rating=data.get("psm_rating"),
                follow_ups=[
                    services.FollowUpSpec(text, touchpoint.owner, due)
                    for text, due in data.get("follow_ups") or []
                ],
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, f"{touchpoint.get_kind_display()} recorded as held.")
    else:
        messages.error(request, "Check the form: " + form.errors.as_text())
    return redirect(touchpoint)


@staff_only
@require_POST
def cancel(request: HttpRequest, slug: str, touchpoint_id: int) -> HttpResponse:
    _, touchpoint = _touchpoint(request, slug, touchpoint_id)
    try:
        services.cancel_touchpoint(acting_user(request), touchpoint)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Cancelled; invited attendees get a cancellation.")
    return redirect(touchpoint)


@staff_only
@require_POST
def invite(request: HttpRequest, slug: str, touchpoint_id: int) -> HttpResponse:
    account, touchpoint = _touchpoint(request, slug, touchpoint_id)
    user = acting_user(request)
    if contact_id := request.POST.get("contact"):
        contact = get_object_or_404(account.contacts, pk=contact_id)
        services.add_attendee(user, touchpoint, contact)
    if touchpoint.status != TouchpointStatus.SCHEDULED:
        messages.error(request, "Only a scheduled touchpoint sends invitations.")
        return redirect(touchpoint)
    sent = send_invitations(user, touchpoint)
    messages.success(request, f"{sent} invitation(s) sent." if sent else "Everyone is invited.")
    return redirect(touchpoint)


@staff_only
def attendance(request: HttpRequest, slug: str, touchpoint_id: int) -> HttpResponse:
    _, touchpoint = _touchpoint(request, slug, touchpoint_id)
    attendees = list(touchpoint.attendees.all())
    if request.method == "POST":
        rows: dict[int, tuple[bool | None, int | None, str]] = {}
        for a in attendees:
            present = request.POST.get(f"attended_{a.pk}", "")
            rating = request.POST.get(f"rating_{a.pk}", "")
            rows[a.pk] = (
                {"yes": True, "no": False}.get(present),
                int(rating) if rating.isdigit() else None,
                request.POST.get(f"feedback_{a.pk}", "")[:4000],
            )
        try:
            services.record_attendance(acting_user(request), touchpoint, rows)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, "Attendance and feedback saved.")
            return redirect(touchpoint)
    return render(
        request,
        "engagement/attendance.html",
        {"account": touchpoint.account, "tp": touchpoint, "attendees": attendees},
    )


@staff_only
def download(request: HttpRequest, slug: str, touchpoint_id: int) -> HttpResponse:
    _, touchpoint = _touchpoint(request, slug, touchpoint_id)
    method = "CANCEL" if touchpoint.status == TouchpointStatus.CANCELLED else "REQUEST"
    response = HttpResponse(ical.invitation(touchpoint, method), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="touchpoint-{touchpoint.pk}.ics"'
    return response


@staff_only
@require_POST
def follow_up_done(
    request: HttpRequest, slug: str, touchpoint_id: int, follow_up_id: int
) -> HttpResponse:
    _, touchpoint = _touchpoint(request, slug, touchpoint_id)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_id, touchpoint=touchpoint)
    services.complete_follow_up(acting_user(request), follow_up)
    return redirect(touchpoint)
