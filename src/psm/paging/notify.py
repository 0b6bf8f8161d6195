"""What a page sends, through the outbox (``psm.notifications``).

Every message is an outbox row written inside the service's transaction, keyed by
``page:<id>:step:<position>:<user>:<transport>``: a step is announced once, however often the
code that announces it runs, and a rolled-back escalation announces nothing.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.urls import reverse

from psm.lib.crypto import UnreadableSecret
from psm.notifications.services import notify
from psm.paging.models import Page
from psm.team.models import Engineer, User

ACK_SALT = "psm.paging.ack"
ACK_LINK_MAX_AGE = 7 * 24 * 3600

log = logging.getLogger(__name__)


def ack_token(page: Page, user: User) -> str:
    return signing.dumps({"p": page.pk, "u": user.pk}, salt=ACK_SALT, compress=True)


def read_ack_token(token: str) -> tuple[int, int]:
    """``(page id, user id)``; raises ``signing.BadSignature`` (or its subclass for expiry)."""
    data = signing.loads(token, salt=ACK_SALT, max_age=ACK_LINK_MAX_AGE)
    return int(data["p"]), int(data["u"])


def ack_url(page: Page, user: User) -> str:
    return settings.BASE_URL + reverse("paging:ack-link", args=[ack_token(page, user)])


# What an engineer's reply to a page e-mail keeps in its subject (see ``subject_of``).
REPLY_SUBJECT_RE = re.compile(r"\[PAGE #(\d+)\]")


def subject_of(page: Page) -> str:
    what = page.message.splitlines()[0][:80] if page.message else "page from the portal"
    return f"[PAGE #{page.pk}] {page.priority} {page.account.name}: {what}"


def _when(page: Page, user: User) -> str:
    if page.ack_deadline is None:
        return ""
    local = page.ack_deadline.astimezone(ZoneInfo(user.timezone or "UTC"))
    return f"{local:%H:%M} {user.timezone}"


def page_engineer(page: Page, user: User, position: int, role: str) -> tuple[list[str], list[str]]:
    """E-mail and every pager target of ``user``; returns (transports, outbox keys)."""
    link = ack_url(page, user)
    who = page.contact.name if page.contact else "the client"
    deadline = _when(page, user)
    escalated = f" (escalated to you as {role})" if position > 0 else ""
    lines = [
        f"{who} of {page.account.name} paged{escalated}: {page.priority}",
        "",
        page.message or "(no message)",
        "",
        f"Acknowledge{f' by {deadline}' if deadline else ''}, or it escalates: {link}",
        f"Or reply to this e-mail, or text ACK {page.pk}.",
    ]
    if page.case_reference:
        lines.append(f"Case: {page.case_reference}")
    transports: list[str] = []
    keys: list[str] = []
    base = f"page:{page.pk}:step:{position}:{user.pk}"
    if user.email:
        key = f"{base}:email"
        notify(
            key,
            transport="email",
            recipient=user.email,
            subject=subject_of(page),
            body="\n".join(lines) + "\n",
            headers={"Auto-Submitted": "auto-generated", "X-PSM-Page": str(page.pk)},
            user=user,
            account=page.account,
        )
        transports.append("email")
        keys.append(key)
    profile = Engineer.objects.filter(user=user).first()
    short = f"{page.priority} {page.account.name}: {(page.message or 'page')[:120]}\nAck: {link}"
    try:
        pagers = profile.pager_targets if profile else []
    except UnreadableSecret:
        # Loud, but the e-mail above still goes: an unreadable pager must not stop a page.
        log.error("page %s: %s's pager targets cannot be decrypted", page.pk, user.username)
        transports.append("pager (unreadable: run psm reencrypt)")
        pagers = []
    for i, url in enumerate(pagers):
        key = f"{base}:pager:{i}"
        notify(
            key,
            transport="apprise",
            recipient=f"{user.username} pager #{i + 1}",
            target=url,
            subject=subject_of(page)[:300],
            body=short,
            user=user,
            account=page.account,
        )
        transports.append(urlsplit(url).scheme or "apprise")
        keys.append(key)
    return transports, keys


def forward_to_basic_support(page: Page, position: int, reason: str) -> tuple[list[str], list[str]]:
    address = settings.PSM_BASIC_SUPPORT_EMAIL
    if not address:
        return [], []
    key = f"page:{page.pk}:step:{position}:basic-support:email"
    contact = page.contact
    reply_to = contact.primary_email if contact else ""
    notify(
        key,
        transport="email",
        recipient=address,
        subject=subject_of(page),
        body=(
            f"{reason}\n\nAccount: {page.account.name}\n"
            f"Contact: {contact.name if contact else '—'} {reply_to}\n"
            f"Priority: {page.priority}\n\n{page.message or '(no message)'}\n"
        ),
        headers={"Auto-Submitted": "auto-generated", "X-PSM-Page": str(page.pk)},
        account=page.account,
    )
    return ["email"], [key]


def tell_client_acknowledged(page: Page) -> None:
    contact = page.contact
    if contact is None or not contact.primary_email or page.acknowledged_by is None:
        return
    who = page.acknowledged_by.display_name
    notify(
        f"page:{page.pk}:acknowledged:client",
        transport="email",
        recipient=contact.primary_email,
        subject=f"Your page #{page.pk} was acknowledged by {who}",
        body=(
            f"{who} has acknowledged your {page.priority} page and is on it.\n\n"
            f"Follow it here: {settings.BASE_URL}{page.get_absolute_url()}\n"
        ),
        headers={"Auto-Submitted": "auto-generated"},
        account=page.account,
    )
