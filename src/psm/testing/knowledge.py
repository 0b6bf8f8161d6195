"""Test helpers for the knowledge base: articles written the way a PSM writes them, and
account B's objects for the URL walker."""

from __future__ import annotations

from typing import Any

from psm.knowledge import services
from psm.knowledge.models import Article, ArticleFile, Status, Visibility
from psm.testing.book import Book

# The smallest PNG there is (1×1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4b50000000049454e44ae426082"
)


def article(
    account: Any,
    title: str = "Restoring a VOB from backup",
    body: str = "Stop the **VOB server**, then restore the snapshot.",
    *,
    tags: Any = ("backup",),
    visibility: str = Visibility.CLIENT,
    status: str = Status.PUBLISHED,
    actor: Any = None,
) -> Article:
    return services.save_article(
        actor,
        None,
        account=account,
        title=title,
        body=body,
        tags=tags,
        visibility=visibility,
        status=status,
    )


def foreign_article(book: Book) -> Article:
    """A published, client-visible article of account B (with one image)."""
    found = Article.objects.filter(account=book.b, slug="globex-runbook").first()
    if found is not None:
        return found
    made = article(book.b, "Globex runbook", "Globex only: ![map](files/map.png)", actor=book.bob)
    Article.objects.filter(pk=made.pk).update(slug="globex-runbook")
    made.refresh_from_db()
    services.add_file(book.bob, made, "map.png", PNG, "image/png")
    return made


def foreign_file(book: Book) -> ArticleFile:
    return foreign_article(book).files.get()


def filled_article(book: Book) -> Article:
    """An article of A with every field filled (for the edit-forms walker)."""
    found = Article.objects.filter(account=book.a, slug="filled").first()
    if found is not None:
        return found
    made = services.save_article(
        book.alice,
        None,
        account=book.a,
        title="Backup & restore — “VOB” servers",
        body="# Steps\r\n\r\n1. Lock the VOBs\n2. Snapshot\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n",
        tags=["backup", "clearcase", "two words"],
        visibility=Visibility.CLIENT,
        status=Status.PUBLISHED,
        slug="filled",
    )
    return made
