"""Changes to the knowledge base, one verb each: save an article (every save that changes
something is a revision), restore a revision, delete, add and remove a file, answer "Did this
help?". Each writes, keeps the search index and audits in one transaction."""

from __future__ import annotations

import difflib
import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from psm.accounts.models import Account, Contact
from psm.audit.models import record
from psm.knowledge import search
from psm.knowledge.models import (
    IMAGE_TYPES,
    Article,
    ArticleFile,
    Feedback,
    Revision,
    Status,
    Visibility,
)
from psm.knowledge.render import plain_text
from psm.team.models import User

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TAGS = 20
FIELDS = ("title", "body", "tags", "visibility", "status")


def clean_tags(raw: Any) -> list[str]:
    """Tags as a sorted list of distinct lower-case words ("Backup, restore" → both)."""
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    tags = sorted({" ".join(str(t).split()).lower()[:40] for t in raw or [] if str(t).strip()})
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags.")
    return tags


def unique_slug(account: Account | None, wanted: str, exclude: int | None = None) -> str:
    base = slugify(wanted)[:100] or "article"
    others = Article.objects.filter(account=account, slug__startswith=base)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _check(title: str, visibility: str, status: str) -> None:
    if not title.strip():
        raise ValidationError("An article needs a title.")
    if visibility not in Visibility.values:
        raise ValidationError(f"Visibility is one of {', '.join(Visibility.values)}.")
    if status not in Status.values:
        raise ValidationError(f"Status is one of {', '.join(Status.values)}.")


def _snapshot(article: Article, actor: User | None, note: str, at: Any) -> Revision:
    return Revision.objects.create(
        article=article,
        number=article.revision,
        title=article.title,
        body=article.body,
        tags=article.tags,
        visibility=article.visibility,
        status=article.status,
        note=note[:300],
        author=actor,
        created_at=at,
    )


@transaction.atomic
def save_article(
    actor: User | None,
    article: Article | None,
    *,
    account: Account | None = None,
    title: str,
    body: str,
    tags: Any = (),
    visibility: str = Visibility.INTERNAL,
    status: str = Status.DRAFT,
    note: str = "",
    slug: str = "",
) -> Article:
    """Create an article (``article`` None, in ``account`` or global) or save a new revision
    of one. Saving what is already there changes nothing (no revision, no audit entry)."""
    title = " ".join(title.split())[:300]
    body = body.replace("\r\n", "\n")
    _check(title, visibility, status)
    values = {
        "title": title,
        "body": body,
        "tags": clean_tags(tags),
        "visibility": visibility,
        "status": status,
    }
    now = timezone.now()
    if article is None:
        article = Article(
            account=account,
            slug=unique_slug(account, slug or title),
            created_by=actor,
            **values,
        )
        before: dict[str, Any] = {}
    else:
        article = Article.objects.select_for_update().get(pk=article.pk)
        before = {f: getattr(article, f) for f in FIELDS}
        if before == values:
            return article
        for name, value in values.items():
            setattr(article, name, value)
    article.plain = plain_text(body)
    article.updated_by = actor
    article.updated_at = now
    article.revision += 1
    if article.status == Status.PUBLISHED and article.published_at is None:
        article.published_at = now
    article.save()
    _snapshot(article, actor, note, now)
    search.index(article)
    changes = {k: [before.get(k), v] for k, v in values.items() if before.get(k) != v}
    if "body" in changes:
        changes["body"] = ["…", f"revision {article.revision}"]
    record(
        actor,
        "knowledge.article_created" if not before else "knowledge.article_saved",
        article,
        account=article.account,
        changes=changes,
    )
    return article


def restore(actor: User | None, article: Article, number: int) -> Article:
    """A new revision with what revision ``number`` held."""
    try:
        old = article.revisions.get(number=number)
    except Revision.DoesNotExist:
        raise ValidationError(f"There is no revision {number}.") from None
    return save_article(
        actor,
        article,
        title=old.title,
        body=old.body,
        tags=old.tags,
        visibility=old.visibility,
        status=old.status,
        note=f"Restored revision {number}",
    )


