"""The events an endpoint can subscribe to, and what each one says (the ``data`` of the
body). Each comes from an event another app sends inside the transaction of its change
(``psm.lib.events``); ``reactions`` subscribes to them.

Every body has the Standard Webhooks shape ``{"type", "timestamp", "data"}``; ``data``
names the account by slug and carries a ``url`` to the object in PSM. Internal notes on a
case are announced to the installation's endpoints only, never to an account's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from psm.accounts.models import Account
from psm.advisories.events import AdvisoryDelivered
from psm.advisories.models import Advisory
from psm.cases.events import CaseOpened, CaseUpdated, MessageAdded, SlaAlert
from psm.cases.models import Case, Message
from psm.engagement.events import TouchpointDue
from psm.paging.events import PageEvent
from psm.paging.models import Page
from psm.reports.events import ReportSent
from psm.reports.models import ReportRun


@dataclass(frozen=True)
class Announcement:
    type: str
    account_id: int | None
    data: dict[str, Any]
    at: datetime
    # Events that may be sent twice for one fact (an SLA target missed by the sweep and
    # then answered late) name the fact; one delivery per endpoint and fact.
    fact: str = ""
    internal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# Event type → what it means, in the order the staff page lists them.
EVENTS: dict[str, str] = {
    "case.created": "A case was opened, by any channel.",
    "case.updated": "A case's status, priority or assignee changed.",
    "case.message_added": "A message was added to a case (internal notes: installation only).",
    "page.triggered": "A page started: the first engineer was paged.",
    "page.escalated": "Nobody acknowledged in time: the next in the chain was paged.",
    "page.acknowledged": "An engineer acknowledged a page.",
    "sla.warning": "An SLA target of a case falls due soon.",
    "sla.breached": "An SLA target of a case was missed.",
    "touchpoint.due": "A check-in, site visit or review falls due soon or is overdue.",
    "advisory.delivered": "An advisory was delivered to an account's contacts.",
    "report.sent": "A status report was sent to its recipients.",
}
# Sent by "Send a test event" on the staff page; not subscribable.
TEST_EVENT = "webhook.test"


def url(path: str) -> str:
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def account_data(account: Account) -> dict[str, Any]:
    return {"id": account.pk, "slug": account.slug, "name": account.name}


def case_data(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
        "title": case.title,
        "status": case.status,
        "priority": case.priority,
        "origin": case.origin,
        "account": account_data(case.account),
        "assignee": case.assignee.username if case.assignee else None,
        "opened_at": _iso(case.opened_at),
        "first_response_due": _iso(case.first_response_due),
        "next_update_due": _iso(case.next_update_due),
        "resolution_due": _iso(case.resolution_due),
        "url": url(case.get_absolute_url()),
    }


def message_data(message: Message) -> dict[str, Any]:
    author = message.author_user or message.author_contact
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "internal": message.is_internal,
        "automatic": message.is_automatic,
        "author": str(author) if author else None,
        "subject": message.subject,
        "text": message.text,
        "created_at": _iso(message.created_at),
    }


def page_data(page: Page) -> dict[str, Any]:
    return {
        "id": page.pk,
        "account": account_data(page.account),
        "status": page.status,
        "priority": page.priority,
        "source": page.source,
        "message": page.message,
        "case": page.case_reference or None,
        "step": page.step,
        "paged": page.target_name,
        "ack_deadline": _iso(page.ack_deadline),
        "acknowledged_by": page.acknowledged_by.username if page.acknowledged_by else None,
        "acknowledged_at": _iso(page.acknowledged_at),
        "opened_at": _iso(page.opened_at),
        "url": url(page.get_absolute_url()),
    }


def case_created(event: CaseOpened) -> Announcement:
    return Announcement(
        "case.created", event.case.account_id, {"case": case_data(event.case)}, event.at
    )


def case_updated(event: CaseUpdated) -> Announcement:
    changes = {name: list(values) for name, values in event.changes.items()}
    data = {"case": case_data(event.case), "changes": changes}
    return Announcement("case.updated", event.case.account_id, data, event.at)


def message_added(event: MessageAdded) -> Announcement:
    data = {"case": case_data(event.case), "message": message_data(event.message)}
    return Announcement(
        "case.message_added",
        event.case.account_id,
        data,
        event.at,
        internal=event.message.is_internal,
    )


def page_event(kind: str, event: PageEvent) -> Announcement:
    return Announcement(
        f"page.{kind}", event.page.account_id, {"page": page_data(event.page)}, event.at
    )


def sla_warning(event: SlaAlert) -> Announcement:
    data = {"case": case_data(event.case), "target": event.kind, "due": _iso(event.due)}
    return Announcement(
        "sla.warning",
        event.case.account_id,
        data,
        event.at,
        fact=f"sla.warning:{event.case.pk}:{event.kind}:{event.due.isoformat()}",
    )


def sla_breached(case: Case, kind: str, due: datetime, missed_at: datetime) -> Announcement:
    """A missed target: the sweep found its due time passed (``sla_breached``), or it was
    answered late before the sweep looked (``sla_settled``, not met); one fact either way."""
    data = {
        "case": case_data(case),
        "target": kind,
        "due": _iso(due),
        "missed_at": _iso(missed_at),
    }
    return Announcement(
        "sla.breached",
        case.account_id,
        data,
        missed_at,
        fact=f"sla.breached:{case.pk}:{kind}:{due.isoformat()}",
    )


def touchpoint_due(event: TouchpointDue) -> Announcement:
    account = Account.objects.get(pk=event.account_id)
    data = {
        "account": account_data(account),
        "touchpoint": event.kind,
        "due": _iso(event.due),
        "overdue": event.overdue,
        "url": url(reverse("engagement:account", args=[account.slug])),
    }
    state = "overdue" if event.overdue else "due"
    return Announcement(
        "touchpoint.due",
        account.pk,
        data,
        event.at,
        fact=f"touchpoint.{state}:{event.cadence_state_id}:{event.due.isoformat()}",
    )


def advisory_delivered(event: AdvisoryDelivered, at: datetime) -> Announcement:
    advisory = Advisory.objects.get(pk=event.advisory_id)
    account = Account.objects.get(pk=event.account_id)
    data = {
        "account": account_data(account),
        "advisory": {
            "id": advisory.pk,
            "tracking_id": event.tracking_id,
            "revision": event.revision,
            "title": advisory.title,
            "severity": advisory.severity or None,
        },
        "item_id": event.item_id,
        "url": url(reverse("advisories:item", args=[account.slug, event.item_id])),
    }
    return Announcement("advisory.delivered", account.pk, data, at)


def report_sent(event: ReportSent, at: datetime) -> Announcement:
    run = ReportRun.objects.select_related("account").get(pk=event.run_id)
    data = {
        "account": account_data(run.account),
        "report": {
            "run_id": run.pk,
            "name": run.name,
            "period": event.period_code,
            "period_label": run.period_label,
            "recipients": len(event.recipients),
        },
        "url": url(reverse("reports:run", args=[run.account.slug, run.pk])),
    }
    return Announcement("report.sent", run.account_id, data, at)
