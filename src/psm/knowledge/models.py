"""The knowledge base: articles (global, or one account's), every saved revision of each, the
files they show, and the client's "Did this help?" answers.

An article is written in Markdown. Links and images inside it may name other articles
(``article:SLUG``) and the article's own files (``files/NAME``); ``render`` resolves them for
the page that shows it (staff, portal or the exported bundle)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Visibility(models.TextChoices):
    INTERNAL = "internal", "Internal (staff only)"
    CLIENT = "client", "Client (shown in the portal)"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ArticleQuerySet(models.QuerySet["Article"]):
    def for_client(self, account_id: int) -> ArticleQuerySet:
        """What a client contact of the account may read: published, client-visible, theirs
        or global."""
        return self.filter(
            Q(account_id=account_id) | Q(account__isnull=True),
            status=Status.PUBLISHED,
            visibility=Visibility.CLIENT,
        )


class Article(models.Model):
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="articles",
        help_text="Empty for a global article (every account's).",
    )
    slug = models.SlugField(max_length=120, allow_unicode=False)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text="Markdown")
    tags = models.JSONField(default=list, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # The body as plain text (what search reads and snippets quote).
    plain = models.TextField(blank=True, editable=False)
    revision = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # PostgreSQL's search document (a GIN index on it); unused on SQLite (FTS5 there).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "slug"],
                condition=Q(account__isnull=False),
                name="knowledge_slug_per_account",
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(account__isnull=True), name="knowledge_global_slug"
            ),
        ]
        indexes = [models.Index(fields=["account", "status", "visibility"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", args=[self.pk])

    def get_portal_url(self) -> str:
        return reverse("knowledge:portal-article", args=[self.pk])

    @property
    def is_global(self) -> bool:
        return self.account_id is None

    @property
    def client_visible(self) -> bool:
        return self.status == Status.PUBLISHED and self.visibility == Visibility.CLIENT

    @property
    def scope_name(self) -> str:
        return "All accounts" if self.account_id is None else str(self.account)


class Revision(models.Model):
    """The article as one save left it (number 1 is the first save)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


def upload_to(instance: ArticleFile, filename: str) -> str:
    return f"knowledge/{instance.article_id}/{filename}"


class ArticleFile(models.Model):
    """An image or file an article shows (``![](files/NAME)``, ``[…](files/NAME)``)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=200, help_text="As the article names it")
    file = models.FileField(upload_to=upload_to, max_length=400)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["article", "name"], name="knowledge_file_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


# Shown inline (everything else is a download). SVG is not: it may carry script.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


class Feedback(models.Model):
    """A client's answer to "Did this help?" (one per person and article; a new answer
    replaces their earlier one)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="knowledge_feedback"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    revision = models.PositiveIntegerField(help_text="The revision the answer was about")
    answered_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="knowledge_one_answer")
        ]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'} on {self.article_id}"