@transaction.atomic
def delete_article(actor: User | None, article: Article) -> None:
    files = [f.file.name for f in article.files.all()]
    record(actor, "knowledge.article_deleted", article, account=article.account)
    search.unindex(article.pk)
    article.delete()
    transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    storage = ArticleFile._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


# --- files -------------------------------------------------------------------------------


def clean_file_name(name: str) -> str:
    """A file name an article can name in a link: the last part, no odd characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    safe = slugify(stem)[:80] or "file"
    return f"{safe}.{slugify(ext)[:10]}" if ext else safe


@transaction.atomic
def add_file(
    actor: User | None, article: Article, name: str, content: bytes, content_type: str = ""
) -> ArticleFile:
    """Add (or replace) a file of the article under a clean name."""
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(f"{name} is over {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    clean = clean_file_name(name)
    guessed = mimetypes.guess_type(clean)[0] or "application/octet-stream"
    content_type = guessed if content_type in ("", "application/octet-stream") else content_type
    if content_type.startswith("image/") and content_type not in IMAGE_TYPES:
        content_type = "application/octet-stream"  # SVG and the like: a download
    existing = article.files.filter(name=clean).first()
    if existing is not None:
        old = existing.file.name
        existing.file.save(clean, ContentFile(content), save=False)
        existing.content_type, existing.size, existing.uploaded_by = (
            content_type,
            len(content),
            actor,
        )
        existing.save()
        transaction.on_commit(lambda: _remove_files([old]))
        found = existing
    else:
        found = ArticleFile(
            article=article, name=clean, content_type=content_type, size=len(content)
        )
        found.uploaded_by = actor
        found.file.save(clean, ContentFile(content), save=False)
        found.save()
    record(
        actor,
        "knowledge.file_added",
        article,
        account=article.account,
        changes={"file": [None, clean]},
    )
    return found


@transaction.atomic
def remove_file(actor: User | None, item: ArticleFile) -> None:
    article = item.article
    name = item.file.name
    record(
        actor,
        "knowledge.file_removed",
        article,
        account=article.account,
        changes={"file": [item.name, None]},
    )
    item.delete()
    transaction.on_commit(lambda: _remove_files([name]))


# --- "Did this help?" --------------------------------------------------------------------


@transaction.atomic
def answer(
    article: Article, user: User, contact: Contact | None, *, helpful: bool, comment: str = ""
) -> Feedback:
    """A client's answer; a second answer by the same person replaces the first."""
    if not article.client_visible:
        raise ValidationError("This article is not published for you.")
    if contact is None:
        raise ValidationError("Only a client contact can answer.")
    found, _ = Feedback.objects.update_or_create(
        article=article,
        user=user,
        defaults={
            "account": contact.account,
            "contact": contact,
            "helpful": helpful,
            "comment": comment.strip()[:2000],
            "revision": article.revision,
            "answered_at": timezone.now(),
        },
    )
    return found


@dataclass
class FeedbackSummary:
    helpful: int
    not_helpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


def feedback_summary(article: Article) -> FeedbackSummary:
    answers = list(article.feedback.values_list("helpful", flat=True))
    return FeedbackSummary(sum(answers), len(answers) - sum(answers))


# --- revisions compared ------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "same"
    text: str


def compare(old: Revision, new: Revision) -> list[DiffLine]:
    """A unified diff of two revisions: the fields first, then the text."""

    def lines(rev: Revision) -> list[str]:
        head = [
            f"Title: {rev.title}",
            f"Tags: {', '.join(rev.tags)}",
            f"Visibility: {rev.visibility}",
            f"Status: {rev.status}",
            "",
        ]
        return head + rev.body.splitlines()

    out: list[DiffLine] = []
    diff = difflib.unified_diff(
        lines(old), lines(new), f"revision {old.number}", f"revision {new.number}", lineterm="", n=3
    )
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("del", line[1:]))
        else:
            out.append(DiffLine("same", line[1:]))
    return out
