"""Knowledge-base articles: what the caller may read (a client's token: the published,
client-visible articles of its own account and the global ones; staff: every article of
the accounts they see and the global ones, drafts and internal ones included), and search."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from psm.api.accounts import ListParams
from psm.api.auth import user
from psm.api.cases import PersonOut, client_contact, person
from psm.api.errors import ApiError, errors
from psm.api.pagination import Order, paginate
from psm.api.types import Id, Text
from psm.knowledge import search
from psm.knowledge.models import Article
from psm.knowledge.queries import staff_articles

router = Router(tags=["knowledge"])

VisibilityName = Literal["internal", "client"]
StatusName = Literal["draft", "published"]
SEARCH_LIMIT = 50


class ArticleOut(Schema):
    id: int
    account: str | None = Field(description="null for a global article (every account's)")
    slug: str
    title: str
    tags: list[str]
    visibility: VisibilityName
    status: StatusName
    revision: int
    body: str = Field(description="Markdown, as written")
    url: str = Field(description="The article's page in PSM (the portal's for a client)")
    updated_at: datetime
    published_at: datetime | None
    updated_by: PersonOut | None

    @staticmethod
    def resolve_account(obj: Article) -> str | None:
        return obj.account.slug if obj.account else None

    @staticmethod
    def resolve_url(obj: Article, context: Any) -> str:
        request = context["request"]
        path = obj.get_portal_url() if user(request).is_client else obj.get_absolute_url()
        return str(request.build_absolute_uri(path))

    @staticmethod
    def resolve_updated_by(obj: Article) -> dict[str, str] | None:
        return person(obj.updated_by)


class ArticleList(Schema):
    items: list[ArticleOut]
    next: str | None


class ArticleFilters(ListParams):
    account: Text | None = Field(None, max_length=40, description="An account's slug")
    scope: Literal["global", "account"] | None = Field(
        None, description="Only global articles, or only account ones"
    )
    tag: Text | None = Field(None, max_length=60)
    status: StatusName | None = None
    visibility: VisibilityName | None = None
    updated_after: datetime | None = None


class HitOut(Schema):
    article: ArticleOut
    rank: float
    snippet_html: str = Field(description="Escaped text with the matches in <mark>")


class SearchResults(Schema):
    query: str
    total: int
    items: list[HitOut]


class SearchParams(Schema):
    q: Text = Field(..., min_length=1, max_length=200, description='Words, "a phrase", -not')
    limit: int = Field(20, ge=1, le=SEARCH_LIMIT)


def readable_articles(request: HttpRequest) -> QuerySet[Article]:
    caller = user(request)
    rows: QuerySet[Article]
    if caller.is_client:
        rows = Article.objects.for_client(client_contact(caller).account_id)
    else:
        rows = staff_articles(caller)
    return rows.select_related("account", "updated_by")


@router.get("/articles", response={200: ArticleList, **errors(422)}, summary="List articles")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> dict[str, Any]:
    """Most recently changed first."""
    rows = readable_articles(request)
    if filters.account:
        rows = rows.filter(account__slug=filters.account)
    if filters.scope:
        rows = rows.filter(account__isnull=filters.scope == "global")
    if filters.tag:
        rows = rows.filter(tags__icontains=f'"{filters.tag.lower()}"')
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.visibility:
        rows = rows.filter(visibility=filters.visibility)
    if filters.updated_after:
        rows = rows.filter(updated_at__gt=filters.updated_after)
    order = Order(("-updated_at", "-id"))
    return paginate(request, rows, order, cursor=filters.cursor, limit=filters.limit)


@router.get(
    "/articles/search",
    response={200: SearchResults, **errors(422)},
    summary="Search articles, best match first",
)
def search_articles(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Full-text search (FTS5 on SQLite, PostgreSQL's text search), ranked, with a snippet.
    Whatever is typed is searched for as words: it never makes an error."""
    found = search.search(readable_articles(request), params.q, limit=params.limit)
    return {
        "query": found.query,
        "total": found.total,
        "items": [
            {"article": hit.article, "rank": hit.rank, "snippet_html": hit.snippet_html}
            for hit in found.hits
        ],
    }


@router.get(
    "/articles/{article_id}", response={200: ArticleOut, **errors(404)}, summary="An article"
)
def get_article(request: HttpRequest, article_id: Id) -> Article:
    found = readable_articles(request).filter(pk=article_id).first()
    if found is None:
        raise ApiError(404, "No such article.")
    return found
