"""Personal access tokens for the REST API: a person's own, with scopes and an expiry.

Only a SHA-256 hash of a token is stored (a token is 256 random bits, so a plain hash is
enough); the token itself is shown once, when it is made."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

PREFIX = "psm_"


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class TokenQuerySet(models.QuerySet["Token"]):
    def usable(self, at: datetime | None = None) -> TokenQuerySet:
        now = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Token(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “CRM sync”")
    prefix = models.CharField(max_length=16, editable=False, help_text="Its first characters")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text='"read", and "write" to change things')
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return PREFIX + secrets.token_urlsafe(32)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def state(self, at: datetime | None = None) -> str:
        """active, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (at or timezone.now()):
            return "expired"
        return "active"

    @property
    def scope_label(self) -> str:
        return ", ".join(s for s in Scope.values if s in self.scopes)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.pk, "name": self.name, "prefix": self.prefix, "scopes": self.scopes}
