"""Report pages for the PSM (on the account: ``/accounts/<slug>/reports/…``) and for the
client (in the portal: ``/portal/reports/…``). Both start from ``visible_accounts``; a client
reaches only their own account's definitions and the runs that were sent to it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.models import Account
from psm.accounts.scoping import client_contact, get_visible_account
from psm.reports import services
from psm.reports.forms import DefinitionForm, ReleaseForm
from psm.reports.models import ReportDefinition, ReportRecipient, ReportRun, RunStatus
from psm.reports.periods import PeriodError, last_complete
from psm.reports.schedule import ScheduleError, upcoming
from psm.team.access import acting_user, clients_only, staff_only

FILES = {
    "pdf": ("pdf_path", "application/pdf"),
    "html": ("html_path", "text/html; charset=utf-8"),
    "json": ("json_path", "application/json"),
}


def _client_account(request: HttpRequest) -> Account:
    """The signed-in client's own account, through ``visible_accounts``."""
    return client_contact(acting_user(request)).account


def _definition(account: Account, definition_id: int) -> ReportDefinition:
    return get_object_or_404(ReportDefinition, pk=definition_id, account=account)


def _urls(account: Account, portal: bool) -> dict[str, str]:
    if portal:
        return {"list": reverse("reports:portal"), "new": reverse("reports:portal-new")}
    return {
        "list": reverse("reports:account", args=[account.slug]),
        "new": reverse("reports:new", args=[account.slug]),
    }


# --- Staff ------------------------------------------------------------------------------


