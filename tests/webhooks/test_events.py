"""Every event type an endpoint can subscribe to is written as a delivery by the real code
path that makes the change, with the account's data in the body."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine

from psm.cases import services as cases
from psm.cases.sweeps import sweep
from psm.engagement.models import CadenceKind
from psm.engagement.services.cadences import set_cadence_override, sweep_cadences
from psm.paging import services as paging
from psm.reports.events import ReportSent, report_sent
from psm.testing import advisories
from psm.testing.reports import foreign_run
from psm.testing.webhooks import make_endpoint
from psm.webhooks.catalog import EVENTS
from psm.webhooks.models import Delivery

IN_HOURS = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tuesday 11:00 in New York


def bodies(type_: str) -> list[dict[str, Any]]:
    return [json.loads(d.body) for d in Delivery.objects.filter(event_type=type_).order_by("pk")]


def test_case_events(book) -> None:
    make_endpoint("https://hooks.example.com/psm", events=list(EVENTS))
    case = cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    cases.change_priority(book.alice, case, "P1")
    cases.reply(book.alice, case, text="Looking at it now.")
    [created] = bodies("case.created")
    assert created["type"] == "case.created"
    assert created["data"]["case"]["account"]["slug"] == "acme"
    assert created["data"]["case"]["url"].endswith(f"/cases/{case.reference}/")
    updates = bodies("case.updated")
    assert {"priority": ["P3", "P1"]} in [u["data"]["changes"] for u in updates]
    texts = [b["data"]["message"]["text"] for b in bodies("case.message_added")]
    assert "Looking at it now." in texts


def test_page_events(book) -> None:
    make_endpoint("https://hooks.example.com/psm", account=book.a, events=list(EVENTS))
    page = paging.page_psm(
        book.a, priority="P1", message="Database down", contact=book.contact_a, at=IN_HOURS
    )
    assert page.ack_deadline is not None
    assert paging.escalate(page.pk, 0, page.ack_deadline + timedelta(seconds=1))
    page.refresh_from_db()
    assert paging.acknowledge(page, book.bob, "button", page.ack_deadline)
    [triggered] = bodies("page.triggered")
    [escalated] = bodies("page.escalated")
    [acknowledged] = bodies("page.acknowledged")
    assert triggered["data"]["page"]["paged"] == "alice"
    assert escalated["data"]["page"]["paged"] == "bob"
    assert acknowledged["data"]["page"]["acknowledged_by"] == "bob"


def test_sla_warning_and_breach_come_from_the_sweep_once(book) -> None:
    make_endpoint("https://hooks.example.com/psm", events=["sla.warning", "sla.breached"])
    case = cases.open_case(
        None, book.a, title="Slow", text="x", contact=book.contact_a, priority="P2", at=IN_HOURS
    )
    due = case.first_response_due
    assert due is not None
    sweep(due - timedelta(minutes=10))
    sweep(due - timedelta(minutes=5))
    sweep(due + timedelta(minutes=1))
    sweep(due + timedelta(minutes=2))
    [warning] = bodies("sla.warning")
    [breach] = bodies("sla.breached")
    assert warning["data"]["target"] == breach["data"]["target"] == "first_response"
    assert breach["data"]["due"] == due.isoformat()
    # Answered late afterwards: the same missed target, no second delivery.
    cases.reply(book.alice, case, text="Sorry for the wait.", at=due + timedelta(minutes=3))
    assert len(bodies("sla.breached")) == 1


def test_a_target_answered_late_before_the_sweep_looked_is_a_breach_too(book) -> None:
    make_endpoint("https://hooks.example.com/psm", events=["sla.breached"])
    case = cases.open_case(
        None, book.a, title="Slow", text="x", contact=book.contact_a, priority="P2", at=IN_HOURS
    )
    due = case.first_response_due
    assert due is not None
    cases.reply(book.alice, case, text="Late.", at=due + timedelta(seconds=30))
    sweep(due + timedelta(minutes=1))
    [breach] = bodies("sla.breached")
    assert breach["data"]["case"]["reference"] == case.reference


def test_touchpoint_due_soon_then_overdue(book) -> None:
    make_endpoint("https://hooks.example.com/psm", account=book.a, events=["touchpoint.due"])
    with time_machine.travel(datetime(2025, 3, 3, 12, tzinfo=UTC), tick=False):
        set_cadence_override(
            None,
            book.a,
            CadenceKind.CHECK_IN,
            rrule="FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0",
            tolerance_days=1,
            remind_days=2,
        )
    with time_machine.travel(datetime(2025, 3, 3, 17, tzinfo=UTC), tick=False):
        sweep_cadences()
        sweep_cadences()
    with time_machine.travel(datetime(2025, 3, 6, 16, tzinfo=UTC), tick=False):
        sweep_cadences()
    check_ins = [b for b in bodies("touchpoint.due") if b["data"]["touchpoint"] == "check_in"]
    due_soon, overdue = check_ins
    assert due_soon["data"]["touchpoint"] == "check_in" and due_soon["data"]["overdue"] is False
    assert overdue["data"]["overdue"] is True
    assert due_soon["data"]["due"] == overdue["data"]["due"]


def test_advisory_delivered(book) -> None:
    make_endpoint("https://hooks.example.com/psm", account=book.b, events=["advisory.delivered"])
    item = advisories.foreign_item(book)  # delivered to Globex by its PSM
    [body] = bodies("advisory.delivered")
    assert body["data"]["account"]["slug"] == "globex"
    assert body["data"]["advisory"]["tracking_id"] == item.advisory.tracking_id
    assert body["data"]["url"].endswith(f"/accounts/globex/advisories/{item.pk}/")


def test_report_sent(book) -> None:
    make_endpoint("https://hooks.example.com/psm", events=["report.sent"])
    run = foreign_run(book)
    report_sent.send(
        ReportSent(run.pk, run.account_id, run.definition_id, run.period_code, ("a@b.example",))
    )
    [body] = bodies("report.sent")
    assert body["data"]["report"] == {
        "run_id": run.pk,
        "name": run.name,
        "period": run.period_code,
        "period_label": run.period_label,
        "recipients": 1,
    }


def test_nobody_listening_writes_nothing(book) -> None:
    make_endpoint("https://hooks.example.com/psm", account=book.b, events=list(EVENTS))
    cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    assert Delivery.objects.count() == 0
