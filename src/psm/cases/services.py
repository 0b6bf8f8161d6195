"""Every change to a case, one verb each: write, audit, move the clocks and notify together.

Each function runs in one transaction; notifications are outbox rows written in it, so a
rolled-back change announces nothing and a committed one is always announced.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from psm.accounts.models import Account, Contact, InstalledProduct, Priority, Site
from psm.audit import models as audit
from psm.audit.models import record
from psm.cases import clocks, notify
from psm.cases.events import (
    CaseOpened,
    CaseUpdated,
    MessageAdded,
    SlaSettled,
    case_opened,
    case_updated,
    message_added,
    sla_settled,
)
from psm.cases.models import (
    ACTIVE,
    Attachment,
    Case,
    CaseCounter,
    CaseStatus,
    Direction,
    Message,
    MessageChannel,
    Origin,
)
from psm.coverage import adapters
from psm.coverage.adapters import Routed
from psm.lib.bulk import insert
from psm.lib.forms import megabytes, upload_limit
from psm.team.models import User

log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = ""


def sanitize_html(html: str) -> str:
    return nh3.clean(clean_text(html)) if html else ""


def clean_text(text: str) -> str:
    """What every database accepts: no NUL characters, no lone surrogates."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _save(case: Case, fields: Sequence[str]) -> None:
    case.save(update_fields=[*dict.fromkeys([*fields, "updated_at"])])


def reserve_numbers(account_id: int, count: int) -> int:
    """Reserve ``count`` case numbers for the account; returns the last one. The UPDATE
    takes the counter row's lock until the transaction ends, so concurrent openers queue
    behind it and never share a number; a rolled-back opening gives its numbers back."""
    table = CaseCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + %s WHERE account_id = %s "
            "RETURNING last_number",
            [count, account_id],
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    CaseCounter.objects.get_or_create(account_id=account_id)  # the account's first case
    return reserve_numbers(account_id, count)


def _pause(case: Case, at: datetime) -> None:
    if not case.is_paused:
        case.pauses = [*case.pauses, [at.isoformat(), None]]


def _resume(case: Case, at: datetime) -> None:
    if case.is_paused:
        start = case.pauses[-1][0]
        case.pauses = [*case.pauses[:-1], [start, at.isoformat()]]


def _attach(message: Message, files: Sequence[NewAttachment]) -> None:
    limit = upload_limit()
    for f in files:
        if len(f.content) > limit:
            raise ValidationError(
                f"{f.filename} is {megabytes(len(f.content))}; the limit is {megabytes(limit)}."
            )
        # NUL and other control characters: PostgreSQL refuses them, file systems too.
        name = _CONTROL.sub("", f.filename).replace("/", "_").replace("\\", "_")[:200]
        name = name.strip() or "attachment"
        content_type = _CONTROL.sub("", f.content_type)[:150]
        attachment = Attachment(
            message=message,
            filename=name,
            content_type=content_type or Attachment.guess_type(name),
            size=len(f.content),
        )
        attachment.file.save(name, ContentFile(f.content), save=False)
        attachment.save()


def _new_message(
    case: Case,
    *,
    direction: str,
    channel: str,
    text: str,
    html: str = "",
    author_user: User | None = None,
    author_contact: Contact | None = None,
    is_internal: bool = False,
    is_automatic: bool = False,
    message_id: str = "",
    subject: str = "",
    at: datetime,
) -> Message:
    """The one builder of ``Message`` rows (not saved: callers insert one or many)."""
    return Message(
        case=case,
        direction=direction,
        channel=channel,
        text=clean_text(text),
        html=sanitize_html(html),
        author_user=author_user,
        author_contact=author_contact,
        is_internal=is_internal,
        is_automatic=is_automatic,
        message_id=clean_text(message_id)[:255],
        subject=clean_text(subject)[:300],
        created_at=at,
    )


def _message(case: Case, *, attachments: Sequence[NewAttachment] = (), **fields: Any) -> Message:
    """Write one message (``_new_message``'s fields) with its attachments."""
    message = _new_message(case, **fields)
    message.save()
    if attachments:
        _attach(message, attachments)
    return message


@dataclass(frozen=True)
class NewCase:
    """One case to open (see ``open_cases``)."""

    account: Account
    title: str
    text: str = ""
    html: str = ""
    priority: str | None = None
    contact: Contact | None = None
    site: Site | None = None
    installed_product: InstalledProduct | None = None
    origin: str = Origin.STAFF
    message_id: str = ""
    attachments: Sequence[NewAttachment] = ()
    acknowledge_to: str = ""


