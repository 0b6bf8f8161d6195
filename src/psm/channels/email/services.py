"""The one inbound pipeline behind SMTP, IMAP and file import.

``store`` writes the raw bytes (fsynced) and commits their row before anything is parsed;
``process`` then gives the message exactly one final state, in this order of rules:

1. the same bytes already stored and over ``PSM_MAIL_MAX_BYTES`` → duplicate; else
   oversized                                                → quarantined
2. Message-ID (or, without one, the bytes) already seen     → duplicate
3. no usable sender                                         → quarantined (undecodable)
4. our own outgoing mail (loop marker, our Message-ID/From) → loop
5. automatic mail (Auto-Submitted, bounces, out-of-office)  → auto_reply (recorded on the case
   it answers when there is one; never answered, never opens a case)
6. an engineer answering a page e-mail ("[PAGE #12]")       → threaded (acknowledges the page)
7. unknown sender, or a contact writing to another account's address → quarantined
8. an attachment over ``PSM_ATTACHMENT_MAX_BYTES``          → quarantined
9. In-Reply-To/References, the case's own address, or the case number in the subject
                                                             → threaded (a closed case gets a
   new case instead)
10. otherwise                                                → case_opened, acknowledged —
   except list and bulk mail (RFC 3834: never answered automatically) and past
   ``PSM_MAIL_ACK_LIMIT`` acknowledgements to the sender within the window (a 7x24 priority
   is paged by the paging app when the case opens: ``cases.events``)

Anything unexpected → failed with the error; ``psm mail retry`` or the admin reprocesses it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import traceback
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from psm.cases import services as cases
from psm.channels.email import rules
from psm.channels.email.models import InboundMessage, State
from psm.channels.email.parse import ParsedMail, parse
from psm.channels.email.rules import Decision, Recipient, resolve_recipient
from psm.lib import bulk
from psm.notifications import services as notifications
from psm.paging.models import AckVia
from psm.paging.services import acknowledge

log = logging.getLogger(__name__)

__all__ = [
    "Recipient",
    "ingest",
    "process",
    "process_many",
    "reprocess",
    "resolve_recipient",
    "store",
    "store_many",
]

# -- store ---------------------------------------------------------------------------------


def _new_path(suffix: str) -> tuple[str, Path]:
    now = timezone.now()
    relative = f"{now:%Y/%m/%d}/{now:%H%M%S}-{uuid.uuid4().hex}{suffix}"
    path = Path(settings.MAIL_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return relative, path


def _write(path: Path, chunks: Iterable[bytes], sync: bool) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


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
    relative, path = _new_path(".eml")
    _write(path, [raw], sync)
    with transaction.atomic():
        row = InboundMessage.objects.create(
            received_at=timezone.now(),
            source=source,
            envelope_from=envelope_from[:320],
            envelope_to=[a.lower() for a in envelope_to],
            raw_path=relative,
            size=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(),
        )
    row.stored_bytes = raw
    return row


def store_many(raws: Sequence[bytes], *, source: str, sync: bool = True) -> list[InboundMessage]:
    """``store`` for a batch (import, IMAP): one segment file holding the messages back to
    back (each row knows its offset and length), one fsync, one INSERT, one commit."""
    relative, path = _new_path(".batch")
    _write(path, raws, sync)
    now = timezone.now()
    rows = []
    offset = 0
    for raw in raws:
        rows.append(
            InboundMessage(
                received_at=now,
                source=source,
                raw_path=relative,
                raw_offset=offset,
                raw_length=len(raw),
                size=len(raw),
                sha256=hashlib.sha256(raw).hexdigest(),
            )
        )
        offset += len(raw)
    with transaction.atomic():
        bulk.insert(rows)
    for row, raw in zip(rows, raws, strict=True):
        row.stored_bytes = raw
    return rows


def ingest(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Iterable[str] = ()
) -> InboundMessage:
    row = store(raw, source=source, envelope_from=envelope_from, envelope_to=envelope_to)
    return process(row)


def recipient_known(address: str) -> bool:
    return resolve_recipient(address) is not None


# -- process ------------------------------------------------------------------------------


def process(inbound: InboundMessage) -> InboundMessage:
    """Give one stored message its final state (a batch of one); never raises for a bad
    message."""
    return process_many([inbound])[0]


def process_many(rows: list[InboundMessage]) -> list[InboundMessage]:
    """Give stored messages (fresh, or failed ones being retried) their final states, in one
    transaction: lookups prefetched, cases and messages written in bulk. If anything in a
    batch fails, it is rolled back and every message is processed as a batch of its own, so
    one bad message only fails itself."""
    held = _claim(rows)
    mine = [row for row in rows if row.pk in held]
    for row in rows:
        if row.pk not in held:
            row.refresh_from_db()  # someone else has it, or it is already done
    if not mine:
        return rows
    try:
        with transaction.atomic(), notifications.collected():
            _batch(mine)
    except Exception as exc:
        if len(mine) == 1:
            _failed(mine[0], exc)
        else:
            log.exception("batch of %s messages failed; processing them one by one", len(mine))
            for row in mine:
                row.refresh_from_db()
                process(row)
    return rows


def _read(inbound: InboundMessage) -> ParsedMail | None:
    """Parse the stored bytes, filling the row's header fields; None when the size alone
    decides (quarantined, unread)."""
    if inbound.size > settings.PSM_MAIL_MAX_BYTES:
        if rules.earlier_bytes(inbound).exists():
            _set(inbound, State.DUPLICATE, "the same bytes were already processed")
            return None
        _set(
            inbound,
            State.QUARANTINED,
            f"oversized: {inbound.size:,} bytes; the limit is {settings.PSM_MAIL_MAX_BYTES:,}",
        )
        return None
    mail = parse(inbound.raw(), inbound.envelope_from if inbound.source == "smtp" else None)
    inbound.message_id = cases.clean_text(mail.message_id)[:255]
    inbound.from_address = cases.clean_text(mail.from_address)[:320]
    inbound.subject = cases.clean_text(mail.subject)[:300]
    return mail


def _failed(inbound: InboundMessage, exc: Exception) -> None:
    if isinstance(exc, IntegrityError) and inbound.message_id and rules.earlier(inbound).exists():
        # Another copy of the same message won the race: this one is the duplicate.
        InboundMessage.objects.filter(pk=inbound.pk).update(
            state=State.DUPLICATE,
            reason=f"Message-ID <{inbound.message_id}> was already processed",
            processed_at=timezone.now(),
        )
    else:
        log.exception("inbound mail %s failed", inbound.pk, exc_info=exc)
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        InboundMessage.objects.filter(pk=inbound.pk).update(
            state=State.FAILED, reason=error[:4000], processed_at=timezone.now()
        )
    inbound.refresh_from_db()


def _set(inbound: InboundMessage, state: str, reason: str = "") -> None:
    inbound.state = state
    inbound.reason = reason


def _new_case(mail: ParsedMail, decision: Decision) -> cases.NewCase:
    assert decision.account is not None
    text = mail.text
    if decision.followup_of is not None:
        text = f"(Follow-up to closed case {decision.followup_of.reference})\n\n{text}"
    return cases.NewCase(
        decision.account,
        title=rules.title(mail.subject),
        text=text,
        html=mail.html,
        priority=decision.priority,
        contact=decision.contact,
        origin="email",
        message_id=mail.message_id,
        attachments=decision.attachments,
        acknowledge_to=mail.from_address if decision.acknowledge else "",
    )


_FIELDS = [
    "state",
    "reason",
    "message_id",
    "from_address",
    "subject",
    "account",
    "case",
    "case_message",
    "acknowledged",
    "processed_at",
]


def _claim(rows: list[InboundMessage]) -> set[int]:
    """Claim each row that is still unprocessed (or failed, for a retry) with the attempts
    we know of; returns the keys won (one statement per 500 rows, one commit; a row someone
    else took is not)."""
    table = connection.ops.quote_name(InboundMessage._meta.db_table)
    by_attempts: dict[int, list[InboundMessage]] = {}
    for row in rows:
        by_attempts.setdefault(row.attempts, []).append(row)
    won: set[int] = set()
    with transaction.atomic(), connection.cursor() as cursor:
        for attempts, group in by_attempts.items():
            for start in range(0, len(group), 500):
                chunk = group[start : start + 500]
                cursor.execute(
                    f"UPDATE {table} SET attempts = attempts + 1 WHERE state IN (%s, %s) "
                    f"AND attempts = %s AND id IN ({', '.join(['%s'] * len(chunk))}) "
                    "RETURNING id",
                    [State.RECEIVED.value, State.FAILED.value, attempts, *(r.pk for r in chunk)],
                )
                won.update(pk for (pk,) in cursor.fetchall())
    for row in rows:
        if row.pk in won:
            row.attempts += 1
    return won


def _batch(rows: list[InboundMessage]) -> None:
    now = timezone.now()
    mails: list[ParsedMail | None] = [_read(row) for row in rows]
    parsed = [(r, m) for r, m in zip(rows, mails, strict=True) if m is not None]
    look = rules.BatchLookups([r for r, _ in parsed], [m for _, m in parsed])
    opens: list[tuple[InboundMessage, ParsedMail, Decision]] = []
    adds: list[tuple[InboundMessage, ParsedMail, Decision]] = []

    def flush() -> None:
        if opens:
            opened = cases.open_cases(None, [_new_case(m, d) for _, m, d in opens], at=now)
            for (row, _, _), case in zip(opens, opened, strict=True):
                row.case = case
                row.case_message = case.first_message
        if adds:
            items = [
                cases.NewMessage(
                    d.case,
                    m.text,
                    m.html,
                    contact=d.contact,
                    message_id=m.message_id,
                    subject=m.subject,
                    attachments=d.attachments,
                    automatic=d.action == "auto",
                )
                for _, m, d in adds
                if d.case is not None  # always set for "thread" and "auto"
            ]
            for (row, _, d), message in zip(
                adds, cases.add_messages(None, items, at=now), strict=True
            ):
                row.case = d.case
                row.case_message = message
        opens.clear()
        adds.clear()

    for row, mail in parsed:
        if set(mail.thread_ids) & look.batch_ids:
            # It answers a message of this very batch: write what is pending, then ask.
            flush()
            decision = rules.classify(row, mail, _AfterFlush(look))
        else:
            decision = rules.classify(row, mail, look)
        _set(row, decision.state, decision.reason)
        row.account = decision.account
        row.acknowledged = decision.acknowledge
        if decision.action == "open":
            opens.append((row, mail, decision))
        elif decision.action in ("thread", "auto"):
            adds.append((row, mail, decision))
        elif decision.action == "acknowledge":
            assert decision.page is not None and decision.engineer is not None
            if not acknowledge(decision.page, decision.engineer, AckVia.REPLY, now):
                row.reason = f"page #{decision.page.pk} was already acknowledged"
    flush()
    for row in rows:
        row.processed_at = now
    _save_all(rows)


def _save_all(rows: list[InboundMessage]) -> None:
    """One prepared UPDATE run for every row (``bulk_update`` builds a CASE per field and
    row, which costs more than the rest of the batch)."""
    fields = [f for f in InboundMessage._meta.concrete_fields if f.name in _FIELDS]
    sets = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in fields)
    table = connection.ops.quote_name(InboundMessage._meta.db_table)
    values = [bulk.column(f, connection, add=False) for f in fields]
    params = [[value(row) for value in values] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", params)


class _AfterFlush(rules.Lookups):
    """Fresh queries (they see what the batch has written so far), but duplicates and the
    acknowledgement limit are still judged against the whole batch."""

    def __init__(self, batch: rules.BatchLookups) -> None:
        super().__init__()
        self.batch = batch

    def seen_before(self, inbound: InboundMessage) -> bool:
        return self.batch.seen_before(inbound)

    def take_acknowledgement(self, address: str) -> bool:
        return self.batch.take_acknowledgement(address)


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
