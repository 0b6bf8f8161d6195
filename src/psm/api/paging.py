"""Pages: list, page (like the portal's "page my PSM" button), read, acknowledge. The
paging app's older endpoints (/paging/api/pages/…) are the same operations (``legacy``)."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, NinjaAPI, Query, Router, Schema, Status

from psm.accounts.scoping import scope
from psm.api import errors as api_errors
from psm.api.accounts import ListParams, account_for
from psm.api.auth import READ, WRITE, TokenThrottle, user
from psm.api.cases import client_contact, refuse
from psm.api.errors import ApiError, errors
from psm.api.pagination import Order, paginate
from psm.api.types import Id, Text
from psm.cases.models import Case
from psm.paging import services
from psm.paging.api import page_json
from psm.paging.models import UNACKNOWLEDGED, AckVia, Page, PageSource

router = Router(tags=["pages"])

PageStatusName = Literal["open", "escalated", "acknowledged", "fallback", "resolved"]


class StepOut(Schema):
    kind: str
    at: str
    position: int
    target: str | None
    role: str | None
    transports: list[str]
    via: str | None
    detail: str


class PageOut(Schema):
    id: int
    account: str
    priority: str
    status: PageStatusName
    target: str | None = Field(description="The engineer paged now (username)")
    channel: str
    ack_deadline: str | None
    opened_at: str | None
    acknowledged_by: str | None
    acknowledged_at: str | None
    ack_via: str | None
    client_message: str = Field(description="What the client is told")
    chain: list[str] = Field(description="The escalation chain (usernames)")
    steps: list[StepOut]


class AckOut(PageOut):
    acknowledged_now: bool = Field(description="False when it already was acknowledged")


class PageList(Schema):
    items: list[PageOut]
    next: str | None


class PageFilters(ListParams):
    account: Text | None = Field(None, max_length=40)
    status: PageStatusName | Literal["waiting"] | None = Field(
        None, description="One status, or waiting (not yet acknowledged)"
    )


def _rows(request: HttpRequest) -> QuerySet[Page]:
    return (
        scope(Page.objects.all(), user(request))
        .select_related("account", "acknowledged_by", "target")
        .prefetch_related("steps")
    )


def page_for(request: HttpRequest, page_id: Id) -> Page:
    page = _rows(request).filter(pk=page_id).first()
    if page is None:
        raise ApiError(404, "No such page.")
    return page


@router.get("/pages", response={200: PageList, **errors(422)}, summary="List pages")
def list_pages(request: HttpRequest, filters: Query[PageFilters]) -> dict[str, Any]:
    """Newest first."""
    rows = _rows(request)
    if filters.account:
        rows = rows.filter(account__slug=filters.account)
    if filters.status == "waiting":
        rows = rows.filter(status__in=UNACKNOWLEDGED)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    result = paginate(
        request, rows, Order(("-opened_at", "-id")), cursor=filters.cursor, limit=filters.limit
    )
    result["items"] = [page_json(p) for p in result["items"]]
    return result


class PageIn(Schema):
    account: Text | None = Field(
        None, max_length=40, description="The account's slug (a client's token: its own)"
    )
    priority: Literal["P1", "P2", "P3", "P4"] = "P1"
    message: Text = Field("", max_length=2000, description="What is wrong, for the engineer")
    case: Text | None = Field(None, max_length=60, description="A case's reference, if any")


@router.post(
    "/pages",
    response={201: PageOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="Page the PSM who covers the account now (acknowledgement, then escalation)",
)
def create_page(request: HttpRequest, data: PageIn) -> Status[Any]:
    u = user(request)
    contact = None
    if u.is_client:
        contact = client_contact(u)
        account = contact.account
        if data.account and data.account != account.slug:
            raise ApiError(404, f"No account {data.account!r}.")
        source = PageSource.PORTAL
    else:
        if not data.account:
            raise refuse("account", "give the account's slug")
        account = account_for(request, data.account)
        source = PageSource.STAFF
    case = None
    if data.case:
        case = Case.objects.filter(account=account, reference=data.case.upper()).first()
        if case is None:
            raise refuse("case", "no case of this account by that reference")
    page = services.page_psm(
        account,
        priority=data.priority,
        message=data.message,
        contact=contact,
        opened_by=u,
        source=source,
        case=case,
    )
    return Status(201, page_json(page_for(request, page.pk)))


@router.get("/pages/{page_id}", response={200: PageOut, **errors(404)}, summary="A page")
def get_page(request: HttpRequest, page_id: Id) -> dict[str, Any]:
    return page_json(page_for(request, page_id))


@router.post(
    "/pages/{page_id}/acknowledge",
    response={200: AckOut, **errors(403, 404)},
    auth=WRITE,
    summary="Acknowledge a page (the provider's engineers on the account): escalation stops",
)
def acknowledge(request: HttpRequest, page_id: Id) -> dict[str, Any]:
    page = page_for(request, page_id)
    done = services.acknowledge(page, user(request), AckVia.API)
    body = page_json(page_for(request, page_id))
    body["acknowledged_now"] = done
    return body


# The paging app's first API, at its old paths: the same operations and the same tokens
# (its older paging keys keep working too); not in the schema, which names the new paths.
legacy = NinjaAPI(
    title="PSM paging API (old paths)",
    version="1",
    urls_namespace="paging-api",
    auth=READ,
    throttle=[TokenThrottle()],
    openapi_url=None,
    docs_url=None,
)
api_errors.install(legacy)
legacy.get("/pages/{page_id}/", response={200: PageOut, **errors(404)}, url_name="page")(get_page)
legacy.post(
    "/pages/{page_id}/acknowledge/",
    response={200: AckOut, **errors(403, 404)},
    auth=WRITE,
    url_name="acknowledge",
)(acknowledge)