def open_case(
    actor: User | None,
    account: Account,
    *,
    title: str,
    text: str = "",
    html: str = "",
    priority: str | None = None,
    contact: Contact | None = None,
    site: Site | None = None,
    installed_product: InstalledProduct | None = None,
    origin: str = Origin.STAFF,
    message_id: str = "",
    attachments: Sequence[NewAttachment] = (),
    acknowledge_to: str = "",
    at: datetime | None = None,
) -> Case:
    """Open a case: number it, snapshot the plan, route it, start the clocks, record the
    first message, tell the engineer who has it and (``acknowledge_to``) the client."""
    item = NewCase(
        account,
        title,
        text,
        html,
        priority,
        contact,
        site,
        installed_product,
        origin,
        message_id,
        attachments,
        acknowledge_to,
    )
    return open_cases(actor, [item], at=at)[0]


class _Routing:
    """Plans, routing decisions and people looked up once per account for one call."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.coverage: dict[int, dict[str, Any]] = {}
        self.decisions: dict[tuple[int, str], Routed | None] = {}
        self.users: dict[str, User | None] = {}

    def snapshot(self, account: Account) -> dict[str, Any]:
        if account.pk not in self.coverage:
            self.coverage[account.pk] = {
                "plan": account.service_plan.name,
                "spec": adapters.plan_spec(account).to_dict(),
                "settings": account.effective_plan(),
            }
        return self.coverage[account.pk]

    def decision(self, account: Account, priority: str) -> Routed | None:
        key = (account.pk, priority)
        if key not in self.decisions:
            self.decisions[key] = adapters.routed_for(account, priority, self.now)
        return self.decisions[key]

    def user(self, username: str) -> User | None:
        if username not in self.users:
            self.users[username] = User.objects.filter(username=username, is_active=True).first()
        return self.users[username]


_ROUTING_REUSE = timedelta(seconds=60)
_shared_routing: ContextVar[list[_Routing] | None] = ContextVar("routing", default=None)


@contextmanager
def reuse_routing() -> Iterator[None]:
    """For a long import: plans and routing decisions are looked up once per account and
    priority and reused for up to a minute (who covers does not change faster than that)."""
    token = _shared_routing.set([])
    try:
        yield
    finally:
        _shared_routing.reset(token)


def _routing_for(now: datetime) -> _Routing:
    shared = _shared_routing.get()
    if shared is None:
        return _Routing(now)
    if not shared or abs(now - shared[0].now) > _ROUTING_REUSE:
        shared[:] = [_Routing(now)]
    return shared[0]


def open_cases(
    actor: User | None, items: Sequence[NewCase], at: datetime | None = None
) -> list[Case]:
    """``open_case`` for many at once (a mail import): the same rules, numbers reserved per
    account in one statement, rows written in bulk, in one transaction."""
    now = _now(at)
    routing = _routing_for(now)
    cases: list[Case] = []
    decisions: list[Routed | None] = []
    priorities = frozenset(Priority.values)
    for item in items:
        contact = item.contact
        priority = item.priority or (contact.default_priority if contact else Priority.P3)
        if priority not in priorities:
            raise ValidationError(f"Unknown priority {priority!r}.")
        for obj, what in (
            (contact, "contact"),
            (item.site, "site"),
            (item.installed_product, "product"),
        ):
            if obj is not None and obj.account_id != item.account.pk:
                raise ValidationError(f"The {what} belongs to another account.")
        decision = routing.decision(item.account, priority)
        decisions.append(decision)
        if decision is not None:
            assignee = routing.user(decision.route.target)
            decided = decision.route.explain()
        else:
            assignee = None
            decided = {"target": None, "channel": "queue", "reasons": ["the account has no PSM"]}
        cases.append(
            Case(
                account=item.account,
                title=(clean_text(item.title).strip() or "(no subject)")[:300],
                site=item.site or (contact.site if contact else None),
                contact=contact,
                installed_product=item.installed_product,
                priority=priority,
                status=CaseStatus.NEW,
                origin=item.origin,
                assignee=assignee,
                coverage=routing.snapshot(item.account),
                routing=decided,
                opened_at=now,
            )
        )
    with transaction.atomic():
        wanted: dict[int, int] = {}
        for case in cases:
            wanted[case.account_id] = wanted.get(case.account_id, 0) + 1
        last = {pk: reserve_numbers(pk, n) for pk, n in wanted.items()}
        for case in reversed(cases):
            case.number = last[case.account_id]
            last[case.account_id] -= 1
            case.reference = f"{case.account.slug.upper()}-{case.number}"
            clocks.recompute(case)
        insert(cases)
        firsts = [
            _new_message(
                case,
                direction=Direction.IN if item.contact is not None else Direction.OUT,
                channel=_channel_of(item.origin),
                text=item.text,
                html=item.html,
                author_contact=item.contact,
                author_user=actor if item.contact is None else None,
                is_internal=item.contact is None and item.origin == Origin.STAFF,
                message_id=item.message_id,
                subject=item.title,
                at=now,
            )
            for case, item in zip(cases, items, strict=True)
        ]
        insert(firsts)
        insert(
            [
                audit.entry(
                    actor,
                    "case.open",
                    case,
                    account=case.account_id,
                    changes={
                        "priority": case.priority,
                        "origin": case.origin,
                        "assignee": str(case.assignee or ""),
                    },
                )
                for case in cases
            ],
            returning=False,
        )
        default = "Your request has been received and will be answered by our support team"
        for case, first, item, decision in zip(cases, firsts, items, decisions, strict=True):
            case.first_message = first  # for callers: no refetch
            if item.attachments:
                _attach(first, item.attachments)
            notify.new_case(case)
            if item.acknowledge_to:
                told = decision.route.client_message if decision else default
                notify.acknowledge(case, item.acknowledge_to, told, first)
            case_opened.send(CaseOpened(case, decision, now))
    return cases


def _channel_of(origin: str) -> str:
    channels: dict[str, str] = {
        Origin.EMAIL: MessageChannel.EMAIL,
        Origin.PHONE: MessageChannel.PHONE,
        Origin.PAGE: MessageChannel.PAGE,
        Origin.PORTAL: MessageChannel.PORTAL,
    }
    return channels.get(origin, MessageChannel.NOTE)


@dataclass(frozen=True)
class NewMessage:
    """One message from the client to add (see ``add_messages``)."""

    case: Case
    text: str
    html: str = ""
    channel: str = MessageChannel.EMAIL
    contact: Contact | None = None
    message_id: str = ""
    subject: str = ""
    attachments: Sequence[NewAttachment] = ()
    automatic: bool = False


def add_message(
    actor: User | None,
    case: Case,
    *,
    text: str,
    html: str = "",
    channel: str = MessageChannel.EMAIL,
    contact: Contact | None = None,
    message_id: str = "",
    subject: str = "",
    attachments: Sequence[NewAttachment] = (),
    automatic: bool = False,
    at: datetime | None = None,
) -> Message:
    """Something from the client on ``case`` (``add_messages`` for one)."""
    item = NewMessage(
        case, text, html, channel, contact, message_id, subject, attachments, automatic
    )
    return add_messages(actor, [item], at=at)[0]


def add_messages(
    actor: User | None, items: Sequence[NewMessage], at: datetime | None = None
) -> list[Message]:
    """Messages from clients, in one transaction (one for a portal reply, many for a mail
    import). A real message takes its case off "waiting on client" (clocks restart) and
    reopens a resolved one; an automatic one (out-of-office, bounce) is only recorded. Rows
    are written in bulk; only the cases that move are saved one by one."""
    now = _now(at)
    with transaction.atomic():
        cases = {
            c.pk: c
            for c in Case.objects.select_for_update(of=("self",))
            .filter(pk__in={item.case.pk for item in items})
            .select_related("account", "assignee")
        }
        messages = [
            _new_message(
                cases[item.case.pk],
                direction=Direction.IN,
                channel=item.channel,
                text=item.text,
                html=item.html,
                author_contact=item.contact,
                author_user=actor if item.contact is None else None,
                is_automatic=item.automatic,
                message_id=item.message_id,
                subject=item.subject,
                at=now,
            )
            for item in items
        ]
        insert(messages)
        audits = []
        untouched: set[int] = set()
        for item, message in zip(items, messages, strict=True):
            case = cases[item.case.pk]
            if item.attachments:
                _attach(message, item.attachments)
            if item.automatic:
                audits.append(audit.entry(actor, "case.auto_reply", case, account=case.account_id))
                continue
            if case.status in (CaseStatus.WAITING_ON_CLIENT, CaseStatus.RESOLVED):
                before = case.status
                _resume(case, now)
                case.status = CaseStatus.OPEN
                if before == CaseStatus.RESOLVED:
                    case.resolved_at = None
                _save(case, ["status", "pauses", "resolved_at", *clocks.recompute(case)])
                audits.append(
                    audit.entry(
                        actor,
                        "case.reopen" if before == CaseStatus.RESOLVED else "case.client_replied",
                        case,
                        account=case.account_id,
                        changes={"status": [before, case.status]},
                    )
                )
                case_updated.send(CaseUpdated(case, {"status": [before, case.status]}, now))
            else:
                untouched.add(case.pk)
            audits.append(
                audit.entry(
                    actor,
                    "case.message",
                    case,
                    account=case.account_id,
                    changes={"message": message.pk},
                )
            )
            notify.client_wrote(case, message)
            message_added.send(MessageAdded(case, message, now))
        insert(audits, returning=False)
        Case.objects.filter(pk__in=untouched).update(updated_at=now)
    return messages


def reply(
    actor: User,
    case: Case,
    *,
    text: str,
    html: str = "",
    channel: str = MessageChannel.EMAIL,
    attachments: Sequence[NewAttachment] = (),
    status: str | None = None,
    at: datetime | None = None,
) -> Message:
    """The provider answers the client: the first answer meets the first-response target,
    each answer restarts the next-update clock; by e-mail it goes out threaded."""
    now = _now(at)
    if not text.strip():
        raise ValidationError("A reply needs some text.")
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("account", "contact")
            .get(pk=case.pk)
        )
        if not case.is_active and case.status != CaseStatus.RESOLVED:
            raise ValidationError(f"{case.reference} is closed; open a new case instead.")
        before = case.status
        message = _message(
            case,
            direction=Direction.OUT,
            channel=channel,
            text=text,
            html=html,
            author_user=actor,
            attachments=attachments,
            subject=case.mail_subject,
            at=now,
        )
        changed = ["last_update_at"]
        settled: list[SlaSettled] = []
        if case.first_response_at is None:
            case.first_response_at = now
            due = case.first_response_due
            if due is not None and now > due and not case.first_response_breached:
                case.first_response_breached = case.breached = True
                changed += ["first_response_breached", "breached"]
            changed.append("first_response_at")
            if due is not None:
                met = not case.first_response_breached
                settled.append(SlaSettled(case, "first_response", due, met, now))
        elif case.next_update_due is not None:
            met = now <= case.next_update_due and not case.next_update_breached
            settled.append(SlaSettled(case, "next_update", case.next_update_due, met, now))
        case.last_update_at = now
        case.next_update_breached = False
        changed.append("next_update_breached")
        if case.status == CaseStatus.NEW:
            case.status = CaseStatus.OPEN
            changed.append("status")
        if status is not None and status != case.status:
            changed += _apply_status(case, status, now)
        changed += clocks.recompute(case)
        _save(case, changed)
        if channel == MessageChannel.EMAIL:
            to = notify.reply_recipient(case)
            if to:
                message.message_id = notify.send_to_client(
                    case,
                    key=f"case:{case.pk}:reply:{message.pk}",
                    to=to,
                    body=text,
                    html=message.html,
                    sender_name=actor.display_name,
                )
                message.save(update_fields=["message_id"])
        record(actor, "case.reply", case, account=case.account, changes={"message": message.pk})
        if before != case.status:
            case_updated.send(CaseUpdated(case, {"status": [before, case.status]}, now))
        message_added.send(MessageAdded(case, message, now))
        for item in [*settled, *_resolution_settled(case, before, now)]:
            sla_settled.send(item)
    return message


def add_note(actor: User, case: Case, text: str, at: datetime | None = None) -> Message:
    """An internal note: provider people only, moves no clock."""
    if not text.strip():
        raise ValidationError("A note needs some text.")
    now = _now(at)
    with transaction.atomic():
        message = _message(
            case,
            direction=Direction.OUT,
            channel=MessageChannel.NOTE,
            text=text,
            author_user=actor,
            is_internal=True,
            at=now,
        )
        record(actor, "case.note", case, account=case.account, changes={"message": message.pk})
        message_added.send(MessageAdded(case, message, now))
    return message


def _apply_status(case: Case, status: str, now: datetime) -> list[str]:
    if status not in CaseStatus.values:
        raise ValidationError(f"Unknown status {status!r}.")
    before = case.status
    case.status = status
    changed = ["status", "pauses"]
    if status in (CaseStatus.WAITING_ON_CLIENT, CaseStatus.RESOLVED, CaseStatus.CLOSED):
        _pause(case, now)
    else:
        _resume(case, now)
    if status == CaseStatus.RESOLVED:
        case.resolved_at = now
        due = case.resolution_due
        if due is not None and now > due:
            case.resolution_breached = case.breached = True
            changed += ["resolution_breached", "breached"]
        changed.append("resolved_at")
    elif before == CaseStatus.RESOLVED and status in ACTIVE:
        case.resolved_at = None
        changed.append("resolved_at")
    if status == CaseStatus.CLOSED:
        case.closed_at = now
        changed.append("closed_at")
    return changed


def set_status(actor: User | None, case: Case, status: str, at: datetime | None = None) -> Case:
    """Change the status; waiting on the client pauses every clock until it changes again."""
    now = _now(at)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if case.status == CaseStatus.CLOSED:
            raise ValidationError(f"{case.reference} is closed; open a new case instead.")
        if status == case.status:
            return case
        before = case.status
        changed = _apply_status(case, status, now)
        changed += clocks.recompute(case)
        _save(case, changed)
        record(
            actor, "case.status", case, account=case.account, changes={"status": [before, status]}
        )
        case_updated.send(CaseUpdated(case, {"status": [before, status]}, now))
        for item in _resolution_settled(case, before, now):
            sla_settled.send(item)
    return case


def _resolution_settled(case: Case, before: str, now: datetime) -> list[SlaSettled]:
    """The resolution target, settled when a case becomes resolved (met if in time)."""
    if before == CaseStatus.RESOLVED or case.status != CaseStatus.RESOLVED:
        return []
    if case.resolution_due is None:
        return []
    return [SlaSettled(case, "resolution", case.resolution_due, not case.resolution_breached, now)]


def resolve(actor: User, case: Case, summary: str = "", at: datetime | None = None) -> Case:
    """Mark resolved (clocks stop; a client reply reopens it); the summary goes to the client."""
    if summary.strip():
        reply(actor, case, text=summary, status=CaseStatus.RESOLVED, at=at)
        case.refresh_from_db()
        return case
    return set_status(actor, case, CaseStatus.RESOLVED, at=at)


def close(actor: User | None, case: Case, at: datetime | None = None) -> Case:
    return set_status(actor, case, CaseStatus.CLOSED, at=at)


def change_priority(
    actor: User | None, case: Case, priority: str, reason: str = "", at: datetime | None = None
) -> Case:
    """New priority, new targets (from the case's own snapshot), clocks recomputed from the
    opening; the engineer is told."""
    if priority not in Priority.values:
        raise ValidationError(f"Unknown priority {priority!r}.")
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",)).select_related("account").get(pk=case.pk)
        )
        if priority == case.priority:
            return case
        before = case.priority
        case.priority = priority
        changed = ["priority", *clocks.recompute(case)]
        _save(case, changed)
        record(
            actor,
            "case.priority",
            case,
            account=case.account,
            changes={"priority": [before, priority], "reason": reason},
        )
        if reason:
            _message(
                case,
                direction=Direction.OUT,
                channel=MessageChannel.NOTE,
                text=f"Priority {before} → {priority}: {reason}",
                author_user=actor,
                is_internal=True,
                at=_now(at),
            )
        case_updated.send(CaseUpdated(case, {"priority": [before, priority]}, _now(at)))
        notify.to_engineer(
            case,
            case.assignee,
            f"priority:{before}:{priority}:{_now(at):%Y%m%dT%H%M%S}",
            f"priority {before} → {priority}",
            f"{case.reference} is now {priority}. {reason}".strip(),
        )
    return case


def assign(actor: User | None, case: Case, engineer: User | None) -> Case:
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",)).select_related("account").get(pk=case.pk)
        )
        if case.assignee_id == (engineer.pk if engineer else None):
            return case
        before = case.assignee
        case.assignee = engineer
        _save(case, ["assignee"])
        record(
            actor,
            "case.assign",
            case,
            account=case.account,
            changes={"assignee": [str(before or ""), str(engineer or "")]},
        )
        case_updated.send(
            CaseUpdated(
                case, {"assignee": [str(before or ""), str(engineer or "")]}, timezone.now()
            )
        )
        notify.to_engineer(
            case,
            engineer,
            f"assigned:{engineer.pk if engineer else 0}:{timezone.now():%Y%m%dT%H%M%S}",
            f"assigned to you: {case.title}",
            f"{actor or 'PSM'} gave you {case.reference} ({case.priority}, {case.account.name}).",
        )
    return case
