from __future__ import annotations

import smtplib
from email import encoders
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEMultipart

from psm.notifications.mail import LOOP_HEADER, mail_domain, message_id_for
from psm.notifications.models import read_part
from psm.notifications.transports.base import Transport, TransportError


class _Mail(EmailMultiAlternatives):
    """A mail whose HTML names inline images by ``cid:``: the bodies and the images go in a
    ``multipart/related`` part, so a file attached beside them stays an attachment
    (mixed[related[alternative[text, html], images], files])."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inline: list[MIMEBase] = []

    def _create_alternatives(self, msg: Any) -> Any:
        msg = super()._create_alternatives(msg)  # type: ignore[misc]
        if self.inline:
            related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding)
            related.attach(msg)
            for image in self.inline:
                related.attach(image)
            msg = related
        return msg


class EmailTransport(Transport):
    """Through Django's configured mail backend (SMTP in production, files in development).

    Every message's Message-ID is derived from the row's idempotency key and it carries the
    loop header, whoever wrote the row: a repeated attempt is recognisable to the receiving
    mail system as the same message, and a reply threads back into PSM."""

    def send(self) -> None:
        n = self.notification
        to = [a.strip() for a in n.recipient.split(",") if a.strip()]
        if not to:
            raise TransportError("no recipient address", permanent=True)
        headers = dict(n.headers)
        from_email = headers.pop("From", settings.DEFAULT_FROM_EMAIL)
        headers.pop("Message-ID", None)  # always the key's
        message = _Mail(
            subject=n.subject,
            body=n.body,
            from_email=from_email,
            to=to,
            headers={
                **headers,
                "Message-ID": f"<{message_id_for(n.key)}>",
                LOOP_HEADER: mail_domain(),
                "X-PSM-Notification": n.key,
            },
        )
        if n.html:
            message.attach_alternative(n.html, "text/html")
        self._attach_parts(message)
        try:
            with get_connection() as connection:
                connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"recipients refused: {exc.recipients}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    def _attach_parts(self, message: _Mail) -> None:
        for part in self.notification.parts:
            try:
                content = read_part(part)
            except OSError as exc:
                raise TransportError(f"part {part['filename']} is missing: {exc}") from exc
            kind = part["content_type"]
            if part["disposition"] == "alternative":
                message.attach_alternative(content.decode(), kind)
            elif part["disposition"] == "inline":
                maintype, _, subtype = kind.partition("/")
                inline = MIMEBase(maintype, subtype or "octet-stream")
                inline.set_payload(content)
                encoders.encode_base64(inline)
                inline.add_header("Content-ID", f"<{part['cid']}>")
                inline.add_header("Content-Disposition", "inline", filename=part["filename"])
                message.inline.append(inline)
            else:
                message.attach(part["filename"], content, kind)
