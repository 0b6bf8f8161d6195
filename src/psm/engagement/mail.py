"""Outbound e-mail of the engagement app, all through the notifications outbox.

Every message (reminders, alerts, surveys, briefs, notices and calendar invitations with
their ``text/calendar`` part) is a row with its idempotency key, attempts and status,
delivered by the worker with retries; its Message-ID comes from the key. The caller has
first claimed the reason for sending (``reminded_for``, ``invited_sequence``,
``alerted_at``…) with a conditional update, so a sweep that runs twice sends nothing twice.
"""

from __future__ import annotations

from psm.notifications.models import TransportKind
from psm.notifications.services import Part, notify


def send_email(
    key: str,
    to: list[str],
    subject: str,
    body: str,
    *,
    html: str = "",
    calendar: str = "",
    calendar_method: str = "REQUEST",
) -> None:
    """Queue one e-mail; ``calendar`` is an iCalendar text sent as ``text/calendar`` (what
    calendar programs act on) and as an ``invite.ics`` file for the rest."""
    recipients = sorted({a.strip().lower() for a in to if a and a.strip()})
    if not recipients:
        return
    parts: list[Part] = []
    if calendar:
        data = calendar.encode()
        parts = [
            Part("invite.ics", f"text/calendar; method={calendar_method}", data, "alternative"),
            Part("invite.ics", f"application/ics; method={calendar_method}", data),
        ]
    notify(
        key[:200],
        transport=TransportKind.EMAIL,
        recipient=",".join(recipients),
        subject=subject,
        body=body,
        html=html,
        parts=parts,
    )
