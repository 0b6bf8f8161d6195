"""Cases on the account timeline (see ``psm.lib.timeline``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from psm.accounts.models import Account
from psm.cases.models import Case, Direction, Message
from psm.lib.timeline import Entry
from psm.lib.urls import Urls


def entries(
    account: Account, since: datetime, until: datetime, *, for_client: bool, limit: int
) -> Iterator[Entry]:
    """Every message on the account's cases: from the client, to the client, internal (left
    out for a client). The first message of a case is its opening."""
    # The account's case ids first: the messages are then read through their case index,
    # whatever the size of the whole book.
    ids = list(Case.objects.filter(account=account).values_list("pk", flat=True))
    messages = (
        Message.objects.filter(case__in=ids, created_at__gte=since, created_at__lt=until)
        .select_related("case", "author_user")
        # The page's few authors by id: joined, PostgreSQL hashed every contact of the book.
        .prefetch_related("author_contact")
        .defer("html", "case__coverage", "case__routing", "case__pauses")
        .order_by("-created_at", "-id")
    )
    if for_client:
        messages = messages.filter(is_internal=False)
    urls = Urls()
    for m in messages[:limit]:
        if m.created_at == m.case.opened_at:
            what = f"opened ({m.case.priority})"
        elif m.is_internal:
            what = "internal note"
        elif m.direction == Direction.IN:
            what = "client wrote"
        else:
            what = "we answered"
        yield Entry(
            at=m.created_at,
            kind="note" if m.is_internal else ("case" if what.startswith("opened") else "message"),
            title=f"{m.case.reference} {what}: {m.case.title}",
            summary=" ".join(m.text.split())[:300],
            url=urls("cases:detail", m.case.reference),
            actor=m.author_name,
            channel="" if m.is_internal else m.get_channel_display(),
            internal=m.is_internal,
        )
