from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from psm.notifications.transports.base import Transport, TransportError


class EmailTransport(Transport):
    """Through Django's configured mail backend (SMTP in production, files in development).

    The Message-ID is fixed when the row is written, so a repeated attempt is recognisable
    to the receiving mail system as the same message."""

    def send(self) -> None:
        n = self.notification
        to = [a.strip() for a in n.recipient.split(",") if a.strip()]
        if not to:
            raise TransportError("no recipient address", permanent=True)
        headers = dict(n.headers)
        from_email = headers.pop("From", settings.DEFAULT_FROM_EMAIL)
        message = EmailMultiAlternatives(
            subject=n.subject,
            body=n.body,
            from_email=from_email,
            to=to,
            headers={**headers, "X-PSM-Notification": n.key},
        )
        if n.html:
            message.attach_alternative(n.html, "text/html")
        try:
            with get_connection() as connection:
                connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"recipients refused: {exc.recipients}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
