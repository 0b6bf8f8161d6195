"""The page as JSON: ``psm page`` prints it, the paging API returns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psm.paging.models import Page


def _utc(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")


def page_json(page: Page) -> dict[str, Any]:
    """``{id, target, channel, ack_deadline, steps: [...]}`` plus the status; ``target`` is
    the engineer's username, the same one ``psm coverage explain --json`` names."""
    return {
        "id": page.pk,
        "account": page.account.slug,
        "priority": page.priority,
        "status": page.status,
        "target": page.target_name,
        "channel": page.channel,
        "ack_deadline": _utc(page.ack_deadline),
        "opened_at": _utc(page.opened_at),
        "acknowledged_by": page.acknowledged_by.username if page.acknowledged_by else None,
        "acknowledged_at": _utc(page.acknowledged_at),
        "ack_via": page.ack_via or None,
        "client_message": page.client_message,
        "chain": [c["username"] for c in page.chain],
        "steps": [s.as_json() for s in page.steps.all()],
    }
