"""Where an article's links lead, for each page that shows it.

``article:SLUG`` in an account's article names that account's article with the slug, or
else the global one; in a global article it names a global article. ``files/NAME`` names a
file of the article itself. The portal resolves only what the client may read; a link to
anything else keeps its text and loses its address."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from psm.knowledge.models import Article
from psm.knowledge.render import Links


def resolver_for(source: Article) -> Callable[[str], Article | None]:
    def find(slug: str) -> Article | None:
        if source.account_id is not None:
            own = Article.objects.filter(account_id=source.account_id, slug=slug).first()
            if own is not None:
                return own
        return Article.objects.filter(account__isnull=True, slug=slug).first()

    return find


def staff_links(article: Article) -> Links:
    find = resolver_for(article)
    names = set(article.files.values_list("name", flat=True))
    ids = dict(article.files.values_list("name", "pk"))

    def article_url(slug: str) -> str | None:
        target = find(slug)
        return target.get_absolute_url() if target is not None else None

    def file_url(name: str) -> str | None:
        if name not in names:
            return None
        return reverse("knowledge:file", args=[article.pk, ids[name]])

    return Links(article_url, file_url)


def portal_links(article: Article, account_id: int) -> Links:
    find = resolver_for(article)
    ids = dict(article.files.values_list("name", "pk"))

    def article_url(slug: str) -> str | None:
        target = find(slug)
        if target is None or not target.client_visible:
            return None
        if target.account_id not in (None, account_id):
            return None
        return target.get_portal_url()

    def file_url(name: str) -> str | None:
        if name not in ids:
            return None
        return reverse("knowledge:portal-file", args=[article.pk, ids[name]])

    return Links(article_url, file_url)
