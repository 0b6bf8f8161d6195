"""Private iCalendar feeds: a secret URL per engineer or per account, revocable."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q


class FeedScope(models.TextChoices):
    ENGINEER = "engineer", "My touchpoints"
    ACCOUNT = "account", "One account"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """Only the token's SHA-256 is stored: the URL is shown once, when the feed is made."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    scope = models.CharField(max_length=10, choices=FeedScope.choices)
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="engineer", account__isnull=True)
                | Q(scope="account", account__isnull=False),
                name="calendar_feed_account_iff_account_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} feed of {self.owner_id} (…{self.token_hint})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
