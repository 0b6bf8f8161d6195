"""Touchpoints (check-ins, visits, reviews, events) and work items (read; work items take
progress notes and status changes from staff)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from psm.accounts.scoping import scope
from psm.api.accounts import ListParams
from psm.api.auth import WRITE, user
from psm.api.cases import PersonOut, person, staff_only
from psm.api.errors import ApiError, errors
from psm.api.pagination import Order, paginate
from psm.api.types import Id, Text, When
from psm.engagement.models import Milestone, ProgressNote, Touchpoint, WorkItem
from psm.engagement.services import work as work_services

router = Router(tags=["engagement"])

TouchpointKindName = Literal["check_in", "site_visit", "management_review", "event"]
TouchpointStatusName = Literal["scheduled", "completed", "cancelled"]
WorkTypeName = Literal["planning", "testing", "implementing", "supporting", "customizing"]
WorkStatusName = Literal["proposed", "planned", "in_progress", "on_hold", "done", "cancelled"]


class TouchpointOut(Schema):
    id: int
    account: str
    kind: TouchpointKindName
    status: TouchpointStatusName
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    site: int | None = Field(None, alias="site_id")
    location: str
    owner: PersonOut | None
    agenda: str
    outcomes: str | None = Field(description="Staff only (null for a client's token)")
    notes: str | None = Field(description="Staff only (null for a client's token)")
    completed_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_account(obj: Touchpoint) -> str:
        return obj.account.slug

    @staticmethod
    def resolve_owner(obj: Touchpoint) -> dict[str, str] | None:
        return person(obj.owner)

    @staticmethod
    def resolve_outcomes(obj: Touchpoint, context: Any) -> str | None:
        return None if user(context["request"]).is_client else obj.outcomes

    @staticmethod
    def resolve_notes(obj: Touchpoint, context: Any) -> str | None:
        return None if user(context["request"]).is_client else obj.notes


class TouchpointList(Schema):
    items: list[TouchpointOut]
    next: str | None


class TouchpointFilters(ListParams):
    account: Text | None = Field(None, max_length=40)
    kind: TouchpointKindName | None = None
    status: TouchpointStatusName | None = None
    starts_after: When | None = None
    starts_before: When | None = None


def _touchpoints(request: HttpRequest) -> QuerySet[Touchpoint]:
    return scope(Touchpoint.objects.all(), user(request)).select_related("account", "owner")


@router.get(
    "/touchpoints", response={200: TouchpointList, **errors(422)}, summary="List touchpoints"
)
def list_touchpoints(request: HttpRequest, filters: Query[TouchpointFilters]) -> dict[str, Any]:
    """By start time."""
    rows = _touchpoints(request)
    if filters.account:
        rows = rows.filter(account__slug=filters.account)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.starts_after:
        rows = rows.filter(starts_at__gte=filters.starts_after)
    if filters.starts_before:
        rows = rows.filter(starts_at__lt=filters.starts_before)
    order = Order(("starts_at", "id"))
    return paginate(request, rows, order, cursor=filters.cursor, limit=filters.limit)


@router.get(
    "/touchpoints/{touchpoint_id}",
    response={200: TouchpointOut, **errors(404)},
    summary="A touchpoint",
)
def get_touchpoint(request: HttpRequest, touchpoint_id: Id) -> Touchpoint:
    found = _touchpoints(request).filter(pk=touchpoint_id).first()
    if found is None:
        raise ApiError(404, "No such touchpoint.")
    return found


class MilestoneOut(Schema):
    title: str
    due_on: date | None
    done_on: date | None


class WorkItemOut(Schema):
    id: int
    account: str
    type: WorkTypeName
    title: str
    description: str
    status: WorkStatusName
    owner: PersonOut | None
    requested_by: int | None = Field(None, alias="requested_by_id")
    due_on: date | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_account(obj: WorkItem) -> str:
        return obj.account.slug

    @staticmethod
    def resolve_owner(obj: WorkItem) -> dict[str, str] | None:
        return person(obj.owner)

    @staticmethod
    def resolve_milestones(obj: WorkItem) -> list[Milestone]:
        return list(obj.milestones.all())


class WorkItemList(Schema):
    items: list[WorkItemOut]
    next: str | None


class WorkItemFilters(ListParams):
    account: Text | None = Field(None, max_length=40)
    status: WorkStatusName | None = None
    type: WorkTypeName | None = None


def _work(request: HttpRequest) -> QuerySet[WorkItem]:
    rows = scope(WorkItem.objects.all(), user(request)).select_related("account", "owner")
    rows = rows.prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "id"))
    )
    if user(request).is_client:
        rows = rows.exclude(status="cancelled")
    return rows


def work_item_for(request: HttpRequest, work_item_id: int) -> WorkItem:
    found = _work(request).filter(pk=work_item_id).first()
    if found is None:
        raise ApiError(404, "No such work item.")
    return found


@router.get("/work-items", response={200: WorkItemList, **errors(422)}, summary="List work items")
def list_work_items(request: HttpRequest, filters: Query[WorkItemFilters]) -> dict[str, Any]:
    rows = _work(request)
    if filters.account:
        rows = rows.filter(account__slug=filters.account)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.type:
        rows = rows.filter(type=filters.type)
    return paginate(request, rows, Order(("id",)), cursor=filters.cursor, limit=filters.limit)


@router.get(
    "/work-items/{work_item_id}",
    response={200: WorkItemOut, **errors(404)},
    summary="A work item",
)
def get_work_item(request: HttpRequest, work_item_id: Id) -> WorkItem:
    return work_item_for(request, work_item_id)


class WorkItemUpdate(Schema):
    status: WorkStatusName


@router.patch(
    "/work-items/{work_item_id}",
    response={200: WorkItemOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="Change a work item's status (staff)",
)
def update_work_item(request: HttpRequest, work_item_id: Id, data: WorkItemUpdate) -> WorkItem:
    item = work_item_for(request, work_item_id)
    u = staff_only(request, "change work items")
    work_services.update_work_item(u, item, status=data.status)
    return work_item_for(request, work_item_id)


class ProgressIn(Schema):
    text: Text = Field(min_length=1, max_length=20_000)


class ProgressOut(Schema):
    id: int
    text: str
    at: datetime
    author: PersonOut | None

    @staticmethod
    def resolve_author(obj: ProgressNote) -> dict[str, str] | None:
        return person(obj.author)


@router.post(
    "/work-items/{work_item_id}/notes",
    response={201: ProgressOut, **errors(400, 403, 404, 422)},
    auth=WRITE,
    summary="Add a progress note to a work item (staff)",
)
def add_progress(request: HttpRequest, work_item_id: Id, data: ProgressIn) -> Status[Any]:
    item = work_item_for(request, work_item_id)
    u = staff_only(request, "write progress notes")
    return Status(201, work_services.add_progress_note(u, item, data.text))
