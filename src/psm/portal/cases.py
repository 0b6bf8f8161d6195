"""The client's cases in the portal: list, view with the conversation (never internal notes),
reply with attachments, open a new case. Every change goes through ``psm.cases.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.models import Contact
from psm.cases import services
from psm.cases.mailhtml import admits_remote_images, shown_message
from psm.cases.models import ACTIVE, Attachment, Case, CaseStatus, Message, Origin
from psm.lib.htmx import HtmxRequest
from psm.portal.access import portal_contact
from psm.portal.forms import CaseFilterForm, NewCaseForm, ReplyForm
from psm.portal.queries import client_zone
from psm.team.access import acting_user, clients_only

PER_PAGE = 25


def client_cases(contact: Contact) -> QuerySet[Case]:
    """The contact's account's cases, with the time of the last message a client may read."""
    return (
        Case.objects.filter(account=contact.account)
        .select_related("assignee")
        .annotate(last_activity=Max("messages__created_at", filter=Q(messages__is_internal=False)))
    )


def get_client_case(contact: Contact, reference: str) -> Case:
    try:
        return Case.objects.select_related("assignee", "site", "contact").get(
            account=contact.account, reference=reference.upper()
        )
    except Case.DoesNotExist:
        raise Http404("No such case") from None


def public_messages(case: Case) -> QuerySet[Message]:
    return (
        case.messages.filter(is_internal=False)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def _attachments(files: list[UploadedFile]) -> list[services.NewAttachment]:
    return [
        services.NewAttachment(f.name or "attachment", f.read(), f.content_type or "")
        for f in files
    ]


@clients_only
def case_list(request: HttpRequest) -> HttpResponse:
    contact = portal_contact(request)
    form = CaseFilterForm(request.GET or None)
    cases = client_cases(contact)
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("status", "")
    if show == "":
        cases = cases.filter(status__in=ACTIVE)
    elif show == "closed":
        cases = cases.exclude(status__in=ACTIVE)
    if q := data.get("q"):
        cases = cases.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    page = Paginator(cases.order_by("-opened_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"contact": contact, "form": form, "page": page, "zone": client_zone(contact)}
    return render(request, "portal/case_list.html", context)


@admits_remote_images
@clients_only
def case_detail(request: HtmxRequest, reference: str) -> HttpResponse:
    contact = portal_contact(request)
    case = get_client_case(contact, reference)
    # "Show images" for one message: remote images stay blocked everywhere else.
    images = shown_message(request.GET.get("images"))
    if request.htmx and images is not None:
        message = public_messages(case).filter(pk=images).first()
        if message is None:
            raise Http404("No such message on this case")
        context = {"m": message, "images": images, "zone": client_zone(contact)}
        return render(request, "portal/_conversation_item.html", context)
    context = {
        "contact": contact,
        "case": case,
        "images": images,
        "conversation": public_messages(case),
        "form": ReplyForm(),
        "zone": client_zone(contact),
        "now": timezone.now(),
        "closed": case.status == CaseStatus.CLOSED,
    }
    return render(request, "portal/case_detail.html", context)


@require_POST
@clients_only
def case_reply(request: HttpRequest, reference: str) -> HttpResponse:
    contact = portal_contact(request)
    case = get_client_case(contact, reference)
    form = ReplyForm(request.POST, request.FILES)
    if case.status == CaseStatus.CLOSED:
        messages.error(request, f"{case.reference} is closed; please open a new case.")
        return redirect("portal:case", case.reference)
    if form.is_valid():
        try:
            services.add_message(
                acting_user(request),
                case,
                text=form.cleaned_data["text"],
                channel="portal",
                contact=contact,
                attachments=_attachments(form.cleaned_data["attachments"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your reply has been sent to your PSM.")
            return redirect("portal:case", case.reference)
    # What was typed stays in the form, with the reason beside it.
    context = {
        "contact": contact,
        "case": case,
        "conversation": public_messages(case),
        "form": form,
        "zone": client_zone(contact),
        "now": timezone.now(),
        "closed": False,
    }
    return render(request, "portal/case_detail.html", context, status=400)


@clients_only
def case_create(request: HttpRequest) -> HttpResponse:
    contact = portal_contact(request)
    account = contact.account
    initial = {"priority": contact.default_priority, "site": contact.site_id}
    form = NewCaseForm(
        request.POST or None, request.FILES or None, account=account, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        user = acting_user(request)
        try:
            case = services.open_case(
                user,
                account,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                priority=form.cleaned_data["priority"],
                contact=contact,
                site=form.cleaned_data["site"],
                origin=Origin.PORTAL,
                attachments=_attachments(form.cleaned_data["attachments"]),
                acknowledge_to=contact.primary_email,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            told = case.routing.get("client_message") or "Your PSM has been told."
            messages.success(request, f"Case {case.reference} opened. {told}")
            return redirect("portal:case", case.reference)
    status = 400 if request.method == "POST" else 200
    context = {"contact": contact, "form": form, "zone": client_zone(contact)}
    return render(request, "portal/case_form.html", context, status=status)
