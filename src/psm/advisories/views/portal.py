"""The client's side: advisories delivered to their own account, the acknowledgement (in
the portal or by the signed link in the e-mail) and the status of each install."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from psm.accounts.models import Contact
from psm.accounts.scoping import client_contact
from psm.advisories import queries, services
from psm.advisories.forms import InstallStateForm
from psm.advisories.models import AccountAdvisory, ItemState, Match
from psm.advisories.views.staff import install_state
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, clients_only

ACK_MESSAGES = {
    "invalid": "This link is not valid (or the advisory was withdrawn).",
    "expired": "This link has expired; you can still confirm in the portal.",
}


def _contact(request: HttpRequest) -> Contact:
    return client_contact(acting_user(request))


def _delivered(contact: Contact) -> object:
    return AccountAdvisory.objects.filter(
        account=contact.account, state=ItemState.DELIVERED
    ).select_related("advisory", "account")


@clients_only
def portal_list(request: HtmxRequest) -> HttpResponse:
    contact = _contact(request)
    now = timezone.now()
    items = (
        AccountAdvisory.objects.filter(account=contact.account, state=ItemState.DELIVERED)
        .select_related("advisory")
        .annotate(installs=queries.match_count(), has_pending=queries.pending_actions())
        .order_by("-delivered_at")
    )
    context = {
        "account": contact.account,
        "contact": contact,
        "items": items,
        "exposure": queries.exposure(contact.account, now, for_client=True),
        "now": now,
    }
    return render(request, "advisories/portal.html", context)


def _portal_item(request: HttpRequest, item_id: int) -> tuple[Contact, AccountAdvisory]:
    contact = _contact(request)
    item = get_object_or_404(
        AccountAdvisory.objects.select_related("advisory", "account"),
        account=contact.account,
        state=ItemState.DELIVERED,
        pk=item_id,
    )
    return contact, item


@clients_only
def portal_item(request: HtmxRequest, item_id: int) -> HttpResponse:
    contact, item = _portal_item(request, item_id)
    context = {
        **services.delivery_context(item, None),
        "contact": contact,
        "actions": [
            (
                a,
                InstallStateForm(
                    prefix=f"a{a.pk}",
                    initial={"state": a.state, "deferred_until": a.deferred_until, "note": a.note},
                ),
            )
            for a in item.actions.select_related("install__product", "install__site")
        ],
        "matches": Match.objects.filter(account=item.account, advisory=item.advisory)
        .select_related("install__product", "install__site")
        .order_by("reason"),
    }
    return render(request, "advisories/portal_item.html", context)


@clients_only
@require_POST
def portal_acknowledge(request: HtmxRequest, item_id: int) -> HttpResponse:
    contact, item = _portal_item(request, item_id)
    try:
        services.acknowledge(item, contact, acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Thank you — your PSM sees that you have received it.")
    return redirect("advisories:portal-item", item_id=item.pk)


@clients_only
@require_POST
def portal_install(request: HtmxRequest, item_id: int, action_id: int) -> HttpResponse:
    _, item = _portal_item(request, item_id)
    action = get_object_or_404(item.actions.select_related("install__product"), pk=action_id)
    return install_state(request, action, f"/advisories/portal/{item.pk}/")


@login_not_required
@never_cache
@csrf_exempt  # reached from an e-mail; the signed token is the credential
def ack_link(request: HttpRequest, ack_token: str) -> HttpResponse:
    """A GET only asks to confirm (mail scanners follow links); the POST acknowledges."""
    try:
        item, contact = services.read_ack_token(ack_token)
    except services.AckLinkError as exc:
        return render(
            request,
            "advisories/ack_done.html",
            {"message": ACK_MESSAGES[exc.reason]},
            status=404 if exc.reason == "invalid" else 410,
        )
    if request.method == "POST":
        first = services.acknowledge(item, contact, None)
        message = (
            "Thank you — your PSM sees that you have received it."
            if first
            else "It was already acknowledged. Thank you!"
        )
        return render(request, "advisories/ack_done.html", {"message": message, "thanks": True})
    return render(request, "advisories/ack.html", {"item": item, "contact": contact})
