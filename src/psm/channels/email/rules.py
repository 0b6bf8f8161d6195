"""The rules that give an inbound message its state, separate from how the answers to their
questions are fetched (``Lookups``: one query per question, or prefetched for a batch)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from psm.accounts.models import Account, Contact, ContactEmail
from psm.cases.models import Case, CaseStatus, Message
from psm.cases.services import NewAttachment
from psm.channels.email.models import FINAL, FIRST_COPY, InboundMessage, MailAlias, State
from psm.channels.email.parse import ParsedMail
from psm.lib.priority_words import priority_in
from psm.notifications.mail import is_our_message_id, mail_domain
from psm.paging.models import Page
from psm.paging.notify import REPLY_SUBJECT_RE
from psm.paging.services import can_acknowledge
from psm.team.models import User

_PLUS = re.compile(r"^(?P<slug>[a-z0-9-]+)\+(?P<number>\d+)$")


@dataclass(frozen=True)
class Recipient:
    account: Account | None
    case_number: int | None = None


@dataclass
class Decision:
    """What to do with one message: a final state, and for "open"/"thread"/"auto" the case
    work still to be done."""

    state: str
    reason: str = ""
    action: str = ""  # "" (state only), "open", "thread", "auto", "acknowledge"
    case: Case | None = None
    contact: Contact | None = None
    account: Account | None = None
    priority: str | None = None
    followup_of: Case | None = None
    attachments: list[NewAttachment] = field(default_factory=list)
    # "open" only: send the client the automatic acknowledgement (not to list mail, nor
    # past the per-sender limit).
    acknowledge: bool = False
    page: Page | None = None  # "acknowledge": the page an engineer's reply acknowledges
    engineer: User | None = None


class Lookups:
    """The questions the rules ask, answered with one query each."""

    def __init__(self) -> None:
        self._recipients: dict[str, Recipient | None] = {}

    def seen_before(self, inbound: InboundMessage) -> bool:
        return earlier(inbound).exists()

    def acknowledgements(self, address: str) -> int:
        """Automatic acknowledgements sent to ``address`` within the limit's window."""
        return acknowledged(address).count()

    def take_acknowledgement(self, address: str) -> bool:
        """True when one more acknowledgement to ``address`` is within the limit."""
        limit = settings.PSM_MAIL_ACK_LIMIT
        return not limit or self.acknowledgements(address) < limit

    def contact(self, address: str) -> Contact | None:
        found = (
            ContactEmail.objects.filter(address=address.lower(), contact__is_active=True)
            .select_related("contact__account__service_plan", "contact__site")
            .first()
        )
        return found.contact if found else None

    def messages(self, ids: list[str]) -> list[Message]:
        return list(
            Message.objects.filter(message_id__in=ids).select_related(
                "case__account__service_plan", "case__assignee"
            )
        )

    def recipient(self, address: str) -> Recipient | None:
        address = address.strip().lower()
        if address not in self._recipients:
            self._recipients[address] = resolve_recipient(address)
        return self._recipients[address]

    def page_to_acknowledge(self, address: str, subject: str) -> tuple[Page, User] | None:
        """The page an engineer answers ("[PAGE #12]" in the subject, from their address),
        when they may acknowledge it."""
        found = REPLY_SUBJECT_RE.search(subject or "")
        if found is None:
            return None
        user = User.objects.filter(email__iexact=address.strip(), is_active=True).first()
        page = Page.objects.filter(pk=int(found.group(1))).select_related("account").first()
        if user is None or page is None or not can_acknowledge(user, page):
            return None
        return page, user

    def case_by_number(self, account: Account, number: int | None) -> Case | None:
        if number is None:
            return None
        return (
            Case.objects.filter(account=account, number=number)
            .select_related("account__service_plan", "assignee")
            .first()
        )


