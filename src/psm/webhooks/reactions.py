"""What outgoing webhooks react to: the lower apps' events (``psm.lib.events``). Each
subscriber only writes delivery rows, in the transaction of the change it announces."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.utils import timezone

from psm.advisories.events import AdvisoryDelivered, advisory_delivered
from psm.cases.events import (
    CaseOpened,
    CaseUpdated,
    MessageAdded,
    SlaAlert,
    SlaSettled,
    case_opened,
    case_updated,
    message_added,
    sla_breached,
    sla_settled,
    sla_warning,
)
from psm.engagement.events import TouchpointDue, touchpoint_due
from psm.paging.events import PageEvent, page_acknowledged, page_escalated, page_triggered
from psm.reports.events import ReportSent, report_sent
from psm.webhooks import catalog
from psm.webhooks.services import announce, announce_many


def on_case_opened(event: CaseOpened) -> None:
    announce("case.created", event.case.account_id, lambda: catalog.case_created(event))


def on_case_updated(event: CaseUpdated) -> None:
    announce("case.updated", event.case.account_id, lambda: catalog.case_updated(event))


def on_message_added(event: MessageAdded) -> None:
    announce(
        "case.message_added",
        event.case.account_id,
        lambda: catalog.message_added(event),
        internal=event.message.is_internal,
    )


def on_page_triggered(event: PageEvent) -> None:
    announce(
        "page.triggered", event.page.account_id, lambda: catalog.page_event("triggered", event)
    )


def on_page_escalated(event: PageEvent) -> None:
    announce(
        "page.escalated", event.page.account_id, lambda: catalog.page_event("escalated", event)
    )


def on_page_acknowledged(event: PageEvent) -> None:
    announce(
        "page.acknowledged",
        event.page.account_id,
        lambda: catalog.page_event("acknowledged", event),
    )


def on_sla_warnings(events: Sequence[SlaAlert]) -> None:
    items = [(e.case.account_id, partial(catalog.sla_warning, e), False) for e in events]
    announce_many("sla.warning", items)


def on_sla_breaches(events: Sequence[SlaAlert]) -> None:
    items = [
        (e.case.account_id, partial(catalog.sla_breached, e.case, e.kind, e.due, e.due), False)
        for e in events
    ]
    announce_many("sla.breached", items)


def on_sla_settled(events: Sequence[SlaSettled]) -> None:
    """A target answered late (the sweep announces the ones it finds missed; one fact)."""
    items = [
        (e.case.account_id, partial(catalog.sla_breached, e.case, e.kind, e.due, e.at), False)
        for e in events
        if not e.met
    ]
    announce_many("sla.breached", items)


def on_touchpoint_due(event: TouchpointDue) -> None:
    announce("touchpoint.due", event.account_id, lambda: catalog.touchpoint_due(event))


def on_advisory_delivered(event: AdvisoryDelivered) -> None:
    at = timezone.now()
    announce("advisory.delivered", event.account_id, lambda: catalog.advisory_delivered(event, at))


def on_report_sent(event: ReportSent) -> None:
    at = timezone.now()
    announce("report.sent", event.account_id, lambda: catalog.report_sent(event, at))


def connect() -> None:
    case_opened.subscribe(on_case_opened)
    case_updated.subscribe(on_case_updated)
    message_added.subscribe(on_message_added)
    page_triggered.subscribe(on_page_triggered)
    page_escalated.subscribe(on_page_escalated)
    page_acknowledged.subscribe(on_page_acknowledged)
    sla_warning.subscribe_many(on_sla_warnings)
    sla_breached.subscribe_many(on_sla_breaches)
    sla_settled.subscribe_many(on_sla_settled)
    touchpoint_due.subscribe(on_touchpoint_due)
    advisory_delivered.subscribe(on_advisory_delivered)
    report_sent.subscribe(on_report_sent)
