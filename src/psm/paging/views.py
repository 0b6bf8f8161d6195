"""Pages in the product: the client's "page my PSM" button and live status, the engineer's
acknowledge button and the signed link in the message. The JSON API is psm.api (/api/v1/pages;
the old /paging/api/pages/… paths are served there too)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from psm.accounts.scoping import client_contact, scope
from psm.lib.htmx import HtmxRequest
from psm.notifications.models import Notification
from psm.paging import notify, services
from psm.paging.forms import PageForm
from psm.paging.models import AckVia, Page, PageSource
from psm.paging.queries import pages_waiting_for
from psm.team.access import acting_user, staff_only
from psm.team.models import User

log = logging.getLogger(__name__)

POLL_SECONDS = 5


def _visible_page(user: Any, page_id: int) -> Page:
    page = (
        scope(Page.objects.all(), user)
        .select_related("account", "contact", "target", "acknowledged_by")
        .filter(pk=page_id)
        .first()
    )
    if page is None:
        raise Http404("No such page")
    return page


def home(request: HtmxRequest) -> HttpResponse:
    """Clients: the "page my PSM" form and their account's pages. Staff: pages waiting for
    them and recent pages on the accounts they see."""
    user = acting_user(request)
    if user.is_client:
        contact = client_contact(user)
        form = PageForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            page = services.page_psm(
                contact.account,
                priority=form.cleaned_data["priority"],
                message=form.cleaned_data["message"],
                contact=contact,
                opened_by=user,
                source=PageSource.PORTAL,
            )
            return redirect(page)
        pages = Page.objects.filter(account=contact.account).select_related(
            "target", "acknowledged_by"
        )[:20]
        context = {"form": form, "pages": pages, "account": contact.account, "contact": contact}
        return render(request, "paging/home.html", context)
    if request.method == "POST":
        raise PermissionDenied("Pages are opened by client contacts; staff acknowledge them.")
    context = {
        "waiting": pages_waiting_for(user),
        "pages": scope(Page.objects.all(), user).select_related(
            "account", "target", "acknowledged_by"
        )[:50],
        "poll_seconds": POLL_SECONDS,
    }
    template = "paging/_waiting.html" if request.htmx else "paging/staff_home.html"
    return render(request, template, context)


def detail(request: HtmxRequest, page_id: int) -> HttpResponse:
    """The page's live status; htmx polls the same URL for the status partial."""
    page = _visible_page(request.user, page_id)
    user = acting_user(request)
    steps = list(page.steps.select_related("user"))
    context: dict[str, Any] = {
        "page": page,
        "poll_seconds": POLL_SECONDS,
        "zone": _zone(page, user),
        "staff": user.is_provider_staff,
        "can_ack": services.can_acknowledge(user, page) and page.is_unacknowledged,
        "now": timezone.now(),
    }
    status: dict[str, str] = {}
    if user.is_provider_staff:
        keys = [k for s in steps for k in s.notification_keys]
        status = dict(Notification.objects.filter(key__in=keys).values_list("key", "status"))
    context["steps"] = [(s, [status.get(k, "?") for k in s.notification_keys]) for s in steps]
    template = "paging/_status.html" if request.htmx else "paging/detail.html"
    return render(request, template, context)


def _zone(page: Page, user: User) -> str:
    if user.is_client:
        contact = page.contact
        if contact is not None and contact.site is not None:
            return contact.site.timezone
        return page.account.timezone
    return user.timezone or "UTC"


@staff_only
@require_POST
def acknowledge(request: HtmxRequest, page_id: int) -> HttpResponse:
    page = _visible_page(request.user, page_id)
    user = acting_user(request)
    if services.acknowledge(page, user, AckVia.BUTTON):
        messages.success(request, f"You acknowledged page #{page.pk}; escalation stopped.")
    else:
        messages.info(request, f"Page #{page.pk} was already {page.get_status_display().lower()}.")
    return redirect(request.POST.get("next") or page.get_absolute_url())


@staff_only
@require_POST
def resolve(request: HttpRequest, page_id: int) -> HttpResponse:
    page = _visible_page(request.user, page_id)
    user = acting_user(request)
    services.resolve(page, user, request.POST.get("note", ""))
    return redirect(page)


@login_not_required
@require_http_methods(["GET", "POST"])
def ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the page message. GET shows a confirmation (mail scanners follow links);
    POST acknowledges. The link names one engineer and one page, and works once: after
    that it says who acknowledged and when."""
    try:
        page_id, user_id = notify.read_ack_token(token)
    except signing.SignatureExpired:
        return render(request, "paging/ack_link.html", {"problem": "expired"}, status=410)
    except signing.BadSignature:
        log.warning("page acknowledgement link with a bad signature")
        return render(request, "paging/ack_link.html", {"problem": "invalid"}, status=404)
    page = Page.objects.select_related("account", "acknowledged_by").filter(pk=page_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if page is None or user is None:
        return render(request, "paging/ack_link.html", {"problem": "invalid"}, status=404)
    done = False
    if request.method == "POST" and page.is_unacknowledged:
        try:
            done = services.acknowledge(page, user, AckVia.LINK)
        except PermissionDenied:
            return render(request, "paging/ack_link.html", {"problem": "forbidden"}, status=403)
    context = {"page": page, "engineer": user, "done": done, "token": token}
    return render(request, "paging/ack_link.html", context, status=200)
