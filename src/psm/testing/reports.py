"""Test helpers for status reports: definitions and runs (of account B for the URL walk), and
a real SMTP server on 127.0.0.1 that keeps every message it is given."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from psm.accounts.models import Account, Contact
from psm.reports import services
from psm.reports.models import ReportDefinition, ReportRun
from psm.reports.periods import parse
from psm.reports.schedule import DEFAULT_RULES
from psm.testing.book import Book
from psm.testing.paging import free_port

ALL_SECTIONS = [
    "cases",
    "sla",
    "open_cases",
    "pages",
    "work",
    "advocacy",
    "touchpoints",
    "satisfaction",
    "advisories",
    "checklists",
    "knowledge",
    "commentary",
]


def make_definition(
    account: Account,
    actor: Any,
    *,
    name: str = "Monthly status",
    sections: list[str] | None = None,
    contacts: list[Contact] | None = None,
    outside: list[str] | None = None,
    release_mode: str = "automatic",
    schedule: str = DEFAULT_RULES["month"],
    period_kind: str = "month",
    is_default: bool = False,
) -> ReportDefinition:
    spec = services.DefinitionSpec(
        name=name,
        sections=[{"key": k, "options": {}} for k in (sections or ALL_SECTIONS)],
        period_kind=period_kind,
        custom_days=30,
        schedule=schedule,
        release_mode=release_mode,
        release_within_hours=24,
        is_active=True,
        is_default=is_default,
        contacts=contacts if contacts is not None else [],
        outside=outside or [],
    )
    return services.save_definition(actor, account, spec)


def make_run(definition: ReportDefinition, period: str = "2026-02") -> ReportRun:
    """A run of ``definition`` for ``period``, made (rendered and archived) in this process."""
    p = parse(period, definition.account.timezone)
    run = services._new_run(definition, p, "manual")
    assert run is not None
    services.generate(run)
    run.refresh_from_db()
    return run


def foreign_definition(book: Book) -> ReportDefinition:
    existing = ReportDefinition.objects.filter(account=book.b).first()
    return existing or make_definition(
        book.b, book.bob, name="Globex monthly", contacts=[book.contact_b]
    )


def foreign_recipient(book: Book) -> Any:
    definition = foreign_definition(book)
    recipient = definition.recipients.filter(contact__isnull=True).first()
    if recipient is None:
        recipient = definition.recipients.create(email="auditor@outside.example")
    return recipient


def foreign_run(book: Book) -> ReportRun:
    definition = foreign_definition(book)
    existing = ReportRun.objects.filter(definition=definition).first()
    if existing is not None:
        return existing
    p = parse("2026-01", book.b.timezone)
    return ReportRun.objects.create(
        definition=definition,
        account=book.b,
        name=definition.name,
        period_kind=p.kind,
        period_code=p.code,
        period_label=p.label,
        period_start=p.start,
        period_end=p.end,
        release_mode="automatic",
        status="sent",
        sent_at=datetime(2026, 2, 2, 9, tzinfo=UTC),
    )


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping what it receives."""

    controller: Controller
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def close(self) -> None:
        self.controller.stop()


def start_smtp() -> SmtpSink:
    sink: SmtpSink

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            sink.messages.append(message)
            sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            return "250 Message accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    sink = SmtpSink(controller)
    return sink