def acknowledged(address: str | Iterable[str]) -> QuerySet[InboundMessage]:
    """Messages from ``address`` (or any of several) acknowledged within the window."""
    since = timezone.now() - timedelta(minutes=settings.PSM_MAIL_ACK_WINDOW_MINUTES)
    qs = InboundMessage.objects.filter(acknowledged=True, processed_at__gte=since)
    if isinstance(address, str):
        return qs.filter(from_address=address)
    return qs.filter(from_address__in=list(address))


def earlier_bytes(inbound: InboundMessage) -> QuerySet[InboundMessage]:
    """Earlier copies of exactly these bytes that counted (for mail judged unread)."""
    return InboundMessage.objects.exclude(pk=inbound.pk).filter(
        sha256=inbound.sha256, state__in=FIRST_COPY
    )


def earlier(inbound: InboundMessage) -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.exclude(pk=inbound.pk).filter(state__in=FINAL)
    if inbound.message_id:
        return qs.filter(message_id=inbound.message_id).exclude(state=State.DUPLICATE)
    return qs.filter(sha256=inbound.sha256).exclude(state=State.DUPLICATE)


def resolve_recipient(address: str) -> Recipient | None:
    """Which of our addresses this is: an account's, a case's (``slug+42@``), an alias, the
    general PSM address (account None); None when it is not ours at all."""
    return resolve_recipients([address])[address.strip().lower()]


def resolve_recipients(addresses: Iterable[str]) -> dict[str, Recipient | None]:
    """``resolve_recipient`` for many addresses (keyed lower-case), with two queries."""
    wanted = {a.strip().lower() for a in addresses}
    domain = mail_domain()
    general = str(settings.DEFAULT_FROM_EMAIL).lower()
    ours: dict[str, tuple[str, int | None]] = {}
    for address in wanted:
        local, _, at = address.rpartition("@")
        if at == domain:
            plus = _PLUS.match(local)
            ours[address] = (plus["slug"], int(plus["number"])) if plus else (local, None)
    slugs = {slug for slug, _ in ours.values()}
    accounts = (
        {a.slug: a for a in Account.objects.filter(slug__in=slugs).select_related("service_plan")}
        if slugs
        else {}
    )
    found: dict[str, Recipient | None] = {}
    for address, (slug, number) in ours.items():
        if slug in accounts:
            found[address] = Recipient(accounts[slug], number)
        elif f"<{address}>" in general or general == address:
            found[address] = Recipient(None)
    rest = wanted - found.keys()
    aliases = (
        {
            alias.address: alias.account
            for alias in MailAlias.objects.filter(address__in=rest).select_related(
                "account__service_plan"
            )
        }
        if rest
        else {}
    )
    for address in rest:
        found[address] = Recipient(aliases[address]) if address in aliases else None
    return found


