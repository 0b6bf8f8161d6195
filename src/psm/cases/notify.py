"""What a case tells people, through the outbox (``psm.notifications``).

Every function here runs inside the service's transaction and writes rows with a stable
idempotency key, so calling it twice for the same event sends nothing twice.
"""

from __future__ import annotations

import functools
from datetime import datetime
from email.utils import formataddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from psm.cases.models import Case, Message
from psm.notifications.mail import mail_domain, message_id_for
from psm.notifications.services import notify
from psm.team.models import User


@functools.cache
def _case_url() -> str:
    return settings.BASE_URL + reverse("cases:detail", args=["REF"]).replace("REF", "{}")


def _link(case: Case) -> str:
    return _case_url().format(case.reference)


def _local(t: datetime | None, zone: str) -> str:
    if t is None:
        return "—"
    local = t.astimezone(ZoneInfo(zone))
    return f"{local:%a %d %b %Y %H:%M} ({zone})"


def _thread(case: Case) -> list[str]:
    return list(
        case.messages.exclude(message_id="")
        .filter(is_internal=False)
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )


def to_engineer(case: Case, user: User | None, event: str, subject: str, body: str) -> None:
    """E-mail the engineer. Pages (with acknowledgement and escalation) are the paging app's
    job: the mail pipeline hands it the cases whose routing decision says "page"."""
    if user is None or not user.email:
        return
    notify(
        f"case:{case.pk}:{event}:email:{user.pk}",
        transport="email",
        recipient=user.email,
        subject=f"[{case.reference}] {subject}",
        body=f"{body}\n\n{_link(case)}\n",
        user=user,
        account=case.account,
        headers={"Auto-Submitted": "auto-generated"},
    )


def new_case(case: Case) -> None:
    zone = case.assignee.timezone if case.assignee else "UTC"
    body = (
        f"New {case.priority} case for {case.account.name}: {case.title}\n"
        f"Reported by: {case.contact.name if case.contact else '—'}\n"
        f"First response due: {_local(case.first_response_due, zone)}"
    )
    to_engineer(case, case.assignee, "opened", f"New {case.priority}: {case.title}", body)


def client_wrote(case: Case, message: Message) -> None:
    who = message.author_name
    to_engineer(
        case,
        case.assignee,
        f"message:{message.pk}",
        f"{who} wrote",
        f"{who} added to {case.reference} ({case.get_status_display()}):\n\n{message.text[:4000]}",
    )


def sla_event(case: Case, kind: str, event: str, due: datetime) -> None:
    """``event`` is "warning" (before the due time) or "breach"."""
    label = kind.replace("_", " ")
    user = case.assignee
    zone = user.timezone if user else "UTC"
    if event == "warning":
        subject = f"{label} due soon ({case.priority})"
        body = f"The {label} on {case.reference} is due {_local(due, zone)}."
    else:
        subject = f"{label} target missed ({case.priority})"
        body = f"The {label} on {case.reference} was due {_local(due, zone)} and is now late."
    stamp = due.strftime("%Y%m%dT%H%M%S")
    to_engineer(case, user, f"sla:{kind}:{event}:{stamp}", subject, body)


def acknowledge(case: Case, to: str, route_message: str, in_reply_to: Message | None) -> str:
    """The automatic acknowledgement to the client: who has the case and by when."""
    zone = case.site.timezone if case.site else case.account.timezone
    lines = [
        f"Thank you — we have opened case {case.reference} for your request:",
        f"  {case.title}",
        "",
        f"{route_message}.",
    ]
    if case.first_response_due is not None:
        lines.append(f"You will hear from us by {_local(case.first_response_due, zone)}.")
    lines += [
        "",
        f"Reply to this message to add to the case; keep [{case.reference}] in the subject.",
    ]
    return send_to_client(
        case,
        key=f"case:{case.pk}:ack",
        to=to,
        body="\n".join(lines),
        sender_name="PSM",
        automatic="auto-replied",
        thread=[in_reply_to.message_id] if in_reply_to and in_reply_to.message_id else [],
    )


def send_to_client(
    case: Case,
    *,
    key: str,
    to: str,
    body: str,
    sender_name: str,
    automatic: str | None = None,
    thread: list[str] | None = None,
    html: str = "",
) -> str:
    """Queue a mail to the client about ``case``; returns its Message-ID."""
    headers = case_headers(
        case,
        sender_name=sender_name,
        thread=_thread(case) if thread is None else thread,
        automatic=automatic,
    )
    notify(
        key,
        transport="email",
        recipient=to,
        subject=case.mail_subject,
        body=body,
        html=html,
        headers=headers,
        account=case.account,
    )
    return message_id_for(key)


def reply_recipient(case: Case) -> str:
    """Where a reply goes: the reporting contact's primary address."""
    return case.contact.primary_email if case.contact else ""


def case_address(case: Case) -> str:
    """The case's own address (``acme+42@`` the mail domain): a reply to it lands on the case
    even when a mail program drops the threading headers."""
    return f"{case.account.slug}+{case.number}@{mail_domain()}"


def case_headers(
    case: Case, *, sender_name: str, thread: list[str], automatic: str | None
) -> dict[str, str]:
    """Headers of a mail about ``case`` that thread on the client's side and back into PSM
    (the outbox adds the Message-ID and the loop header): ``thread`` are earlier
    Message-IDs, oldest first; ``automatic`` is an RFC 3834 Auto-Submitted value or None for
    a person."""
    address = case_address(case)
    headers = {
        "From": formataddr((f"{sender_name} ({case.account.name} support)", address)),
        "Reply-To": address,
    }
    if thread:
        headers["In-Reply-To"] = f"<{thread[-1]}>"
        # The first message and the most recent ones: enough to thread, bounded in size.
        refs = thread if len(thread) <= 10 else [thread[0], *thread[-9:]]
        headers["References"] = " ".join(f"<{m}>" for m in refs)
    if automatic:
        headers["Auto-Submitted"] = automatic
        headers["X-Auto-Response-Suppress"] = "All"
        headers["Precedence"] = "bulk" if automatic == "auto-generated" else "auto_reply"
    return headers
