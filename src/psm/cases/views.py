from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.scoping import scope, visible_accounts
from psm.cases import forms, panels, services
from psm.cases.forms import (
    AssignForm,
    CaseFilterForm,
    CaseForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
)
from psm.cases.history import history
from psm.cases.mailhtml import admits_remote_images, shown_message
from psm.cases.models import ACTIVE, Attachment, Case, Message
from psm.cases.notify import case_address
from psm.lib.htmx import HtmxRequest
from psm.lib.pagination import IdPaginator
from psm.team.access import acting_user, staff_only
from psm.team.models import User

PER_PAGE = 50
# Above this many matches the list says "more than 10,000" instead of counting them all
# (an exact count of 450,000 cases costs more than the whole page).
COUNT_LIMIT = 10_000
# Columns the list never shows: the plan snapshot and routing trace, the account's notes.
LIST_DEFERRED = (
    "coverage",
    "routing",
    "account__plan_overrides",
    "account__environment_notes",
    "account__relationship_notes",
)


def get_case(user: object, reference: str) -> Case:
    """The case if ``user`` may see its account, else 404 (never 403: no existence leak)."""
    try:
        return (
            scope(Case.objects.all(), user)
            .select_related("account", "contact", "site", "assignee", "installed_product__product")
            .get(reference=reference.upper())
        )
    except Case.DoesNotExist:
        raise Http404("No such case") from None


def filtered_cases(user: User, form: CaseFilterForm) -> QuerySet[Case]:
    cases = (
        scope(Case.objects.all(), user)
        .select_related("account", "assignee", "contact")
        .defer(*LIST_DEFERRED)
    )
    if form.is_bound and "account" in form.errors:
        return cases.none()  # an account the user cannot see, or none by that name
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status", "")
    if status == "":
        cases = cases.filter(status__in=ACTIVE)
    elif status != "all":
        cases = cases.filter(status=status)
    if account := data.get("account"):
        cases = cases.filter(account=account)
    if priority := data.get("priority"):
        cases = cases.filter(priority=priority)
    if data.get("breach") == "breached":
        cases = cases.filter(breached=True)
    elif data.get("breach") == "ok":
        cases = cases.filter(breached=False)
    if data.get("mine"):
        cases = cases.filter(assignee=user)
    if q := data.get("q"):
        cases = cases.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    # Each order ends with the id: pages never repeat or skip a case.
    sort = data.get("sort") or "due"
    if sort == "opened":
        return cases.order_by("-opened_at", "-id")
    if sort == "priority":
        return cases.order_by("priority", F("next_due").asc(nulls_last=True), "id")
    return cases.order_by(F("next_due").asc(nulls_last=True), "priority", "id")


@staff_only
def case_list(request: HtmxRequest) -> HttpResponse:
    accounts = visible_accounts(request.user).distinct()
    form = CaseFilterForm(request.GET or None, accounts=accounts)
    paginator = IdPaginator(
        filtered_cases(acting_user(request), form),
        PER_PAGE,
        count_limit=COUNT_LIMIT,
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "count_limit": COUNT_LIMIT,
        "now": timezone.now(),
        "query": query.urlencode(),
    }
    template = "cases/_case_rows.html" if request.htmx else "cases/case_list.html"
    return render(request, template, context)


@staff_only
def account_choices(request: HttpRequest) -> HttpResponse:
    """The account filter's suggestions (``<option>``s of its ``<datalist>``)."""
    accounts = visible_accounts(request.user).distinct()
    choices = forms.account_choices(accounts, request.GET.get("account", ""))
    return render(request, "cases/_account_choices.html", {"choices": choices})


@admits_remote_images
@staff_only
def case_detail(request: HtmxRequest, reference: str) -> HttpResponse:
    return _case_page(request, get_case(request.user, reference))


