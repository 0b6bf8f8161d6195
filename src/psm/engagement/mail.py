"""Outbound e-mail of the engagement app.

Plain messages (reminders, alerts, surveys, briefs, notices) go through the notifications
outbox (``psm.notifications.services.notify``): a row per message with its idempotency key,
attempts and status, delivered by the worker with retries. Calendar invitations need a
``text/calendar`` part the outbox does not carry, so they are queued as a background task
here (the task is a database row too, enqueued in the same transaction). Either way the
caller has first claimed the reason for sending (``reminded_for``, ``invited_sequence``,
``alerted_at``…) with a conditional update, so a sweep that runs twice sends nothing twice.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task

from psm.notifications.models import TransportKind
from psm.notifications.services import notify

log = logging.getLogger(__name__)


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.engagement@{settings.PSM_MAIL_DOMAIN}>"


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
    """Queue one e-mail; ``calendar`` is an iCalendar text sent as ``text/calendar``."""
    recipients = sorted({a.strip().lower() for a in to if a and a.strip()})
    if not recipients:
        return
    if not calendar:
        notify(
            key[:200],
            transport=TransportKind.EMAIL,
            recipient=",".join(recipients),
            subject=subject,
            body=body,
            html=html,
            headers={"Message-ID": message_id(key)},
        )
        return
    deliver_engagement_mail.enqueue(
        key=key,
        to=recipients,
        subject=subject[:300],
        body=body,
        html=html,
        calendar=calendar,
        calendar_method=calendar_method,
    )


@task()
def deliver_engagement_mail(
    key: str,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    calendar: str = "",
    calendar_method: str = "REQUEST",
) -> int:
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers={"Message-ID": message_id(key), "X-PSM-Key": key},
    )
    if html:
        message.attach_alternative(html, "text/html")
    if calendar:
        # Inline text/calendar part (what calendar clients act on) and a file for the rest.
        message.attach_alternative(calendar, f"text/calendar; method={calendar_method}")
        message.attach("invite.ics", calendar, f"application/ics; method={calendar_method}")
    sent = message.send()
    log.info("engagement mail %s to %s sent=%s", key, to, sent)
    return sent
