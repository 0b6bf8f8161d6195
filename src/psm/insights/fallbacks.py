"""Timeline sources for installed apps that do not (yet) expose their own
``<app>/timeline.py``: read-only queries kept here so the account page tells the whole story.
An app's own module always wins over the fallback (see ``timeline.sources``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from psm.accounts.models import Account
from psm.insights.timeline import LIMIT, Entry


def case_entries(
    account: Account, since: datetime, until: datetime, limit: int = LIMIT
) -> Iterator[Entry]:
    """Every message on the account's cases: from the client, to the client, internal. The
    first message of a case is its opening."""
    from psm.cases.models import Case, Direction, Message
    from psm.insights.display import Urls

    # The account's case ids first: the messages are then read through their case index,
    # whatever the size of the whole book.
    ids = list(Case.objects.filter(account=account).values_list("pk", flat=True))
    messages = (
        Message.objects.filter(case__in=ids, created_at__gte=since, created_at__lt=until)
        .select_related("case", "author_user")
        # The page's few authors by id: joined, PostgreSQL hashed every contact of the book.
        .prefetch_related("author_contact")
        .defer("html", "case__coverage", "case__routing", "case__pauses")
        .order_by("-created_at", "-id")[:limit]
    )
    urls = Urls()
    for m in messages:
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
