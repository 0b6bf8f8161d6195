"""Changes on the account timeline (see ``psm.lib.timeline``): the audit log, staff only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Q

from psm.audit.models import AuditEntry
from psm.lib import timeline
from psm.lib.timeline import Entry

LABEL = "changes"

# What each audited action is, as people say it (the code is the fallback, in words).
WORDS = {
    "account.create": "Account created",
    "account.update": "Account details changed",
    "assignment.create": "Assigned",
    "assignment.end": "Assignment ended",
    "absence.create": "Absence recorded",
    "site.create": "Site added",
    "site.update": "Site changed",
    "contact.create": "Contact added",
    "contact.update": "Contact changed",
    "contact.portal_grant": "Portal access granted",
    "contact.portal_revoke": "Portal access revoked",
    "installs.import": "Installed products imported",
    "calendar_feed.create": "Calendar feed created",
    "calendar_feed.revoke": "Calendar feed revoked",
}


def in_words(action: str) -> str:
    """ "assignment.create" → "Assigned"; an action without words → "Assignment create"."""
    if action in WORDS:
        return WORDS[action]
    return action.replace(".", " ").replace("_", " ").capitalize()


def entries(
    account: Any, since: datetime, until: datetime, *, for_client: bool, limit: int
) -> Iterator[Entry]:
    """The audit log's changes to the account. Changes to objects of an app that has a
    timeline source of its own (a case, a touchpoint) are left to that source, which tells
    them better."""
    if for_client:
        return
    told_elsewhere = Q(pk__in=[])
    for source in timeline.sources():
        if source.label != LABEL:
            told_elsewhere |= Q(object_type__startswith=f"{source.label}.")
    rows = (
        AuditEntry.objects.filter(account=account, at__gte=since, at__lt=until)
        .exclude(told_elsewhere)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    for row in rows:
        yield Entry(
            at=row.at,
            kind="change",
            title=f"{in_words(row.action)}: {row.object_repr}",
            actor=row.actor.display_name if row.actor else "system",
            internal=True,
        )