def classify(inbound: InboundMessage, mail: ParsedMail, look: Lookups) -> Decision:
    """The rules, in order (see ``psm.channels.email.services``)."""
    # Duplicates first: a message imported again is never judged again (and a message
    # without a usable sender is not quarantined a second time).
    if look.seen_before(inbound):
        what = f"Message-ID <{mail.message_id}>" if mail.message_id else "the same bytes"
        return Decision(State.DUPLICATE, f"{what} was already processed")
    if not mail.from_address:
        return Decision(State.QUARANTINED, "undecodable: no sender address. " + problems(mail))
    if is_loop(mail):
        return Decision(State.LOOP, "our own outgoing mail came back")
    contact = look.contact(mail.from_address)
    thread = thread_case(mail, contact, look)
    if mail.auto_submitted:
        if thread is None:
            return Decision(State.AUTO_REPLY, mail.auto_submitted)
        same = contact if contact and contact.account_id == thread.account_id else None
        return Decision(State.AUTO_REPLY, mail.auto_submitted, "auto", thread, same, thread.account)
    if contact is None:
        acknowledges = look.page_to_acknowledge(mail.from_address, mail.subject)
        if acknowledges is not None:
            page, engineer = acknowledges
            return Decision(
                State.THREADED,
                f"acknowledges page #{page.pk}",
                "acknowledge",
                account=page.account,
                page=page,
                engineer=engineer,
            )
        listed = f" ({mail.no_auto_reply})" if mail.no_auto_reply else ""
        return Decision(State.QUARANTINED, f"unknown sender {mail.from_address}{listed}")
    recipients = [r for r in (look.recipient(a) for a in recipients_of(inbound, mail)) if r]
    addressed = {r.account.pk for r in recipients if r.account is not None}
    if addressed and contact.account_id not in addressed:
        names = ", ".join(sorted(r.account.slug for r in recipients if r.account is not None))
        return Decision(
            State.QUARANTINED,
            f"{mail.from_address} is a contact of {contact.account.slug} "
            f"but wrote to the address of {names}",
            account=contact.account,
        )
    limit = settings.PSM_ATTACHMENT_MAX_BYTES
    big = [a for a in mail.attachments if a.size > limit]
    if big:
        return Decision(
            State.QUARANTINED,
            f"oversized attachment {big[0].filename} ({big[0].size:,} bytes; "
            f"the limit is {limit:,})",
            account=contact.account,
        )
    attachments = [NewAttachment(a.filename, a.payload, a.content_type) for a in mail.attachments]
    if thread is None:
        number = next((r.case_number for r in recipients if r.case_number), None)
        thread = look.case_by_number(contact.account, number) or look.case_by_number(
            contact.account, number_in_subject(contact.account, mail.subject)
        )
    if thread is not None and thread.status != CaseStatus.CLOSED:
        return Decision(
            State.THREADED,
            problems(mail),
            "thread",
            thread,
            contact,
            contact.account,
            attachments=attachments,
        )
    acknowledge, why_not = acknowledgement(mail, look)
    return Decision(
        State.CASE_OPENED,
        "; ".join(r for r in (why_not, problems(mail)) if r)[:2000],
        "open",
        contact=contact,
        account=contact.account,
        priority=priority_in(mail.subject, settings.PSM_MAIL_PRIORITY_WORDS),
        followup_of=thread,
        attachments=attachments,
        acknowledge=acknowledge,
    )


def acknowledgement(mail: ParsedMail, look: Lookups) -> tuple[bool, str]:
    """Whether a new case from this mail is acknowledged automatically, and why not.

    Never to mail that asks for no automatic answer (RFC 3834: list and bulk mail,
    X-Auto-Response-Suppress), and at most ``PSM_MAIL_ACK_LIMIT`` per sender address in
    ``PSM_MAIL_ACK_WINDOW_MINUTES``: an auto-responder that varies its subject opens cases
    but is not answered for ever."""
    if mail.no_auto_reply:
        return False, f"not acknowledged: {mail.no_auto_reply}"
    if not look.take_acknowledgement(mail.from_address):
        limit = settings.PSM_MAIL_ACK_LIMIT
        window = settings.PSM_MAIL_ACK_WINDOW_MINUTES
        return False, (
            f"not acknowledged: {mail.from_address} already had {limit} automatic "
            f"acknowledgements in {window} minutes (PSM_MAIL_ACK_LIMIT)"
        )
    return True, ""


def thread_case(mail: ParsedMail, contact: Contact | None, look: Lookups) -> Case | None:
    """The case whose message this mail answers. Our own outgoing IDs are trusted whoever
    answers (a bounce, an out-of-office); a client's IDs only within the sender's account."""
    ids = mail.thread_ids
    if not ids:
        return None
    found = look.messages(ids)
    if contact is not None:
        found = [m for m in found if m.case.account_id == contact.account_id]
    else:
        found = [m for m in found if is_our_message_id(m.message_id)]
    if not found:
        return None
    return max(found, key=lambda m: (m.created_at, m.pk)).case


def problems(mail: ParsedMail) -> str:
    return "; ".join(mail.problems)[:2000]


