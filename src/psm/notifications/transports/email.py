from __future__ import annotations

import smtplib
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEMultipart

from psm.notifications.transports.base import Transport, TransportError


class RelatedEmail(EmailMultiAlternatives):
    """An e-mail whose HTML shows images carried in the message itself (``cid:``).

    The parts are nested the way mail programs expect: ``multipart/mixed`` holds the files to
    download, and inside it ``multipart/related`` holds the text/HTML alternatives with the
    images the HTML refers to, so the images show in the text and are not listed as files."""

    def __init__(self, *args: Any, inline: list[MIMEBase] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inline = inline or []

    # Django's private hook that builds the alternatives part (not in django-stubs).
    def _create_alternatives(self, msg: Any) -> Any:
        alternatives = super()._create_alternatives(msg)  # type: ignore[misc]
        if not self.inline:
            return alternatives
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding)
        related.attach(alternatives)
        for part in self.inline:
            related.attach(part)
        return related


def _read(path: str) -> bytes:
    try:
        with default_storage.open(path, "rb") as handle:
            data: bytes = handle.read()
            return data
    except (FileNotFoundError, OSError) as exc:
        # The archive is written before the row: a missing file will not come back.
        raise TransportError(f"attachment {path} cannot be read: {exc}", permanent=True) from exc


def inline_image(data: bytes, content_type: str, cid: str, name: str) -> MIMEImage:
    _, _, subtype = content_type.partition("/")
    part = MIMEImage(data, _subtype=subtype or "png")
    part.add_header("Content-ID", f"<{cid}>")
    part.add_header("Content-Disposition", "inline", filename=name)
    return part


class EmailTransport(Transport):
    """Through Django's configured mail backend (SMTP in production, files in development).

    The Message-ID is fixed when the row is written, so a repeated attempt is recognisable
    to the receiving mail system as the same message. Attachments and inline images are read
    from the default storage at each attempt; they are immutable files, so every attempt
    sends the same message."""

    def send(self) -> None:
        n = self.notification
        to = [a.strip() for a in n.recipient.split(",") if a.strip()]
        if not to:
            raise TransportError("no recipient address", permanent=True)
        headers = dict(n.headers)
        from_email = headers.pop("From", settings.DEFAULT_FROM_EMAIL)
        inline: list[MIMEBase] = []
        files: list[tuple[str, bytes, str]] = []
        for item in n.attachments or []:
            data = _read(item["path"])
            if item.get("cid"):
                inline.append(inline_image(data, item["content_type"], item["cid"], item["name"]))
            else:
                files.append((item["name"], data, item["content_type"]))
        message = RelatedEmail(
            subject=n.subject,
            body=n.body,
            from_email=from_email,
            to=to,
            headers={**headers, "X-PSM-Notification": n.key},
            inline=inline,
        )
        if n.html:
            message.attach_alternative(n.html, "text/html")
        for name, data, content_type in files:
            message.attach(name, data, content_type)
        try:
            with get_connection() as connection:
                connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError(f"recipients refused: {exc.recipients}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
