"""Checklist pages. Staff: templates (``/checklists/…``) and the account tab
(``/accounts/<slug>/checklists/…``: checklists, runs, evidence). Clients: the portal
(``/checklists/portal/…``: results, sign-off, evidence). Every query starts from
``visible_accounts``; a client reaches only their own account's runs that were handed to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.models import Account, Contact
from psm.accounts.scoping import client_contact, get_visible_account, visible_accounts
from psm.checklists import services
from psm.checklists.due import due_checklists
from psm.checklists.forms import (
    ChecklistForm,
    ClientSignOffForm,
    SignOffForm,
    StepFormSet,
    StepResultForm,
    TemplateForm,
    initial_steps,
    steps_from,
)
from psm.checklists.models import (
    AccountChecklist,
    ChecklistRun,
    ChecklistTemplate,
    EvidenceFile,
    RunStatus,
    RunStep,
)
from psm.engagement.cadence import rule_in_words
from psm.lib.forms import add_service_errors
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, clients_only, staff_only

CLIENT_STATUSES = (RunStatus.AWAITING_CLIENT, RunStatus.COMPLETED)
SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _files(upload: list[Any]) -> list[services.NewFile]:
    return [services.NewFile(f.name or "evidence", f.read(), f.content_type or "") for f in upload]


# --- templates ------------------------------------------------------------------------------


@staff_only
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    now = timezone.now()
    accounts = visible_accounts(user)
    templates = ChecklistTemplate.objects.annotate(
        steps_count=Count("steps", distinct=True),
        in_use=Count("account_checklists", distinct=True),
    )
    awaiting = (
        ChecklistRun.objects.filter(account__in=accounts, status=RunStatus.AWAITING_CLIENT)
        .select_related("account")
        .order_by("psm_signed_at")
    )
    under_way = (
        ChecklistRun.objects.filter(account__in=accounts, status=RunStatus.IN_PROGRESS)
        .select_related("account", "started_by")
        .order_by("started_at")
    )
    return render(
        request,
        "checklists/home.html",
        {
            "templates": templates,
            "due": due_checklists(accounts=accounts, within=timedelta(days=30), now=now),
            "awaiting": awaiting,
            "under_way": under_way,
            "now": now,
        },
    )


def _template_form(request: HttpRequest, template: ChecklistTemplate | None) -> HttpResponse:
    instance = template or ChecklistTemplate()
    form = TemplateForm(request.POST or None, instance=instance)
    formset = StepFormSet(request.POST or None, initial=initial_steps(template), prefix="steps")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = services.save_template(acting_user(request), form.instance, steps_from(formset))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Template “{saved.name}” saved.")
            return redirect(saved)
    return render(
        request,
        "checklists/template_form.html",
        {"form": form, "formset": formset, "template": template},
    )


@staff_only
def template_new(request: HttpRequest) -> HttpResponse:
    return _template_form(request, None)


@staff_only
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    return _template_form(request, get_object_or_404(ChecklistTemplate, pk=template_id))


@staff_only
def template_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(ChecklistTemplate, pk=template_id)
    in_use = (
        AccountChecklist.objects.filter(
            template=template, account__in=visible_accounts(acting_user(request))
        )
        .select_related("account", "site", "template")
        .order_by("account__name")
    )
    return render(
        request,
        "checklists/template.html",
        {
            "template": template,
            "steps": template.steps.order_by("position"),
            "in_use": in_use,
            "rule_words": rule_in_words(template.default_rrule),
        },
    )


# --- an account's checklists ------------------------------------------------------------


def _checklist(account: Account, checklist_id: int) -> AccountChecklist:
    return get_object_or_404(
        AccountChecklist.objects.select_related("template", "site", "account"),
        pk=checklist_id,
        account=account,
    )


@staff_only
def account_tab(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    now = timezone.now()
    checklists = (
        AccountChecklist.objects.filter(account=account)
        .select_related("template", "site", "account")
        .prefetch_related(
            Prefetch(
                "runs",
                queryset=ChecklistRun.objects.exclude(status=RunStatus.CANCELLED).order_by(
                    "-started_at"
                ),
                to_attr="recent",
            )
        )
    )
    runs = (
        ChecklistRun.objects.filter(account=account)
        .select_related("psm_signed_by", "started_by")
        .order_by("-started_at")[:50]
    )
    return render(
        request,
        "checklists/account.html",
        {
            "account": account,
            "checklists": checklists,
            "runs": runs,
            "now": now,
            "form": ChecklistForm(account=account),
        },
    )


@staff_only
def checklist_add(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = ChecklistForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            checklist = services.add_checklist(
                acting_user(request),
                account,
                data["template"],
                site=data.get("site"),
                rrule=data.get("rrule") or "",
                remind_days=data["remind_days"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{checklist.title}” is now kept for {account.name}.")
            return redirect(checklist)
    return render(request, "checklists/checklist_form.html", {"account": account, "form": form})


@staff_only
def checklist_detail(request: HttpRequest, slug: str, checklist_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    checklist = _checklist(account, checklist_id)
    runs = checklist.runs.select_related("psm_signed_by", "started_by").annotate(
        failed=Count("steps", filter=Q(steps__result="failed")),
        passed=Count("steps", filter=Q(steps__result="passed")),
    )
    now = timezone.now()
    return render(
        request,
        "checklists/checklist.html",
        {
            "account": account,
            "checklist": checklist,
            "runs": runs,
            "now": now,
            "overdue": checklist.overdue_now(now),
            "rule_words": rule_in_words(checklist.rrule),
            "under_way": runs.filter(
                status__in=[RunStatus.IN_PROGRESS, RunStatus.AWAITING_CLIENT]
            ).first(),
        },
    )


@staff_only
def checklist_edit(request: HttpRequest, slug: str, checklist_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    checklist = _checklist(account, checklist_id)
    form = ChecklistForm(request.POST or None, instance=checklist, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_checklist(
                acting_user(request),
                AccountChecklist.objects.select_related("account", "site", "template").get(
                    pk=checklist.pk
                ),
                rrule=data["rrule"],
                remind_days=data["remind_days"],
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Re-validation saved.")
            return redirect(checklist)
    return render(
        request,
        "checklists/checklist_form.html",
        {"account": account, "form": form, "checklist": checklist},
    )


@staff_only
@require_POST
def checklist_start(request: HttpRequest, slug: str, checklist_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    checklist = _checklist(account, checklist_id)
    try:
        run = services.start_run(acting_user(request), checklist)
    except ValidationError as exc:
        _error(request, exc)
        return redirect(checklist)
    return redirect(run)


# --- runs (staff) -----------------------------------------------------------------------


def _run(account: Account, run_id: int) -> ChecklistRun:
    return get_object_or_404(
        ChecklistRun.objects.select_related(
            "account", "checklist", "psm_signed_by", "started_by", "client_signed_by"
        ),
        pk=run_id,
        account=account,
    )


def _steps(run: ChecklistRun) -> list[RunStep]:
    return list(
        run.steps.select_related("checked_by", "work_item", "run__account").prefetch_related(
            "evidence"
        )
    )


def _step_context(step: RunStep, form: StepResultForm | None = None) -> dict[str, Any]:
    return {
        "step": step,
        "run": step.run,
        "account": step.run.account,
        "form": form
        or StepResultForm(
            initial={"result": step.result, "notes": step.notes}, prefix=f"s{step.pk}"
        ),
    }


@staff_only
def run_detail(request: HttpRequest, slug: str, checklist_run_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = _run(account, checklist_run_id)
    steps = _steps(run)
    return render(
        request,
        "checklists/run.html",
        {
            "account": account,
            "run": run,
            "steps": [_step_context(s) for s in steps],
            "problems": services.problems(run) if run.is_open else [],
            "sign_off": SignOffForm(initial={"summary": run.summary}),
            "counts": run.counts(),
        },
    )


@staff_only
@require_POST
def step_record(
    request: HtmxRequest, slug: str, checklist_run_id: int, step_id: int
) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = _run(account, checklist_run_id)
    step = get_object_or_404(RunStep, pk=step_id, run=run)
    form = StepResultForm(request.POST, request.FILES, prefix=f"s{step.pk}")
    saved = False
    if form.is_valid():
        try:
            services.record_step(
                acting_user(request),
                step,
                result=form.cleaned_data["result"],
                notes=form.cleaned_data["notes"],
                files=_files(form.cleaned_data["files"]),
            )
            saved = True
        except ValidationError as exc:
            add_service_errors(form, exc)
    if request.htmx:
        step = next(s for s in _steps(run) if s.pk == step.pk)
        context = _step_context(step, None if saved else form)
        run.refresh_from_db()
        # The sign-off card follows the steps (what is left to check), swapped out of band.
        context |= {
            "saved": saved,
            "oob_sign_off": True,
            "problems": services.problems(run),
            "counts": run.counts(),
        }
        return render(request, "checklists/_step.html", context)
    if not saved:
        for field_errors in form.errors.values():
            for text in field_errors:
                messages.error(request, f"Step {step.position}: {text}")
    return redirect(f"{run.get_absolute_url()}#step-{step.position}")


@staff_only
@require_POST
def step_work_item(
    request: HttpRequest, slug: str, checklist_run_id: int, step_id: int
) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = _run(account, checklist_run_id)
    step = get_object_or_404(RunStep.objects.select_related("run__account"), pk=step_id, run=run)
    try:
        item = services.open_work_item(acting_user(request), step)
    except ValidationError as exc:
        _error(request, exc)
        return redirect(f"{run.get_absolute_url()}#step-{step.position}")
    messages.success(request, f"Work item “{item.title}” opened for step {step.position}.")
    return redirect(f"{run.get_absolute_url()}#step-{step.position}")


@staff_only
@require_POST
def run_sign_off(request: HttpRequest, slug: str, checklist_run_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = _run(account, checklist_run_id)
    form = SignOffForm(request.POST)
    summary = form.cleaned_data["summary"] if form.is_valid() else ""
    try:
        services.psm_sign_off(acting_user(request), run, summary)
    except ValidationError as exc:
        _error(request, exc)
        return redirect(run)
    if services.portal_contacts(account):
        messages.success(request, "Signed off. The client's contacts are asked to sign too.")
    else:
        messages.warning(
            request, "Signed off, but no contact of this account can sign in to the portal."
        )
    return redirect(run)


@staff_only
@require_POST
def run_cancel(request: HttpRequest, slug: str, checklist_run_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = _run(account, checklist_run_id)
    try:
        services.cancel_run(acting_user(request), run)
    except ValidationError as exc:
        _error(request, exc)
        return redirect(run)
    messages.success(request, "Run cancelled; it stays in the history.")
    return redirect(run.checklist)


def _serve(evidence: EvidenceFile) -> HttpResponse:
    """The file as a download, sandboxed (streamed: the role guards are typed for pages)."""
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.filename
    )
    response["Content-Type"] = evidence.content_type
    response["Content-Security-Policy"] = SANDBOX
    return cast(HttpResponse, response)


@staff_only
def evidence_file(
    request: HttpRequest, slug: str, checklist_run_id: int, evidence_id: int
) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = _run(account, checklist_run_id)
    evidence = get_object_or_404(EvidenceFile, pk=evidence_id, step__run=run)
    return _serve(evidence)


@staff_only
@require_POST
def evidence_remove(
    request: HttpRequest, slug: str, checklist_run_id: int, evidence_id: int
) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    run = _run(account, checklist_run_id)
    evidence = get_object_or_404(
        EvidenceFile.objects.select_related("step__run__account"), pk=evidence_id, step__run=run
    )
    position = evidence.step.position
    try:
        services.remove_evidence(acting_user(request), evidence)
    except ValidationError as exc:
        _error(request, exc)
    return redirect(f"{run.get_absolute_url()}#step-{position}")


# --- the portal -------------------------------------------------------------------------


def _contact(request: HttpRequest) -> Contact:
    """The signed-in client's own contact (one place decides: ``scoping.client_contact``)."""
    return client_contact(acting_user(request))


