"""Operations pages: /healthz, /metrics, and the audit log for administrators."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from psm.audit.models import AuditEntry
from psm.lib.clientip import client_ip
from psm.lib.pagination import IdPaginator
from psm.ops.forms import AuditFilterForm
from psm.ops.health import run_checks
from psm.ops.metrics import address_allowed, exposition
from psm.team.access import acting_user


@never_cache
@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when every part is alive, 503 naming what is not (for load balancers and
    monitoring; it says nothing about clients' data)."""
    checks = run_checks()
    healthy = all(check.ok for check in checks)
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": [c.as_dict() for c in checks]},
        status=200 if healthy else 503,
    )


@never_cache
@login_not_required
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for a bearer token (``PSM_METRICS_TOKEN``) or a scraper
    whose address is in ``PSM_METRICS_ALLOW``."""
    token = settings.PSM_METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    by_token = bool(token) and hmac.compare_digest(given.encode(), token.encode())
    if not (by_token or address_allowed(client_ip(request))):
        return HttpResponse(
            "Metrics need the bearer token or an address in PSM_METRICS_ALLOW.\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")


def audit_log(request: HttpRequest) -> HttpResponse:
    """Who changed what and when, for administrators: by account, person, object and date."""
    user = acting_user(request)
    if not user.is_admin:
        raise PermissionDenied("The audit log is for administrators.")
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("actor", "account").order_by("-at", "-id")
    if form.is_bound and form.is_valid():
        entries = form.filter(entries, user.timezone)
    elif form.is_bound:
        entries = entries.none()
    page = IdPaginator(entries, 100, count_limit=10_000).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.changes_text = json.dumps(entry.changes, ensure_ascii=False)[:300]
        # "work_item.milestone.done" reads "Work item milestone done".
        entry.action_text = entry.action.replace(".", " ").replace("_", " ").capitalize()
    query = request.GET.copy()
    query.pop("page", None)
    template = "ops/_audit_rows.html" if request.headers.get("HX-Request") else "ops/audit.html"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query.urlencode(), "zone": user.timezone},
    )
