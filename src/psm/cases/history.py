"""A case's history as its page tells it: the messages, and between them the changes made to
the case (status, priority, assignee, SLA breaches, pages), with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from psm.audit.models import AuditEntry
from psm.cases.models import Attachment, Case, CaseStatus, Message

SHOWN = (
    "case.status",
    "case.priority",
    "case.assign",
    "case.reopen",
    "case.client_replied",
    "case.breach",
    "case.paged",
)
_STATUS = dict(CaseStatus.choices)
_KIND = {
    "first_response": "first response",
    "next_update": "next update",
    "resolution": "resolution",
}


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class Item:
    at: datetime
    message: Message | None = None
    change: Change | None = None


def _words(entry: AuditEntry) -> tuple[str, str]:
    """(what happened, a link) for one audit entry of the case."""
    c: dict[str, Any] = entry.changes or {}
    if entry.action == "case.status":
        before, after = (c.get("status") or ["", ""])[:2]
        return f"Status: {_STATUS.get(before, before)} → {_STATUS.get(after, after)}", ""
    if entry.action == "case.priority":
        before, after = (c.get("priority") or ["", ""])[:2]
        reason = f" ({c['reason']})" if c.get("reason") else ""
        return f"Priority {before} → {after}{reason}", ""
    if entry.action == "case.assign":
        before, after = (c.get("assignee") or ["", ""])[:2]
        return f"Assigned to {after or 'nobody'}" + (f" (was {before})" if before else ""), ""
    if entry.action == "case.reopen":
        return "Reopened: the client wrote after it was resolved", ""
    if entry.action == "case.client_replied":
        return "The client answered: the clocks run again", ""
    if entry.action == "case.breach":
        kinds = ", ".join(_KIND.get(k, k) for k in c)
        return f"SLA target missed: {kinds}", ""
    if entry.action == "case.paged":
        target = c.get("target_name") or c.get("target") or "the engineer"
        url = reverse("paging:detail", args=[c["page"]]) if c.get("page") else ""
        return f"Paged {target} (page #{c.get('page')})", url
    return entry.action, ""


def history(case: Case, messages: QuerySet[Message] | None = None) -> list[Item]:
    """The case's messages and changes, oldest first."""
    messages = messages if messages is not None else case.messages.all()
    found = [
        Item(m.created_at, message=m)
        for m in messages.select_related("author_user", "author_contact").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
        )
    ]
    entries = AuditEntry.objects.filter(
        object_type=Case._meta.label_lower, object_id=str(case.pk), action__in=SHOWN
    ).select_related("actor")
    for entry in entries:
        text, url = _words(entry)
        who = entry.actor.display_name if entry.actor else "PSM"
        found.append(Item(entry.at, change=Change(entry.at, who, text, url)))
    found.sort(key=lambda item: (item.at, item.message is None))
    return found
