"""Accounts, their sites, contacts and installed products (read)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from psm.accounts.models import Account, Contact, ContactEmail, InstalledProduct, Site
from psm.accounts.scoping import visible_accounts
from psm.api.auth import user
from psm.api.errors import ApiError, errors
from psm.api.pagination import MAX_LIMIT, Order, paginate
from psm.api.types import Slug, Text

router = Router(tags=["accounts"])


class AccountOut(Schema):
    slug: str
    name: str
    status: str
    timezone: str
    country: str
    service_plan: str | None
    contract_start: date | None
    contract_end: date | None

    @staticmethod
    def resolve_service_plan(obj: Account) -> str | None:
        return obj.service_plan.slug if obj.service_plan_id else None


class AccountList(Schema):
    items: list[AccountOut]
    next: str | None = Field(description="The next page, or null on the last")


class ListParams(Schema):
    cursor: Text | None = Field(None, description="From a next link; leave out for page 1")
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, description="Rows per page (50)")


class AccountFilters(ListParams):
    q: Text | None = Field(None, max_length=100, description="Part of the name or slug")
    status: Text | None = Field(None, max_length=20, description="e.g. active")


def account_for(request: HttpRequest, slug: Slug) -> Account:
    """The account if the caller may see it, else 404 (never 403: nothing leaks)."""
    account = (
        visible_accounts(user(request))
        .select_related("service_plan")
        .filter(slug=slug)
        .distinct()
        .first()
    )
    if account is None:
        raise ApiError(404, f"No account {slug!r}.")
    return account


@router.get("/accounts", response={200: AccountList, **errors(422)}, summary="List accounts")
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> dict[str, Any]:
    """The accounts the token's user may see (a client: their own), by slug."""
    rows = Account.objects.filter(pk__in=visible_accounts(user(request)).values("pk"))
    rows = rows.select_related("service_plan")
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(slug__icontains=filters.q))
    if filters.status:
        rows = rows.filter(status=filters.status)
    return paginate(
        request, rows, Order(("slug", "id")), cursor=filters.cursor, limit=filters.limit
    )


@router.get("/accounts/{slug}", response={200: AccountOut, **errors(404)}, summary="An account")
def get_account(request: HttpRequest, slug: Slug) -> Account:
    return account_for(request, slug)


class SiteOut(Schema):
    id: int
    name: str
    timezone: str
    city: str
    country: str
    address: str
    is_headquarters: bool


class SiteList(Schema):
    items: list[SiteOut]
    next: str | None


@router.get(
    "/accounts/{slug}/sites",
    response={200: SiteList, **errors(404, 422)},
    summary="An account's sites",
)
def list_sites(request: HttpRequest, slug: Slug, params: Query[ListParams]) -> dict[str, Any]:
    account = account_for(request, slug)
    rows: QuerySet[Site] = Site.objects.filter(account=account)
    return paginate(request, rows, Order(("id",)), cursor=params.cursor, limit=params.limit)


class ContactOut(Schema):
    id: int
    name: str
    title: str
    email: str
    emails: list[str]
    phone: str
    mobile: str
    site: int | None = Field(None, alias="site_id")
    preferred_channel: str
    default_priority: str
    is_active: bool
    has_portal_access: bool

    @staticmethod
    def resolve_email(obj: Contact) -> str:
        return obj.primary_email

    @staticmethod
    def resolve_emails(obj: Contact) -> list[str]:
        return [e.address for e in obj.emails.all()]


class ContactList(Schema):
    items: list[ContactOut]
    next: str | None


class ContactFilters(ListParams):
    active: bool | None = Field(None, description="Only active (true) or inactive (false)")


@router.get(
    "/accounts/{slug}/contacts",
    response={200: ContactList, **errors(404, 422)},
    summary="An account's contacts",
)
def list_contacts(
    request: HttpRequest, slug: Slug, filters: Query[ContactFilters]
) -> dict[str, Any]:
    account = account_for(request, slug)
    emails = ContactEmail.objects.order_by("-is_primary", "id")
    rows = Contact.objects.filter(account=account).prefetch_related(
        Prefetch("emails", queryset=emails)
    )
    if filters.active is not None:
        rows = rows.filter(is_active=filters.active)
    return paginate(request, rows, Order(("id",)), cursor=filters.cursor, limit=filters.limit)


class InstallOut(Schema):
    id: int
    product: str
    product_name: str
    vendor: str
    version: str
    platform: str
    site: int | None = Field(None, alias="site_id")
    users: int | None
    notes: str

    @staticmethod
    def resolve_product(obj: InstalledProduct) -> str:
        return obj.product.slug

    @staticmethod
    def resolve_product_name(obj: InstalledProduct) -> str:
        return obj.product.name

    @staticmethod
    def resolve_vendor(obj: InstalledProduct) -> str:
        return obj.product.vendor


class InstallList(Schema):
    items: list[InstallOut]
    next: str | None


class InstallFilters(ListParams):
    product: Text | None = Field(None, max_length=120, description="A product's slug")


@router.get(
    "/accounts/{slug}/installs",
    response={200: InstallList, **errors(404, 422)},
    summary="An account's installed products",
)
def list_installs(
    request: HttpRequest, slug: Slug, filters: Query[InstallFilters]
) -> dict[str, Any]:
    account = account_for(request, slug)
    rows = InstalledProduct.objects.filter(account=account).select_related("product")
    if filters.product:
        rows = rows.filter(product__slug=filters.product)
    return paginate(request, rows, Order(("id",)), cursor=filters.cursor, limit=filters.limit)