def title(subject: str) -> str:
    cleaned = re.sub(r"^((re|fwd?|aw|wg|sv|tr)\s*:\s*)+", "", subject, flags=re.I).strip()
    return cleaned or "(no subject)"


def recipients_of(inbound: InboundMessage, mail: ParsedMail) -> list[str]:
    return list(dict.fromkeys([*inbound.envelope_to, *mail.to, *mail.cc]))


def is_loop(mail: ParsedMail) -> bool:
    domain = mail_domain()
    if mail.loop_marker == domain:
        return True
    if mail.message_id and is_our_message_id(mail.message_id):
        return True
    return mail.from_address.endswith("@" + domain)


def number_in_subject(account: Account, subject: str) -> int | None:
    match = re.search(rf"\b{re.escape(account.slug)}-(\d+)\b", subject, flags=re.I)
    return int(match[1]) if match else None


class BatchLookups(Lookups):
    """The same answers for a batch, fetched with one query per kind of question."""

    def __init__(self, rows: list[InboundMessage], mails: list[ParsedMail]) -> None:
        super().__init__()
        ids = [r.pk for r in rows]
        mids = {m.message_id for m in mails if m.message_id}
        shas = {r.sha256 for r, m in zip(rows, mails, strict=True) if not m.message_id}
        # Looked up by Message-ID (and by hash) alone, the state checked here: with the
        # state in the query the planner may walk the state index over every message.
        batch = set(ids)
        self.seen_ids = {
            mid
            for pk, mid, state in InboundMessage.objects.filter(message_id__in=mids)
            .order_by()
            .values_list("pk", "message_id", "state")
            if state in FIRST_COPY and pk not in batch
        }
        self.seen_shas = {
            sha
            for pk, sha, state in InboundMessage.objects.filter(sha256__in=shas, message_id="")
            .order_by()
            .values_list("pk", "sha256", "state")
            if state in FIRST_COPY and pk not in batch
        }
        addresses = {m.from_address for m in mails if m.from_address}
        self.contacts = {
            e.address: e.contact
            for e in ContactEmail.objects.filter(
                address__in=addresses, contact__is_active=True
            ).select_related("contact__account__service_plan", "contact__site")
        }
        thread_ids = {i for m in mails for i in m.thread_ids}
        self.by_id: dict[str, list[Message]] = {}
        for message in super().messages(sorted(thread_ids)) if thread_ids else []:
            self.by_id.setdefault(message.message_id, []).append(message)
        self._recipients.update(
            resolve_recipients(
                a for r, m in zip(rows, mails, strict=True) for a in recipients_of(r, m)
            )
        )
        self.batch_ids: set[str] = set()
        self.batch_shas: set[str] = set()
        self.acks: dict[str, int] = dict(
            acknowledged(addresses)
            .order_by()
            .values_list("from_address")
            .annotate(n=Count("id"))
            .values_list("from_address", "n")
        )

    def acknowledgements(self, address: str) -> int:
        return self.acks.get(address, 0)

    def take_acknowledgement(self, address: str) -> bool:
        """Counted here: the batch's own acknowledgements are not in the database yet."""
        taken = super().take_acknowledgement(address)
        if taken:
            self.acks[address] = self.acks.get(address, 0) + 1
        return taken

    def seen_before(self, inbound: InboundMessage) -> bool:
        if inbound.message_id:
            seen = inbound.message_id in self.seen_ids or inbound.message_id in self.batch_ids
            self.batch_ids.add(inbound.message_id)
        else:
            seen = inbound.sha256 in self.seen_shas or inbound.sha256 in self.batch_shas
            self.batch_shas.add(inbound.sha256)
        return seen

    def contact(self, address: str) -> Contact | None:
        return self.contacts.get(address.lower())

    def messages(self, ids: list[str]) -> list[Message]:
        return [m for i in ids for m in self.by_id.get(i, [])]
