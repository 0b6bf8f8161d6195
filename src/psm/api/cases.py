"""Cases: list with filters, one case, its messages; open, update, reply, note, attach."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from psm.accounts.models import Contact, InstalledProduct, Site
from psm.accounts.scoping import scope, visible_accounts
from psm.api.accounts import ListParams, account_for
from psm.api.auth import WRITE, user
from psm.api.errors import ApiError, errors
from psm.api.pagination import Order, paginate
from psm.api.types import Id, Reference, Text, When
from psm.cases import services
from psm.cases.models import (
    ACTIVE,
    Attachment,
    Case,
    CaseStatus,
    Message,
    MessageChannel,
    Origin,
)
from psm.lib.forms import megabytes, upload_limit
from psm.team.models import Role, User

router = Router(tags=["cases"])
STAFF_ROLES = (Role.ENGINEER, Role.MANAGER, Role.ADMIN)

StatusName = Literal[
    "new", "open", "waiting_on_client", "waiting_on_provider", "resolved", "closed"
]
PriorityName = Literal["P1", "P2", "P3", "P4"]
SORTS = {
    "-opened": Order(("-opened_at", "-id")),
    "opened": Order(("opened_at", "id")),
    "updated": Order(("updated_at", "id")),
}


class PersonOut(Schema):
    username: str
    name: str


def person(u: User | None) -> dict[str, str] | None:
    return None if u is None else {"username": u.username, "name": u.display_name}


class CaseOut(Schema):
    reference: str
    account: str
    title: str
    status: StatusName
    priority: PriorityName
    origin: str
    assignee: PersonOut | None
    contact: int | None = Field(None, alias="contact_id")
    site: int | None = Field(None, alias="site_id")
    installed_product: int | None = Field(None, alias="installed_product_id")
    opened_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    last_update_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due: datetime | None
    next_update_due: datetime | None
    resolution_due: datetime | None
    breached: bool = Field(description="Any SLA target ever missed")
    client_message: str = Field(description="What the client was told when it opened")

    @staticmethod
    def resolve_account(obj: Case) -> str:
        return obj.account.slug

    @staticmethod
    def resolve_assignee(obj: Case) -> dict[str, str] | None:
        return person(obj.assignee)

    @staticmethod
    def resolve_client_message(obj: Case) -> str:
        return str((obj.routing or {}).get("client_message") or "")


class CaseList(Schema):
    items: list[CaseOut]
    next: str | None


class CaseFilters(ListParams):
    account: Text | None = Field(None, max_length=40, description="An account's slug")
    status: Literal[StatusName, "active", "all"] = Field(
        "active", description="One status, active (the default: not resolved or closed) or all"
    )
    priority: PriorityName | None = None
    assignee: Text | None = Field(None, max_length=150, description="A username")
    breached: bool | None = Field(None, description="Only cases that missed a target (true)")
    q: Text | None = Field(None, max_length=100, description="Part of the reference or title")
    opened_after: When | None = None
    opened_before: When | None = None
    updated_since: When | None = Field(None, description="For syncing: with sort=updated")
    sort: Literal["-opened", "opened", "updated"] = Field(
        "-opened", description="Newest first (default), oldest first, or by last change"
    )


def visible_cases(request: HttpRequest) -> QuerySet[Case]:
    return scope(Case.objects.all(), user(request)).select_related("account", "assignee", "contact")


def client_contact(u: User) -> Contact:
    """A client token's own contact record, on an account they may still see."""
    contact = (
        Contact.objects.filter(user=u, is_active=True, account__in=visible_accounts(u))
        .select_related("account", "site")
        .first()
    )
    if contact is None:
        raise ApiError(403, "Your portal access is not active; ask your PSM.")
    return contact


def case_for(request: HttpRequest, reference: Reference) -> Case:
    case = visible_cases(request).filter(reference=reference.upper()).first()
    if case is None:
        raise ApiError(404, f"No case {reference!r}.")
    return case


@router.get("/cases", response={200: CaseList, **errors(422)}, summary="List cases")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    """Cases of the accounts the token's user may see, filtered; newest first by default."""
    rows = visible_cases(request).defer("coverage", "pauses")
    if filters.status == "active":
        rows = rows.filter(status__in=ACTIVE)
    elif filters.status != "all":
        rows = rows.filter(status=filters.status)
    if filters.account:
        rows = rows.filter(account__slug=filters.account)
    if filters.priority:
        rows = rows.filter(priority=filters.priority)
    if filters.assignee:
        rows = rows.filter(assignee__username=filters.assignee)
    if filters.breached is not None:
        rows = rows.filter(breached=filters.breached)
    if filters.q:
        rows = rows.filter(Q(reference__icontains=filters.q) | Q(title__icontains=filters.q))
    if filters.opened_after:
        rows = rows.filter(opened_at__gte=filters.opened_after)
    if filters.opened_before:
        rows = rows.filter(opened_at__lt=filters.opened_before)
    if filters.updated_since:
        rows = rows.filter(updated_at__gte=filters.updated_since)
    order = SORTS[filters.sort]
    return paginate(request, rows, order, cursor=filters.cursor, limit=filters.limit)


