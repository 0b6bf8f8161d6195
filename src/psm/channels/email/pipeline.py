"""The one inbound pipeline behind SMTP, IMAP and file import.

``store`` writes the raw bytes (fsynced) and commits their row before anything is parsed;
``process`` then gives the message exactly one final state, in this order of rules:

1. oversized (over ``PSM_MAIL_MAX_BYTES``)                 → quarantined
2. no usable sender                                         → quarantined (undecodable)
3. Message-ID (or, without one, the bytes) already seen     → duplicate
4. our own outgoing mail (loop marker, our Message-ID/From) → loop
5. automatic mail (RFC 3834 and friends)                    → auto_reply (recorded on the case
   it answers when there is one; never answered, never opens a case)
6. unknown sender, or a contact writing to another account's address → quarantined
7. an attachment over ``PSM_ATTACHMENT_MAX_BYTES``          → quarantined
8. In-Reply-To/References, the case's own address, or the case number in the subject
                                                             → threaded (a closed case gets a
   new case instead)
9. otherwise                                                 → case_opened, acknowledged

Anything unexpected → failed with the error; ``psm mail retry`` or the admin reprocesses it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import traceback
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from psm.accounts.models import Account, Contact, ContactEmail
from psm.cases import services
from psm.cases.models import Case, CaseStatus, Message, Origin
from psm.channels.email import outgoing
from psm.channels.email.models import FINAL, InboundMessage, MailAlias, State
from psm.channels.email.parse import ParsedMail, parse
from psm.channels.email.priority_words import priority_in

log = logging.getLogger(__name__)

_PLUS = re.compile(r"^(?P<slug>[a-z0-9-]+)\+(?P<number>\d+)$")


# -- store ---------------------------------------------------------------------------------


def store(
    raw: bytes,
    *,
    source: str,
    envelope_from: str = "",
    envelope_to: Iterable[str] = (),
    sync: bool = True,
) -> InboundMessage:
    """Write the raw bytes under ``PSM_DATA_DIR/mail/`` and commit their row. Only after this
    returns may a sender be told the message was accepted."""
    now = timezone.now()
    relative = f"{now:%Y/%m/%d}/{now:%H%M%S}-{uuid.uuid4().hex}.eml"
    path = Path(settings.MAIL_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write(raw)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    with transaction.atomic():
        return InboundMessage.objects.create(
            received_at=now,
            source=source,
            envelope_from=envelope_from[:320],
            envelope_to=[a.lower() for a in envelope_to],
            raw_path=relative,
            size=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(),
        )


def ingest(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Iterable[str] = ()
) -> InboundMessage:
    row = store(raw, source=source, envelope_from=envelope_from, envelope_to=envelope_to)
    return process(row)


# -- addresses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    account: Account | None
    case_number: int | None = None


def resolve_recipient(address: str) -> Recipient | None:
    """Which of our addresses this is: an account's, a case's (``slug+42@``), an alias, the
    general PSM address (account None); None when it is not ours at all."""
    address = address.strip().lower()
    local, _, domain = address.rpartition("@")
    if domain == outgoing.mail_domain():
        plus = _PLUS.match(local)
        slug, number = (plus["slug"], int(plus["number"])) if plus else (local, None)
        account = Account.objects.filter(slug=slug).first()
        if account is not None:
            return Recipient(account, number)
        general = str(settings.DEFAULT_FROM_EMAIL).lower()
        if f"<{address}>" in general or general == address:
            return Recipient(None)
    alias = MailAlias.objects.filter(address=address).select_related("account").first()
    if alias is not None:
        return Recipient(alias.account)
    return None


def recipient_known(address: str) -> bool:
    return resolve_recipient(address) is not None


# -- process -------------------------------------------------------------------------------


class Quarantine(Exception):
    pass


def process(inbound: InboundMessage) -> InboundMessage:
    """Give one stored message its final state; never raises for a bad message."""
    claimed = InboundMessage.objects.filter(
        pk=inbound.pk,
        state__in=[State.RECEIVED, State.FAILED],
        attempts=inbound.attempts,
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        inbound.refresh_from_db()
        return inbound  # someone else is at it, or it is already done
    inbound.attempts += 1
    try:
        with transaction.atomic():
            _decide(inbound)
            inbound.processed_at = timezone.now()
            inbound.save()
    except Exception as exc:
        if isinstance(exc, IntegrityError) and _is_duplicate_race(inbound):
            return process_duplicate(inbound)
        log.exception("inbound mail %s failed", inbound.pk)
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        InboundMessage.objects.filter(pk=inbound.pk).update(
            state=State.FAILED, reason=error[:4000], processed_at=timezone.now()
        )
        inbound.refresh_from_db()
    return inbound


def _is_duplicate_race(inbound: InboundMessage) -> bool:
    return bool(inbound.message_id) and _earlier(inbound).exists()


def process_duplicate(inbound: InboundMessage) -> InboundMessage:
    InboundMessage.objects.filter(pk=inbound.pk).update(
        state=State.DUPLICATE,
        reason=f"Message-ID <{inbound.message_id}> was already processed",
        processed_at=timezone.now(),
    )
    inbound.refresh_from_db()
    return inbound


def _earlier(inbound: InboundMessage) -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.exclude(pk=inbound.pk).filter(state__in=FINAL)
    if inbound.message_id:
        return qs.filter(message_id=inbound.message_id).exclude(state=State.DUPLICATE)
    return qs.filter(sha256=inbound.sha256).exclude(state=State.DUPLICATE)


def _set(inbound: InboundMessage, state: str, reason: str = "") -> None:
    inbound.state = state
    inbound.reason = reason


def _decide(inbound: InboundMessage) -> None:
    if inbound.size > settings.PSM_MAIL_MAX_BYTES:
        _set(
            inbound,
            State.QUARANTINED,
            f"oversized: {inbound.size:,} bytes; the limit is {settings.PSM_MAIL_MAX_BYTES:,}",
        )
        return
    mail = parse(inbound.raw(), inbound.envelope_from if inbound.source == "smtp" else None)
    inbound.message_id = services.clean_text(mail.message_id)[:255]
    inbound.from_address = services.clean_text(mail.from_address)[:320]
    inbound.subject = services.clean_text(mail.subject)[:300]
    if not mail.from_address:
        _set(inbound, State.QUARANTINED, "undecodable: no sender address. " + _problems(mail))
        return
    if _earlier(inbound).exists():
        what = f"Message-ID <{mail.message_id}>" if mail.message_id else "the same bytes"
        _set(inbound, State.DUPLICATE, f"{what} was already processed")
        return
    if _is_loop(mail):
        _set(inbound, State.LOOP, "our own outgoing mail came back")
        return
    contact = _contact(mail.from_address)
    if contact is None and not mail.auto_submitted:
        acked = _page_acknowledgement(mail)
        if acked:
            _set(inbound, State.THREADED, acked)
            return
    thread_case = _thread_case(mail, inbound, contact)
    if mail.auto_submitted:
        _set(inbound, State.AUTO_REPLY, mail.auto_submitted)
        if thread_case is not None:
            inbound.case = thread_case
            inbound.account = thread_case.account
            inbound.case_message = services.add_message(
                None,
                thread_case,
                text=mail.text,
                html=mail.html,
                contact=contact
                if contact and contact.account_id == thread_case.account_id
                else None,
                message_id=mail.message_id,
                subject=mail.subject,
                automatic=True,
            )
        return
    if contact is None:
        _set(inbound, State.QUARANTINED, f"unknown sender {mail.from_address}")
        return
    inbound.account = contact.account
    recipients = [r for r in (resolve_recipient(a) for a in _recipients(inbound, mail)) if r]
    addressed = {r.account.pk for r in recipients if r.account is not None}
    if addressed and contact.account_id not in addressed:
        names = ", ".join(sorted(r.account.slug for r in recipients if r.account is not None))
        _set(
            inbound,
            State.QUARANTINED,
            f"{mail.from_address} is a contact of {contact.account.slug} "
            f"but wrote to the address of {names}",
        )
        return
    limit = settings.PSM_ATTACHMENT_MAX_BYTES
    big = [a for a in mail.attachments if a.size > limit]
    if big:
        _set(
            inbound,
            State.QUARANTINED,
            f"oversized attachment {big[0].filename} ({big[0].size:,} bytes; "
            f"the limit is {limit:,})",
        )
        return
    attachments = [
        services.NewAttachment(a.filename, a.payload, a.content_type) for a in mail.attachments
    ]
    if thread_case is None:
        number = next((r.case_number for r in recipients if r.case_number), None)
        thread_case = _case_by_number(contact.account, number) or _case_in_subject(
            contact.account, mail.subject
        )
    if thread_case is not None and thread_case.status != CaseStatus.CLOSED:
        inbound.case = thread_case
        inbound.case_message = services.add_message(
            None,
            thread_case,
            text=mail.text,
            html=mail.html,
            contact=contact,
            message_id=mail.message_id,
            subject=mail.subject,
            attachments=attachments,
        )
        _set(inbound, State.THREADED, _problems(mail))
        return
    text = mail.text
    if thread_case is not None:
        text = f"(Follow-up to closed case {thread_case.reference})\n\n{text}"
    case = services.open_case(
        None,
        contact.account,
        title=_title(mail.subject),
        text=text,
        html=mail.html,
        priority=priority_in(mail.subject, settings.PSM_MAIL_PRIORITY_WORDS),
        contact=contact,
        origin=Origin.EMAIL,
        message_id=mail.message_id,
        attachments=attachments,
        acknowledge_to=mail.from_address,
    )
    inbound.case = case
    inbound.case_message = case.messages.first()
    _set(inbound, State.CASE_OPENED, _problems(mail))
    if case.routing.get("channel") == "page" and apps.is_installed("psm.paging"):
        # P1 (or another 7x24 priority): page with acknowledgement and escalation.
        from psm.paging.services import page_from_email

        page_from_email(case)


def _page_acknowledgement(mail: ParsedMail) -> str:
    """An engineer answering a page e-mail ("[PAGE #12]") acknowledges the page."""
    if not apps.is_installed("psm.paging") or "[PAGE #" not in mail.subject:
        return ""
    from psm.paging.services import acknowledge_by_email_reply

    page = acknowledge_by_email_reply(mail.from_address, mail.subject)
    return f"acknowledged page #{page.pk}" if page is not None else ""


def _problems(mail: ParsedMail) -> str:
    return "; ".join(mail.problems)[:2000]


def _title(subject: str) -> str:
    cleaned = re.sub(r"^((re|fwd?|aw|wg|sv|tr)\s*:\s*)+", "", subject, flags=re.I).strip()
    return cleaned or "(no subject)"


def _recipients(inbound: InboundMessage, mail: ParsedMail) -> list[str]:
    return list(dict.fromkeys([*inbound.envelope_to, *mail.to, *mail.cc]))


def _contact(address: str) -> Contact | None:
    found = (
        ContactEmail.objects.filter(address=address.lower(), contact__is_active=True)
        .select_related("contact__account", "contact__site")
        .first()
    )
    return found.contact if found else None


def _is_loop(mail: ParsedMail) -> bool:
    domain = outgoing.mail_domain()
    if mail.loop_marker == domain:
        return True
    if mail.message_id and outgoing.is_our_message_id(mail.message_id):
        return True
    return mail.from_address.endswith("@" + domain)


def _thread_case(mail: ParsedMail, inbound: InboundMessage, contact: Contact | None) -> Case | None:
    """The case whose message this mail answers. Our own outgoing IDs are trusted whoever
    answers (a bounce, an out-of-office); a client's IDs only within the sender's account."""
    ids = mail.thread_ids
    if not ids:
        return None
    found = Message.objects.filter(message_id__in=ids).select_related("case__account")
    if contact is not None:
        found = found.filter(case__account=contact.account)
    else:
        found = found.filter(message_id__in=[i for i in ids if outgoing.is_our_message_id(i)])
    message = found.order_by("-created_at").first()
    return message.case if message else None


def _case_by_number(account: Account, number: int | None) -> Case | None:
    if number is None:
        return None
    return Case.objects.filter(account=account, number=number).first()


def _case_in_subject(account: Account, subject: str) -> Case | None:
    match = re.search(rf"\b{re.escape(account.slug)}-(\d+)\b", subject, flags=re.I)
    return _case_by_number(account, int(match[1])) if match else None


def reprocess(rows: Iterable[InboundMessage]) -> list[InboundMessage]:
    """Run failed, stuck or quarantined messages through the pipeline again (e.g. after the
    unknown sender was added as a contact). Final successful states are left alone."""
    out = []
    for row in rows:
        if row.state == State.QUARANTINED:
            InboundMessage.objects.filter(pk=row.pk, state=State.QUARANTINED).update(
                state=State.RECEIVED
            )
            row.refresh_from_db()
        if row.state in (State.FAILED, State.RECEIVED):
            out.append(process(row))
    return out
