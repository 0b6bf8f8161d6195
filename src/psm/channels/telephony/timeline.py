"""Calls and text messages on the account timeline (see ``psm.lib.timeline``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from psm.accounts.models import Account
from psm.channels.telephony.models import CallLog, Kind, Outcome
from psm.lib.timeline import Entry


def entries(
    account: Account, since: datetime, until: datetime, *, for_client: bool, limit: int
) -> Iterable[Entry]:
    """The newest ``limit`` of the period, newest first."""
    rows = (
        CallLog.objects.filter(account=account, created_at__gte=since, created_at__lt=until)
        .exclude(outcome=Outcome.REFUSED)
        .select_related("contact", "engineer")
        .order_by("-created_at", "-id")[:limit]
    )
    for row in rows:
        who = (
            row.contact.name
            if row.contact
            else (row.engineer.display_name if row.engineer else row.from_number)
        )
        if row.kind == Kind.SMS:
            title = f"Text message: {row.get_outcome_display().lower()}"
        elif row.outcome in (Outcome.FORWARDED, Outcome.ANSWERED) and row.engineer:
            title = f"Call forwarded to {row.engineer.display_name} ({row.get_outcome_display()})"
        else:
            title = f"Call: {row.get_outcome_display().lower()}"
        if row.case_reference:
            title += f" — case {row.case_reference}"
        yield Entry(
            at=row.created_at,
            kind="call",
            title=title,
            summary=row.body[:300],
            actor=who,
            channel="phone" if row.kind == Kind.VOICE else "sms",
        )