@router.get("/cases/{reference}", response={200: CaseOut, **errors(404)}, summary="A case")
def get_case(request: HttpRequest, reference: Reference) -> Case:
    return case_for(request, reference)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    case: str
    direction: Literal["in", "out"]
    channel: str
    internal: bool = Field(alias="is_internal")
    automatic: bool = Field(alias="is_automatic")
    author: PersonOut | None
    author_contact: int | None = Field(None, alias="author_contact_id")
    subject: str
    text: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_case(obj: Message) -> str:
        return obj.case.reference

    @staticmethod
    def resolve_author(obj: Message) -> dict[str, str] | None:
        return person(obj.author_user)

    @staticmethod
    def resolve_attachments(obj: Message, context: Any) -> list[dict[str, Any]]:
        request = context["request"]
        return [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": request.build_absolute_uri(
                    f"/api/v1/cases/{obj.case.reference}/attachments/{a.pk}"
                ),
            }
            for a in obj.attachments.all()
        ]


class MessageList(Schema):
    items: list[MessageOut]
    next: str | None


class MessageFilters(ListParams):
    since: When | None = Field(None, description="Only messages from this time on")


def messages_of(request: HttpRequest, case: Case) -> QuerySet[Message]:
    rows = (
        Message.objects.filter(case=case)
        .select_related("author_user", "case")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    if user(request).is_client:
        rows = rows.filter(is_internal=False)
    return rows


@router.get(
    "/cases/{reference}/messages",
    response={200: MessageList, **errors(404, 422)},
    summary="A case's messages (a client's token: without internal notes)",
)
def list_messages(
    request: HttpRequest, reference: Reference, filters: Query[MessageFilters]
) -> dict[str, Any]:
    case = case_for(request, reference)
    rows = messages_of(request, case)
    if filters.since:
        rows = rows.filter(created_at__gte=filters.since)
    order = Order(("created_at", "id"))
    return paginate(request, rows, order, cursor=filters.cursor, limit=filters.limit)


class AllMessageFilters(MessageFilters):
    account: Text | None = Field(None, max_length=40, description="An account's slug")
    direction: Literal["in", "out"] | None = Field(None, description="in: from the client")


@router.get(
    "/messages",
    response={200: MessageList, **errors(422)},
    tags=["messages"],
    summary="Messages of every case the token sees, oldest first (for syncing: since=…)",
)
def list_all_messages(request: HttpRequest, filters: Query[AllMessageFilters]) -> dict[str, Any]:
    rows = (
        scope(Message.objects.all(), user(request), "case__account")
        .select_related("author_user", "case")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    if user(request).is_client:
        rows = rows.filter(is_internal=False)
    if filters.account:
        rows = rows.filter(case__account__slug=filters.account)
    if filters.direction:
        rows = rows.filter(direction=filters.direction)
    if filters.since:
        rows = rows.filter(created_at__gte=filters.since)
    order = Order(("created_at", "id"))
    return paginate(request, rows, order, cursor=filters.cursor, limit=filters.limit)


# -- writes ---------------------------------------------------------------------------------


def staff_only(request: HttpRequest, what: str) -> User:
    u = user(request)
    if not u.is_provider_staff:
        raise ApiError(403, f"Only the provider's staff may {what}.")
    return u


def refuse(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}", [{"loc": ["body", field], "msg": message}])


class CaseIn(Schema):
    account: Text | None = Field(
        None, max_length=40, description="The account's slug (a client's token: its own)"
    )
    title: Text = Field(min_length=1, max_length=300)
    text: Text = Field("", max_length=100_000, description="The description")
    priority: PriorityName | None = Field(None, description="Default: the contact's or P3")
    contact: Id | None = Field(None, description="Who reported it (a client's token: them)")
    site: Id | None = None
    installed_product: Id | None = None
    acknowledge: bool = Field(True, description="E-mail the contact who has it and by when")


@router.post(
    "/cases",
    response={201: CaseOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="Open a case (a 7x24 priority pages like any other channel)",
)
def create_case(request: HttpRequest, data: CaseIn) -> Status[Any]:
    u = user(request)
    contact: Contact | None = None
    if u.is_client:
        contact = client_contact(u)
        account = contact.account
        if data.account and data.account != account.slug:
            raise ApiError(404, f"No account {data.account!r}.")
        if data.contact not in (None, contact.pk):
            raise refuse("contact", "a client opens cases as themselves")
        origin = Origin.PORTAL
    else:
        if not data.account:
            raise refuse("account", "give the account's slug")
        account = account_for(request, data.account)
        origin = Origin.STAFF
        if data.contact is not None:
            contact = Contact.objects.filter(
                pk=data.contact, account=account, is_active=True
            ).first()
            if contact is None:
                raise refuse("contact", "no active contact of this account by that id")
    site = None
    if data.site is not None:
        site = Site.objects.filter(pk=data.site, account=account).first()
        if site is None:
            raise refuse("site", "no site of this account by that id")
    install = None
    if data.installed_product is not None:
        install = InstalledProduct.objects.filter(
            pk=data.installed_product, account=account
        ).first()
        if install is None:
            raise refuse("installed_product", "no installed product of this account by that id")
    priority = data.priority or (contact.default_priority if contact else None)
    case = services.open_case(
        u,
        account,
        title=data.title,
        text=data.text,
        priority=priority,
        contact=contact,
        site=site or (contact.site if contact else None),
        installed_product=install,
        origin=origin,
        acknowledge_to=contact.primary_email if contact and data.acknowledge else "",
    )
    return Status(201, case_for(request, case.reference))


class CaseUpdate(Schema):
    status: StatusName | None = None
    priority: PriorityName | None = None
    priority_reason: Text = Field("", max_length=500, description="Why (an internal note)")
    assignee: Text | None = Field(None, max_length=150, description="A username; null: nobody")


@router.patch(
    "/cases/{reference}",
    response={200: CaseOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="Change status, priority or assignee (staff)",
)
def update_case(request: HttpRequest, reference: Reference, data: CaseUpdate) -> Case:
    case = case_for(request, reference)
    u = staff_only(request, "change a case's status, priority or assignee")
    given = data.model_fields_set
    engineer: User | None = None
    if "assignee" in given and data.assignee is not None:
        engineer = User.objects.filter(
            username=data.assignee, is_active=True, role__in=STAFF_ROLES
        ).first()
        if engineer is None:
            raise refuse("assignee", "no active engineer, manager or admin by that username")
    with transaction.atomic():
        if data.priority is not None:
            services.change_priority(u, case, data.priority, data.priority_reason)
        if data.status is not None:
            services.set_status(u, case, data.status)
        if "assignee" in given:
            services.assign(u, case, engineer)
    return case_for(request, reference)


class ReplyIn(Schema):
    text: Text = Field(min_length=1, max_length=100_000)
    status: StatusName | None = Field(None, description="Staff: the status to set with the reply")


@router.post(
    "/cases/{reference}/replies",
    response={201: MessageOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="Reply (staff: to the client, by e-mail; a client: to their PSM)",
)
def reply(request: HttpRequest, reference: Reference, data: ReplyIn) -> Status[Any]:
    case = case_for(request, reference)
    return Status(201, _reply(request, case, data.text, data.status, []))


def _reply(
    request: HttpRequest,
    case: Case,
    text: str,
    status: str | None,
    files: list[services.NewAttachment],
) -> Message:
    u = user(request)
    if u.is_client:
        if status is not None:
            raise refuse("status", "a client's reply cannot set the status")
        if case.status == CaseStatus.CLOSED:
            raise ApiError(422, f"{case.reference} is closed; open a new case.")
        message = services.add_message(
            u,
            case,
            text=text,
            channel=MessageChannel.PORTAL,
            contact=client_contact(u),
            attachments=files,
        )
    else:
        message = services.reply(u, case, text=text, status=status, attachments=files)
    return messages_of(request, case).get(pk=message.pk)


class NoteIn(Schema):
    text: Text = Field(min_length=1, max_length=100_000)


@router.post(
    "/cases/{reference}/notes",
    response={201: MessageOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="An internal note (staff; never shown to the client)",
)
def add_note(request: HttpRequest, reference: Reference, data: NoteIn) -> Status[Any]:
    case = case_for(request, reference)
    u = staff_only(request, "write internal notes")
    message = services.add_note(u, case, data.text)
    return Status(201, messages_of(request, case).get(pk=message.pk))


@router.post(
    "/cases/{reference}/attachments",
    response={201: MessageOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="Attach files, with a message (multipart/form-data: text, files)",
)
def attach(
    request: HttpRequest,
    reference: Reference,
    text: Form[str],
    files: File[list[UploadedFile]],
) -> Status[Any]:
    case = case_for(request, reference)
    if not text.strip():
        raise refuse("text", "say something about the files")
    limit = upload_limit()
    attachments = []
    for f in files:
        if f.size is not None and f.size > limit:
            raise refuse(
                "files", f"{f.name} is {megabytes(f.size)}; the limit is {megabytes(limit)}"
            )
        attachments.append(
            services.NewAttachment(f.name or "attachment", f.read(), f.content_type or "")
        )
    return Status(201, _reply(request, case, text, None, attachments))


@router.get(
    "/cases/{reference}/attachments/{attachment_id}",
    response=errors(403, 404),
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
    summary="Download an attached file",
)
def download(request: HttpRequest, reference: Reference, attachment_id: Id) -> HttpResponseBase:
    case = case_for(request, reference)
    item = (
        Attachment.objects.filter(pk=attachment_id, message__case=case)
        .select_related("message")
        .first()
    )
    if item is None or (user(request).is_client and item.message.is_internal):
        raise ApiError(404, "No such attachment.")
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)
    response["Content-Type"] = "application/octet-stream"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    return response
