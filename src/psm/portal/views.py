"""The client portal: a client contact's own account only, never staff-only notes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from psm.accounts.models import Contact
from psm.accounts.scoping import visible_accounts
from psm.coverage.adapters import cover_now
from psm.lib.access import clients_only
from psm.portal.queries import client_zone, primary_psm, service_now
from psm.team.models import User


def portal_contact(request: HttpRequest) -> Contact:
    """The signed-in client's contact record, on an account they may still see."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in to use the portal.")
    contact = (
        Contact.objects.filter(user=user, is_active=True, account__in=visible_accounts(user))
        .select_related("account__service_plan", "site")
        .first()
    )
    if contact is None:
        raise PermissionDenied("Your portal access is not active; ask your PSM.")
    return contact


@clients_only
def home(request: HttpRequest) -> HttpResponse:
    contact = portal_contact(request)
    account = contact.account
    now = timezone.now()
    zone = client_zone(contact)
    psm = primary_psm(account)
    context = {
        "contact": contact,
        "account": account,
        "zone": zone,
        "now": now,
        "psm": psm,
        "cover": cover_now(account, now),
        "service": service_now(account, now, zone),
        "mail_address": f"{account.slug}@{settings.PSM_MAIL_DOMAIN}",
    }
    return render(request, "portal/home.html", context)
