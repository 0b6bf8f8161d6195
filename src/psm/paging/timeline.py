"""Pages on the account timeline (see ``psm.lib.timeline``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from psm.accounts.models import Account
from psm.lib.timeline import Entry
from psm.paging.models import Page


def entries(
    account: Account, since: datetime, until: datetime, *, for_client: bool, limit: int
) -> Iterable[Entry]:
    """The newest ``limit`` of the period, newest first."""
    pages = (
        Page.objects.filter(account=account, opened_at__gte=since, opened_at__lt=until)
        .select_related("contact", "acknowledged_by", "opened_by")
        .order_by("-opened_at", "-id")[:limit]
    )
    for page in pages:
        if page.acknowledged_by is not None and page.acknowledged_at is not None:
            state = f"acknowledged by {page.acknowledged_by.display_name}"
        else:
            state = page.get_status_display().lower()
        who = (
            page.contact.name
            if page.contact
            else (page.opened_by.display_name if page.opened_by else "system")
        )
        yield Entry(
            at=page.opened_at,
            kind="page",
            title=f"{page.priority} page #{page.pk}: {state}",
            summary=page.message[:300],
            url=page.get_absolute_url(),
            actor=who,
            channel="pager",
        )
