"""The client portal's home: a client contact's own account only."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from psm.cases.models import ACTIVE
from psm.coverage.adapters import coverage_now
from psm.paging.queries import recent_pages
from psm.portal.access import portal_contact
from psm.portal.cases import client_cases
from psm.portal.queries import client_zone, primary_psm, service_now
from psm.team.access import clients_only

OPEN_ON_HOME = 10


@clients_only
def home(request: HttpRequest) -> HttpResponse:
    contact = portal_contact(request)
    account = contact.account
    now = timezone.now()
    zone = client_zone(contact)
    psm = primary_psm(account)
    coverage = coverage_now(account, now)
    open_cases = client_cases(contact).filter(status__in=ACTIVE).order_by("-opened_at", "-id")
    context = {
        "contact": contact,
        "account": account,
        "zone": zone,
        "now": now,
        "psm": psm,
        "cover": coverage.cover,
        # Who the client reaches now: the stand-in while the PSM is away.
        "reach": coverage.cover.engineer if coverage.cover.covering_for else psm,
        "service": service_now(account, now, zone),
        "mail_address": f"{account.slug}@{settings.PSM_MAIL_DOMAIN}",
        "open_cases": open_cases[:OPEN_ON_HOME],
        "latest_page": recent_pages(account, limit=1).first(),
    }
    return render(request, "portal/home.html", context)
