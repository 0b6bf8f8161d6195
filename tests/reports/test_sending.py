"""Sending: the sweep claims each (definition, period) once, recipients are checked again at
send time, mail goes through the outbox with the PDF attached and the charts inline (real
SMTP), held reports remind and release, and ``report.sent`` is sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage

from psm.accounts import services as account_services
from psm.notifications import services as outbox
from psm.notifications.models import Notification, Status
from psm.reports import services
from psm.reports.events import ReportSent, report_sent
from psm.reports.models import ReportRun, RunStatus
from psm.reports.tasks import generate_report
from psm.testing.factories import ContactFactory
from psm.testing.reports import make_definition

NY = ZoneInfo("America/New_York")


@pytest.fixture
def definition(october):
    book = october.book
    with time_machine.travel(datetime(2026, 10, 20, tzinfo=NY), tick=False):
        d = make_definition(
            book.a, book.alice, contacts=[book.contact_a], outside=["cfo@acme-holding.example"]
        )
    return d


def test_the_schedule_is_in_the_clients_zone(definition) -> None:
    assert definition.next_run_at == datetime(2026, 11, 2, 9, tzinfo=NY)


def test_the_sweep_claims_each_period_once_even_when_run_twice(definition) -> None:
    first = services.claim_due()
    second = services.claim_due()
    assert len(first) == 1 and second == []
    run = ReportRun.objects.get()
    assert (run.period_code, run.status) == ("2026-10", RunStatus.PENDING)
    definition.refresh_from_db()
    assert definition.next_run_at == datetime(2026, 12, 7, 9, tzinfo=NY)


def test_two_schedulers_racing_on_one_definition_make_one_run(definition) -> None:
    """A second scheduler that read the same due row loses the conditional update."""
    stale = type(definition).objects.get(pk=definition.pk)
    assert len(services.claim_due()) == 1
    # Replaying the loser's claim with its stale next_run_at updates nothing.
    assert (
        type(definition)
        .objects.filter(pk=stale.pk, next_run_at=stale.next_run_at)
        .update(next_run_at=None)
        == 0
    )
    # And a period that already has its run gets no second one, whatever claims it.
    assert (
        services._new_run(
            definition, services.period_for(definition, stale.next_run_at), "schedule"
        )
        is None
    )
    assert ReportRun.objects.count() == 1


def test_sent_by_smtp_with_the_pdf_attached_and_charts_inline(definition, smtp, october) -> None:
    seen: list[ReportSent] = []
    report_sent.subscribe(seen.append)
    try:
        (run_id,) = services.claim_due()
        generate_report.call(run_id)
    finally:
        report_sent._subscribers.remove(seen.append)
    run = ReportRun.objects.get(pk=run_id)
    assert run.status == RunStatus.SENT and run.sent_at is not None
    # The outside address was added by staff (Alice), so it is approved.
    assert run.recipients == ["alma@acme.example", "cfo@acme-holding.example"]
    assert [e.recipients for e in seen] == [("alma@acme.example", "cfo@acme-holding.example")]
    assert outbox.deliver_due() == 2
    assert len(smtp.messages) == 2
    message = smtp.messages[0]
    assert message["Subject"].startswith("Monthly status · Acme · October 2026")
    assert message.get_content_type() == "multipart/mixed"
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    html = next(p for p in related.walk() if p.get_content_type() == "text/html").get_content()
    images = [p for p in related.walk() if p.get_content_type() == "image/png"]
    assert images and all(f"cid:{p['Content-ID'].strip('<>')}" in html for p in images)
    pdf = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
    assert pdf.get_filename() == "acme-2026-10.pdf"
    assert pdf.get_content() == default_storage.open(run.pdf_path).read()
    # One mail per recipient per period: sending the run again sends nothing.
    assert services.send(run, "again", "again") == []
    assert outbox.deliver_due() == 0 and len(smtp.messages) == 2


def test_a_retried_delivery_sends_the_same_message(definition, smtp) -> None:
    (run_id,) = services.claim_due()
    generate_report.call(run_id)
    row = Notification.objects.filter(key__startswith=f"report:{run_id}:alma").get()
    assert outbox.deliver(row)
    Notification.objects.filter(pk=row.pk).update(
        status=Status.PENDING, next_attempt_at=row.created_at
    )
    row.refresh_from_db()
    assert outbox.deliver(row)
    first, second = [m for m in smtp.messages if "alma@acme.example" in m["To"]]
    assert first["Message-ID"] == second["Message-ID"]
    assert (
        first.as_bytes().count(b"application/pdf")
        == second.as_bytes().count(b"application/pdf")
        == 1
    )


def test_a_revoked_contact_receives_nothing(definition, october) -> None:
    book = october.book
    account_services.revoke_portal_access(book.alice, book.contact_a)
    gone = ContactFactory(
        account=book.a, name="Left Company", email="left@acme.example", is_active=False
    )
    definition.recipients.create(contact=gone)
    (run_id,) = services.claim_due()
    generate_report.call(run_id)
    run = ReportRun.objects.get(pk=run_id)
    assert run.recipients == ["cfo@acme-holding.example"]
    assert {w["reason"] for w in run.withheld} == {
        "portal access revoked",
        "no longer an active contact",
    }
    assert not Notification.objects.filter(
        recipient__in=["alma@acme.example", "left@acme.example"], key__startswith="report:"
    ).exists()


def test_an_outside_address_from_the_client_waits_for_the_psms_approval(october) -> None:
    book = october.book
    d = make_definition(
        book.a,
        book.client_a,
        name="Client's",
        contacts=[book.contact_a],
        outside=["boss@elsewhere.example"],
    )
    recipient = d.recipients.get(email="boss@elsewhere.example")
    assert recipient.approved_at is None
    assert Notification.objects.filter(
        user=book.alice, subject__startswith="Approve report recipients"
    ).exists()
    assert services.recipients_now(d)[0] == ["alma@acme.example"]
    services.approve_recipient(book.alice, recipient)
    assert services.recipients_now(d)[0] == ["alma@acme.example", "boss@elsewhere.example"]


def test_an_address_of_the_accounts_own_contact_is_that_contact(october) -> None:
    book = october.book
    d = make_definition(book.a, book.client_a, name="Mine", outside=["ALMA@acme.example"])
    (recipient,) = d.recipients.all()
    assert recipient.contact == book.contact_a and not recipient.is_outside


def test_a_held_report_reminds_then_is_released_with_commentary(october, smtp) -> None:
    book = october.book
    with time_machine.travel(datetime(2026, 10, 20, tzinfo=NY), tick=False):
        d = make_definition(book.a, book.alice, contacts=[book.contact_a], release_mode="hold")
    (run_id,) = services.claim_due()
    generate_report.call(run_id)
    run = ReportRun.objects.get(pk=run_id)
    assert run.status == RunStatus.HELD and run.recipients == []
    assert Notification.objects.filter(key=f"report:{run.pk}:ready", user=book.alice).exists()
    assert services.remind_held() == 0
    assert run.remind_at is not None
    later = run.remind_at + timedelta(minutes=1)
    assert services.remind_held(later) == 1 and services.remind_held(later) == 0
    assert Notification.objects.filter(key=f"report:{run.pk}:reminder").exists()
    assert services.release(book.alice, run, "A quiet month.\n\nUpgrade next.")
    assert not services.release(book.alice, run, "twice")
    generate_report.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SENT and run.recipients == ["alma@acme.example"]
    commentary = next(s for s in run.data["sections"] if s["key"] == "commentary")
    assert commentary["data"] == {
        "text": "A quiet month.\n\nUpgrade next.",
        "author": book.alice.display_name,
    }
    assert "Upgrade next." in default_storage.open(run.html_path).read().decode()
    assert d.runs.count() == 1


def test_a_paused_definition_is_not_due(definition, october) -> None:
    definition.is_active = False
    definition.save()
    assert services.claim_due() == []
