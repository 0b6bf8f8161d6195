"""Who changed what, and when. Every service writes one entry per change it makes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    # The account the change concerns, so an account's history can be scoped and listed.
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor or 'system'} {self.action} {self.object_repr}"


def entry(
    actor: Any,
    action: str,
    obj: models.Model,
    *,
    account: Any = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """One audit entry, not yet saved (``record`` saves it; bulk writers insert many);
    ``actor`` None means the system (a sweep, the mail listener). ``account`` is an account
    or its primary key."""
    row = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=_jsonable(changes or {}),
    )
    if isinstance(account, int):
        row.account_id = account
    else:
        row.account = account
    return row


def record(
    actor: Any,
    action: str,
    obj: models.Model,
    *,
    account: Any = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry (see ``entry``)."""
    row = entry(actor, action, obj, account=account, changes=changes)
    row.save()
    return row


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
