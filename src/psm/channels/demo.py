"""Demo mail for ``psm demo``, through the real inbound pipeline: an HTML report whose chart is
a remote image (held back until someone presses "Show images"), a request sent through the
client's own team list (opens its case, not acknowledged), and an old-style uuencoded log
(decoded into an attachment). Idempotent: a message already received is not sent again."""

from __future__ import annotations

import binascii
from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from psm.accounts.models import ContactEmail
from psm.channels.email import services
from psm.channels.email.models import InboundMessage

SENDER = "alice.adams@acme.example"
LOG = b"".join(
    f"2026-03-10 06:{minute:02d}:00 lockmgr: {400 + minute * 3} of 256 lock slots in use\n".encode()
    for minute in range(0, 60, 5)
)


def _mail(message_id: str, subject: str, text: str, html: str = "", **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = f"Alice Adams <{SENDER}>"
    m["To"] = "acme@psm.localhost"
    m["Subject"] = subject
    m["Date"] = format_datetime(timezone.now())
    m["Message-ID"] = f"<{message_id}>"
    for name, value in headers.items():
        m[name] = value
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    return m.as_bytes()


def _uuencoded(data: bytes) -> str:
    lines = [
        binascii.b2a_uu(data[i : i + 45]).decode().rstrip("\n") for i in range(0, len(data), 45)
    ]
    return "\n".join(lines) + "\n`\n"


def messages() -> list[tuple[str, bytes]]:
    chart = "https://status.acme.example/grafana/vob-load-24h.png"
    pixel = "https://mail.acme.example/t/open.gif?m=4711"
    return [
        (
            "demo-report@acme.example",
            _mail(
                "demo-report@acme.example",
                "Weekly VOB server load report",
                "VOB server load this week: peaks at 92% on Monday 06:00.",
                "<p>Hello Jane,</p><p>our monitoring shows the VOB server peaking at "
                "<strong>92%</strong> on Monday 06:00:</p>"
                f'<p><img src="{chart}" alt="VOB server load, last 24 hours" width="480"></p>'
                f'<img src="{pixel}" width="1" height="1" alt="">'
                "<p>Is that the backup job?</p><p>Alice</p>",
            ),
        ),
        (
            "demo-list@acme.example",
            _mail(
                "demo-list@acme.example",
                "Build farm slow for everyone since 09:00",
                "All builds take three times as long since 09:00. Sent to the ops list.",
                **{
                    "List-Id": "Acme operations <ops.acme.example>",
                    "Precedence": "list",
                    "List-Unsubscribe": "<mailto:ops-leave@acme.example>",
                },
            ),
        ),
        (
            "demo-uuencode@acme.example",
            _mail(
                "demo-uuencode@acme.example",
                "Lock manager log from vobsrv01",
                "Hi Jane,\n\nthe lock manager log is attached, as our old script sends it.\n\n"
                f"begin 644 lockmgr.log\n{_uuencoded(LOG)}end\n\nAlice\n",
            ),
        ),
    ]


def populate() -> dict[str, int]:
    if not ContactEmail.objects.filter(address=SENDER).exists():
        return {"mail": 0}
    received = 0
    for message_id, raw in messages():
        if InboundMessage.objects.filter(message_id=message_id).exists():
            continue
        services.ingest(raw, source="import")
        received += 1
    return {"mail": received}
