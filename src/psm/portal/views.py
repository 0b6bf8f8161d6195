from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from psm.accounts.models import Contact
from psm.coverage.adapters import cover_now
from psm.lib.access import clients_only
from psm.team.models import Assignment, AssignmentRole, User


@clients_only
def home(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    contact = Contact.objects.select_related("account", "site").get(user=request.user)
    account = contact.account
    primary = (
        Assignment.objects.current()
        .filter(account=account, role=AssignmentRole.PRIMARY)
        .select_related("engineer__engineer")
        .first()
    )
    context = {
        "contact": contact,
        "account": account,
        "psm": primary.engineer if primary else None,
        "cover": cover_now(account, timezone.now()),
        "mail_address": f"{account.slug}@{settings.PSM_MAIL_DOMAIN}",
    }
    return render(request, "portal/home.html", context)
