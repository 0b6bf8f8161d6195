"""Making, revoking and checking personal access tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from psm.api.models import Scope, Token
from psm.audit.models import record
from psm.paging.models import ApiKey
from psm.team.models import User

# How often the "last used" time is written (not on every request).
LAST_USED_EVERY = timedelta(minutes=1)
MAX_DAYS = 3650


def clean_scopes(scopes: Sequence[str]) -> list[str]:
    wanted = {s.strip().lower() for s in scopes if s.strip()}
    unknown = wanted - set(Scope.values)
    if unknown:
        raise ValidationError(f"Unknown scope {', '.join(sorted(unknown))}: use read and/or write.")
    if not wanted:
        raise ValidationError("A token needs at least one scope: read or write.")
    # Writing means reading what is written.
    if Scope.WRITE in wanted:
        wanted.add(Scope.READ)
    return [s for s in Scope.values if s in wanted]


def issue_token(
    actor: User | None,
    user: User,
    *,
    name: str,
    scopes: Sequence[str] = (Scope.READ,),
    expires_days: int | None = 90,
) -> tuple[Token, str]:
    """A new token for ``user``; the key is returned once and never stored."""
    if not user.is_active:
        raise ValidationError(f"{user.username} is not active.")
    name = name.strip()
    if not name:
        raise ValidationError("Give the token a name (what it is for).")
    if expires_days is not None and not 1 <= expires_days <= MAX_DAYS:
        raise ValidationError(f"A token expires after 1 to {MAX_DAYS} days (or never).")
    now = timezone.now()
    key = Token.new_key()
    with transaction.atomic():
        token = Token.objects.create(
            user=user,
            name=name[:100],
            prefix=key[:12],
            key_hash=Token.digest(key),
            scopes=clean_scopes(scopes),
            created_at=now,
            expires_at=None if expires_days is None else now + timedelta(days=expires_days),
        )
        record(
            actor or user,
            "api.token_issued",
            token,
            changes={"user": user.username, "scopes": token.scopes, "name": token.name},
        )
    return token, key


def revoke_token(actor: User, token: Token) -> bool:
    """Revoke once; False if it already was."""
    with transaction.atomic():
        done = Token.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if done:
            record(actor, "api.token_revoked", token, changes={"user": token.user.username})
    token.refresh_from_db()
    return bool(done)


@dataclass(frozen=True)
class Caller:
    """Who calls the API, with what. ``str()`` keys the rate limit: one budget per token."""

    user: User
    scopes: frozenset[str]
    key: str

    def __str__(self) -> str:
        return self.key


def authenticate(key: str) -> Caller | None:
    """The caller of a bearer key: a personal access token that is neither revoked nor
    expired, of an active user; or (the paging API's older keys) a paging API key."""
    key = key.strip()
    if not key:
        return None
    now = timezone.now()
    token = Token.objects.usable(now).select_related("user").filter(key_hash=Token.digest(key))
    row = token.first()
    if row is not None:
        if not row.user.is_active:
            return None
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
            Token.objects.filter(pk=row.pk).update(last_used_at=now)
        return Caller(row.user, frozenset(row.scopes), f"token:{row.pk}")
    legacy = (
        ApiKey.objects.filter(key_hash=ApiKey.digest(key), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if legacy is None or not legacy.user.is_active:
        return None
    ApiKey.objects.filter(pk=legacy.pk).update(last_used_at=now)
    return Caller(legacy.user, frozenset(Scope.values), f"paging-key:{legacy.pk}")