@staff_only
def account_reports(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    return _list(request, account, portal=False)


@staff_only
def definition_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _edit(request, get_visible_account(request.user, slug), None, portal=False)


@staff_only
def definition_edit(request: HttpRequest, slug: str, definition_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    return _edit(request, account, _definition(account, definition_id), portal=False)


@staff_only
@require_POST
def definition_delete(request: HttpRequest, slug: str, definition_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    definition = _definition(account, definition_id)
    services.delete_definition(acting_user(request), definition)
    messages.success(request, f"Report “{definition.name}” deleted; its archived runs stay.")
    return redirect("reports:account", account.slug)


@staff_only
@require_POST
def definition_run(request: HttpRequest, slug: str, definition_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    definition = _definition(account, definition_id)
    try:
        run = services.run_now(acting_user(request), definition)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("reports:account", account.slug)
    messages.success(request, f"The report for {run.period_label} is being prepared.")
    return redirect("reports:run", account.slug, run.pk)


@staff_only
@require_POST
def recipient_approve(
    request: HttpRequest, slug: str, definition_id: int, recipient_id: int
) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    definition = _definition(account, definition_id)
    recipient = get_object_or_404(ReportRecipient, pk=recipient_id, definition=definition)
    services.approve_recipient(acting_user(request), recipient)
    messages.success(request, f"{recipient.email} will receive “{definition.name}”.")
    return redirect("reports:definition", account.slug, definition.pk)


@staff_only
def run_detail(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = get_object_or_404(
        ReportRun.objects.select_related("definition"), pk=run_id, account=account
    )
    form = ReleaseForm(initial={"commentary": run.commentary})
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        if run.status != RunStatus.HELD:
            messages.error(request, "Only a report waiting for commentary can be released.")
        elif form.is_valid():
            if services.release(acting_user(request), run, form.cleaned_data["commentary"]):
                messages.success(request, "Released: the report is being finished and sent.")
            return redirect("reports:run", account.slug, run.pk)
    return render(
        request,
        "reports/run.html",
        {"account": account, "run": run, "form": form, "zone": account.timezone},
    )


@staff_only
@require_POST
def run_retry(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = get_object_or_404(ReportRun, pk=run_id, account=account)
    services.retry(acting_user(request), run)
    messages.success(request, "The report is being prepared again.")
    return redirect("reports:run", account.slug, run.pk)


@staff_only
def run_file(request: HttpRequest, slug: str, run_id: int, fmt: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    return _file(get_object_or_404(ReportRun, pk=run_id, account=account), fmt)


# --- Client portal ----------------------------------------------------------------------


@clients_only
def portal_reports(request: HttpRequest) -> HttpResponse:
    return _list(request, _client_account(request), portal=True)


@clients_only
def portal_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, _client_account(request), None, portal=True)


@clients_only
def portal_definition(request: HttpRequest, definition_id: int) -> HttpResponse:
    account = _client_account(request)
    return _edit(request, account, _definition(account, definition_id), portal=True)


@clients_only
def portal_file(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    account = _client_account(request)
    run = get_object_or_404(ReportRun, pk=run_id, account=account, status=RunStatus.SENT)
    return _file(run, fmt)


# --- Shared -----------------------------------------------------------------------------


def _list(request: HttpRequest, account: Account, *, portal: bool) -> HttpResponse:
    definitions = (
        ReportDefinition.objects.filter(account=account)
        .prefetch_related("recipients__contact")
        .order_by("name")
    )
    runs = services.visible_runs(account, client=portal)[:50]
    return render(
        request,
        "reports/list.html",
        {
            "account": account,
            "portal": portal,
            "definitions": definitions,
            "runs": runs,
            "urls": _urls(account, portal),
            "zone": account.timezone,
            "base": "base.html",
        },
    )


def _edit(
    request: HttpRequest, account: Account, definition: ReportDefinition | None, *, portal: bool
) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        form = DefinitionForm(request.POST, account=account, definition=definition)
        if getattr(request, "htmx", False) and request.POST.get("preview"):
            return _preview(request, account, form)
        if form.is_valid():
            try:
                saved = services.save_definition(user, account, form.spec(), definition)
            except ValidationError as exc:
                form.add_error("name", exc.messages[0])
            else:
                pending = saved.recipients.filter(contact__isnull=True, approved_at__isnull=True)
                note = (
                    " Outside addresses receive it once your PSM approves them." if pending else ""
                )
                messages.success(request, f"Report “{saved.name}” saved.{note}")
                if portal:
                    return redirect("reports:portal-definition", saved.pk)
                return redirect("reports:definition", account.slug, saved.pk)
    else:
        form = DefinitionForm(account=account, definition=definition)
    context: dict[str, Any] = {
        "account": account,
        "definition": definition,
        "form": form,
        "portal": portal,
        "urls": _urls(account, portal),
        "zone": account.timezone,
        "next_runs": _next_runs(definition),
        "recipients": list(definition.recipients.select_related("contact")) if definition else [],
    }
    return render(request, "reports/definition.html", context)


def _next_runs(definition: ReportDefinition | None) -> list[Any]:
    if definition is None or not definition.is_active:
        return []
    try:
        return upcoming(definition.schedule, definition.account.timezone, timezone.now(), 3)
    except ScheduleError:
        return []


def _preview(request: HttpRequest, account: Account, form: DefinitionForm) -> HttpResponse:
    """The live preview: the report as the form now says, over the last whole period."""
    if not form.is_valid():
        return render(request, "reports/_preview.html", {"errors": form.errors, "form": form})
    data = form.cleaned_data
    try:
        period = last_complete(
            data["period_kind"], timezone.now(), account.timezone, data["custom_days"]
        )
        html = services.preview(account, data["name"], data["sections"], period)
        runs = upcoming(data["schedule"], account.timezone, timezone.now(), 3)
    except (PeriodError, ScheduleError) as exc:
        return render(request, "reports/_preview.html", {"problem": str(exc)})
    return render(
        request,
        "reports/_preview.html",
        {"html": html, "period": period, "next_runs": runs, "zone": account.timezone},
    )


def _file(run: ReportRun, fmt: str) -> HttpResponse:
    if fmt not in FILES:
        raise Http404("No such format")
    field, content_type = FILES[fmt]
    path = getattr(run, field)
    if not path or not default_storage.exists(path):
        raise Http404("This report has not been made yet")
    name = f"{run.account.slug}-{run.period_code.replace('..', '_to_')}.{fmt}"
    with default_storage.open(path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type=content_type)
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    if fmt == "html":
        # Framed by the run's page (same origin only); no script, outside resource or form.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
        )
    response["X-Content-Type-Options"] = "nosniff"
    return response
