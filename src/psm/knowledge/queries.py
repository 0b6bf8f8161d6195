"""Which articles a reader may see, and what the case page suggests."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from psm.accounts.scoping import visible_accounts
from psm.cases.models import Case
from psm.knowledge import search
from psm.knowledge.models import Article, Status


def staff_articles(user: object) -> QuerySet[Article]:
    """Global articles and those of the accounts the user may see."""
    return Article.objects.filter(
        Q(account__isnull=True) | Q(account__in=visible_accounts(user))
    ).select_related("account")


def case_articles(case: Case) -> QuerySet[Article]:
    """What a reply on the case may quote: published articles of its account and global ones."""
    return Article.objects.filter(
        Q(account_id=case.account_id) | Q(account__isnull=True), status=Status.PUBLISHED
    ).select_related("account")


def suggestions(case: Case, q: str, limit: int = 5) -> list[Any]:
    """Articles for the reply: a search when something was typed, else those matching the
    case's title, else the latest."""
    articles = case_articles(case)
    if q:
        return [h.article for h in search.search(articles, q, limit=limit).hits]
    words = " or ".join(w for w in case.title.split() if len(w) > 3)[:200]
    found = [h.article for h in search.search(articles, words, limit=limit).hits] if words else []
    return found or list(articles.order_by("-updated_at")[:limit])