def _case_page(
    request: HtmxRequest, case: Case, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    """The case page; with a bound ``reply_form`` that failed, what was typed stays in it."""
    # "Show images" for one message: remote images stay blocked everywhere else.
    images = shown_message(request.GET.get("images"))
    if request.htmx and images is not None:
        message = (
            case.messages.filter(pk=images)
            .select_related("author_user", "author_contact")
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
            .first()
        )
        if message is None:
            raise Http404("No such message on this case")
        return render(request, "cases/_timeline_item.html", {"m": message, "images": images})
    timeline = history(case)
    plan_changed = case.coverage.get("settings") != case.account.effective_plan()
    context = {
        "case": case,
        "timeline": timeline,
        "images": images,
        "now": timezone.now(),
        "sla": case.sla_state(timezone.now()),
        "reply_form": reply_form or ReplyForm(),
        "note_form": NoteForm(),
        "status_form": StatusForm(initial={"status": case.status}),
        "priority_form": PriorityForm(initial={"priority": case.priority}),
        "assign_form": AssignForm(initial={"assignee": case.assignee_id}),
        "reply_address": case_address(case),
        "plan_changed": plan_changed,
        "zone": case.site.timezone if case.site else case.account.timezone,
        "panels": panels.for_case(request, case),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@staff_only
def case_create(request: HttpRequest) -> HttpResponse:
    accounts = visible_accounts(request.user).distinct().order_by("name")
    initial = {"account": request.GET.get("account")} if request.GET.get("account") else {}
    form = CaseForm(request.POST or None, accounts=accounts, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = data["contact"]
        try:
            case = services.open_case(
                acting_user(request),
                data["account"],
                title=data["title"],
                text=data["text"],
                priority=data["priority"],
                contact=contact,
                site=data["site"],
                installed_product=data["installed_product"],
                origin=data["origin"],
                acknowledge_to=contact.primary_email if contact and data["acknowledge"] else "",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Case {case.reference} opened for {case.account}.")
            return redirect(case)
    return render(request, "cases/case_form.html", {"form": form})


def _done(request: HttpRequest, case: Case, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(case)


def _invalid(request: HttpRequest, case: Case, error: object) -> HttpResponse:
    messages.error(request, str(error))
    return redirect(case)


@require_POST
@staff_only
def case_reply(request: HtmxRequest, reference: str) -> HttpResponse:
    case = get_case(request.user, reference)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        files = [
            services.NewAttachment(f.name or "attachment", f.read(), f.content_type or "")
            for f in form.cleaned_data["attachments"]
        ]
        try:
            services.reply(
                acting_user(request),
                case,
                text=form.cleaned_data["text"],
                status=form.cleaned_data["status"] or None,
                attachments=files,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(request, case, "Reply sent.")
    # What was typed stays in the form, with the reason beside it.
    return _case_page(request, case, reply_form=form, status=400)


@require_POST
@staff_only
def case_note(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case(request.user, reference)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, "A note needs some text.")
    services.add_note(acting_user(request), case, form.cleaned_data["text"])
    return _done(request, case, "Note added.")


@require_POST
@staff_only
def case_status(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case(request.user, reference)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, "Choose a status.")
    try:
        services.set_status(acting_user(request), case, form.cleaned_data["status"])
    except ValidationError as exc:
        return _invalid(request, case, "; ".join(exc.messages))
    return _done(request, case, "Status changed.")


@require_POST
@staff_only
def case_priority(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case(request.user, reference)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, "Choose a priority.")
    services.change_priority(
        acting_user(request),
        case,
        form.cleaned_data["priority"],
        reason=form.cleaned_data["reason"],
    )
    return _done(request, case, "Priority changed; the clocks follow the new targets.")


@require_POST
@staff_only
def case_assign(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case(request.user, reference)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, "Choose an engineer.")
    services.assign(acting_user(request), case, form.cleaned_data["assignee"])
    return _done(request, case, "Assignee changed.")


def attachment(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponseBase:
    """A file of a case, for people who may see the case: the provider's staff of the account,
    and the account's own client contacts for what is not an internal note."""
    case = get_case(request.user, reference)
    found = Attachment.objects.filter(pk=attachment_id, message__case=case).select_related(
        "message"
    )
    item = found.first()
    if item is None:
        raise Http404("No such attachment")
    message: Message = item.message
    if getattr(request.user, "is_client", False) and message.is_internal:
        raise PermissionDenied("This file belongs to an internal note.")
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)
    response["Content-Type"] = item.content_type
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    return response
