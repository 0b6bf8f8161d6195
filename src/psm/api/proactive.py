"""Advisories matched to each account (their relevance, delivery and acknowledgement) and
status report runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.files.storage import default_storage
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from psm.accounts.scoping import scope
from psm.advisories import services as advisory_services
from psm.advisories.models import AccountAdvisory, InstallAction, ItemState
from psm.api.accounts import ListParams
from psm.api.auth import WRITE, user
from psm.api.cases import client_contact
from psm.api.errors import ApiError, errors
from psm.api.pagination import Order, paginate
from psm.api.types import Id, Text
from psm.reports.models import ReportRun, RunStatus

router = Router(tags=["advisories and reports"])

ItemStateName = Literal["review", "delivered", "not_relevant", "withdrawn"]


class AdvisoryOut(Schema):
    tracking_id: str
    revision: str
    title: str
    publisher: str
    severity: str
    score: float | None
    cves: list[str]
    current_release: datetime | None


class InstallActionOut(Schema):
    install: int = Field(alias="install_id")
    state: str
    deferred_until: str | None
    note: str

    @staticmethod
    def resolve_deferred_until(obj: InstallAction) -> str | None:
        return obj.deferred_until.isoformat() if obj.deferred_until else None


class AccountAdvisoryOut(Schema):
    """One advisory for one account: relevant to its installed products since
    ``relevant_since``; reviewed by the PSM, delivered, acknowledged by the client."""

    id: int
    account: str
    advisory: AdvisoryOut
    state: ItemStateName
    relevant_since: datetime
    client_text: str
    not_relevant_reason: str | None = Field(description="Staff only (null for a client)")
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    installs: list[InstallActionOut]

    @staticmethod
    def resolve_account(obj: AccountAdvisory) -> str:
        return obj.account.slug

    @staticmethod
    def resolve_not_relevant_reason(obj: AccountAdvisory, context: Any) -> str | None:
        return None if user(context["request"]).is_client else obj.not_relevant_reason

    @staticmethod
    def resolve_installs(obj: AccountAdvisory) -> list[InstallAction]:
        return list(obj.actions.all())


class AccountAdvisoryList(Schema):
    items: list[AccountAdvisoryOut]
    next: str | None


class AdvisoryFilters(ListParams):
    account: Text | None = Field(None, max_length=40)
    state: ItemStateName | None = None
    severity: Text | None = Field(None, max_length=10, description="e.g. critical")


def _advisories(request: HttpRequest) -> QuerySet[AccountAdvisory]:
    rows = scope(AccountAdvisory.objects.all(), user(request)).select_related("account", "advisory")
    rows = rows.defer("advisory__document", "advisory__notes").prefetch_related(
        Prefetch("actions", queryset=InstallAction.objects.order_by("id"))
    )
    if user(request).is_client:
        rows = rows.filter(state=ItemState.DELIVERED)
    return rows


def _advisory(request: HttpRequest, item_id: int) -> AccountAdvisory:
    found = _advisories(request).filter(pk=item_id).first()
    if found is None:
        raise ApiError(404, "No such advisory for your accounts.")
    return found


@router.get(
    "/advisories",
    response={200: AccountAdvisoryList, **errors(422)},
    summary="Advisories relevant to the accounts (a client's token: those delivered to it)",
)
def list_advisories(request: HttpRequest, filters: Query[AdvisoryFilters]) -> dict[str, Any]:
    """Newest relevance first."""
    rows = _advisories(request)
    if filters.account:
        rows = rows.filter(account__slug=filters.account)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.severity:
        rows = rows.filter(advisory__severity=filters.severity)
    order = Order(("-relevant_since", "-id"))
    return paginate(request, rows, order, cursor=filters.cursor, limit=filters.limit)


@router.get(
    "/advisories/{item_id}",
    response={200: AccountAdvisoryOut, **errors(404)},
    summary="One advisory for one account",
)
def get_advisory(request: HttpRequest, item_id: Id) -> AccountAdvisory:
    return _advisory(request, item_id)


@router.post(
    "/advisories/{item_id}/acknowledge",
    response={200: AccountAdvisoryOut, **errors(403, 404, 422)},
    auth=WRITE,
    summary="Acknowledge a delivered advisory (the client's contacts)",
)
def acknowledge_advisory(request: HttpRequest, item_id: Id) -> AccountAdvisory:
    item = _advisory(request, item_id)
    u = user(request)
    if not u.is_client:
        raise ApiError(403, "The client's contacts acknowledge advisories.")
    advisory_services.acknowledge(item, client_contact(u), u)
    return _advisory(request, item_id)


RunStatusName = Literal["pending", "held", "releasing", "sent", "failed"]


class ReportRunOut(Schema):
    id: int
    account: str
    name: str
    period_kind: str
    period_code: str
    period_label: str
    period_start: datetime
    period_end: datetime
    status: RunStatusName
    trigger: str
    sent_at: datetime | None
    recipients: list[str] | None = Field(description="Staff only (null for a client)")
    pdf_url: str | None = Field(description="The PDF, when it has been made")
    created_at: datetime

    @staticmethod
    def resolve_account(obj: ReportRun) -> str:
        return obj.account.slug

    @staticmethod
    def resolve_recipients(obj: ReportRun, context: Any) -> list[str] | None:
        return None if user(context["request"]).is_client else list(obj.recipients or [])

    @staticmethod
    def resolve_pdf_url(obj: ReportRun, context: Any) -> str | None:
        if not obj.pdf_path:
            return None
        return str(context["request"].build_absolute_uri(f"/api/v1/report-runs/{obj.pk}/pdf"))


class ReportRunList(Schema):
    items: list[ReportRunOut]
    next: str | None


class RunFilters(ListParams):
    account: Text | None = Field(None, max_length=40)
    status: RunStatusName | None = None


def _runs(request: HttpRequest) -> QuerySet[ReportRun]:
    rows = scope(ReportRun.objects.all(), user(request)).select_related("account")
    rows = rows.defer("data", "brand")
    if user(request).is_client:
        rows = rows.filter(status=RunStatus.SENT)
    return rows


def _run(request: HttpRequest, run_id: int) -> ReportRun:
    found = _runs(request).filter(pk=run_id).first()
    if found is None:
        raise ApiError(404, "No such report run.")
    return found


@router.get(
    "/report-runs",
    response={200: ReportRunList, **errors(422)},
    summary="Status report runs (a client's token: those sent)",
)
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> dict[str, Any]:
    """Newest first."""
    rows = _runs(request)
    if filters.account:
        rows = rows.filter(account__slug=filters.account)
    if filters.status:
        rows = rows.filter(status=filters.status)
    order = Order(("-created_at", "-id"))
    return paginate(request, rows, order, cursor=filters.cursor, limit=filters.limit)


@router.get(
    "/report-runs/{run_id}", response={200: ReportRunOut, **errors(404)}, summary="A report run"
)
def get_run(request: HttpRequest, run_id: Id) -> ReportRun:
    return _run(request, run_id)


@router.get(
    "/report-runs/{run_id}/pdf",
    response=errors(404),
    openapi_extra={
        "responses": {
            200: {
                "description": "The report as PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="A report run's PDF",
)
def run_pdf(request: HttpRequest, run_id: Id) -> HttpResponse:
    run = _run(request, run_id)
    if not run.pdf_path or not default_storage.exists(run.pdf_path):
        raise ApiError(404, "This report's PDF has not been made yet.")
    with default_storage.open(run.pdf_path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/pdf")
    name = f"{run.account.slug}-{run.period_code.replace('..', '_to_')}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