def _portal_run(contact: Contact, run_id: int) -> ChecklistRun:
    run = (
        ChecklistRun.objects.select_related("account", "psm_signed_by", "checklist")
        .filter(pk=run_id, account=contact.account, status__in=CLIENT_STATUSES)
        .first()
    )
    if run is None:
        raise Http404("No such checklist run")
    return run


@clients_only
def portal_list(request: HttpRequest) -> HttpResponse:
    contact = _contact(request)
    now = timezone.now()
    shown = ChecklistRun.objects.filter(status__in=CLIENT_STATUSES).order_by("-psm_signed_at")
    checklists = (
        AccountChecklist.objects.filter(account=contact.account)
        .select_related("template", "site", "account")
        .prefetch_related(Prefetch("runs", queryset=shown, to_attr="shown"))
    )
    return render(
        request,
        "checklists/portal.html",
        {
            "account": contact.account,
            "checklists": [c for c in checklists if c.is_active or getattr(c, "shown", None)],
            "awaiting": shown.filter(
                account=contact.account, status=RunStatus.AWAITING_CLIENT
            ).select_related("psm_signed_by"),
            "now": now,
        },
    )


@clients_only
def portal_run(request: HttpRequest, checklist_run_id: int) -> HttpResponse:
    contact = _contact(request)
    run = _portal_run(contact, checklist_run_id)
    form = ClientSignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if request.POST.get("action") == "return":
                services.client_return(contact, run, comment)
                messages.success(request, "Sent back to your PSM with your comment.")
                return redirect("checklists:portal")
            services.client_sign_off(contact, run, comment)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for errors in exc.message_dict.values():
                    form.add_error("comment", errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, f"Thank you: “{run.title}” is signed off.")
            return redirect(run.get_portal_url())
    return render(
        request,
        "checklists/portal_run.html",
        {
            "account": contact.account,
            "run": run,
            "steps": _steps(run),
            "form": form,
            "counts": run.counts(),
        },
    )


@clients_only
def portal_evidence(request: HttpRequest, checklist_run_id: int, evidence_id: int) -> HttpResponse:
    contact = _contact(request)
    run = _portal_run(contact, checklist_run_id)
    evidence = get_object_or_404(EvidenceFile, pk=evidence_id, step__run=run)
    return _serve(evidence)
