"""open_case, reply, notes, status, priority: each writes, audits, moves clocks and notifies."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from psm.audit.models import AuditEntry
from psm.cases import services
from psm.cases.models import Case, CaseStatus, Direction, MessageChannel, Origin
from psm.notifications.mail import message_id_for
from psm.notifications.models import Notification

NY = ZoneInfo("America/New_York")
# Tuesday 10 March 2026, 10:00 in New York (EDT, two days after the DST change).
TUE_10 = datetime(2026, 3, 10, 10, 0, tzinfo=NY)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NY)


@pytest.fixture
def case(book):
    with time_machine.travel(TUE_10, tick=False):
        return services.open_case(
            None,
            book.a,
            title="ClearCase VOB server down",
            text="Nobody can check in.",
            contact=book.contact_a,
            origin=Origin.EMAIL,
            message_id="first@acme.example",
        )


def test_open_case_numbers_per_account(book, case) -> None:
    second = services.open_case(None, book.a, title="Second", contact=book.contact_a)
    other = services.open_case(None, book.b, title="Elsewhere", contact=book.contact_b)
    assert (case.reference, second.reference, other.reference) == ("ACME-1", "ACME-2", "GLOBEX-1")
    assert (case.number, second.number) == (1, 2)


def test_open_case_routes_to_the_primary_psm_and_starts_clocks(book, case) -> None:
    assert case.assignee == book.alice
    assert case.status == CaseStatus.NEW
    assert case.priority == book.contact_a.default_priority == "P3"
    # P3: 480 covered minutes of Mon–Fri 08–17 New York: 7 h on Tuesday, 1 h on Wednesday.
    assert case.first_response_due == ny(11, 9)
    assert case.next_update_due is None
    assert case.next_due == case.first_response_due
    assert case.routing["target"] == "alice"
    assert any("Alice Tester is the primary PSM" in r for r in case.routing["reasons"])
    assert case.coverage["spec"]["first_response_minutes"]["P3"] == 480
    first = case.messages.get()
    assert (first.direction, first.channel, first.author_contact) == (
        Direction.IN,
        MessageChannel.EMAIL,
        book.contact_a,
    )
    assert AuditEntry.objects.filter(action="case.open", object_id=str(case.pk)).exists()
    mail = Notification.objects.get(key=f"case:{case.pk}:opened:email:{book.alice.pk}")
    assert mail.recipient == book.alice.email
    assert "ACME-1" in mail.subject


def test_acknowledgement_tells_who_and_by_when(book) -> None:
    with time_machine.travel(TUE_10, tick=False):
        case = services.open_case(
            None,
            book.a,
            title="Slow builds",
            contact=book.contact_a,
            origin=Origin.EMAIL,
            message_id="m1@acme.example",
            acknowledge_to="alma@acme.example",
        )
    ack = Notification.objects.get(key=f"case:{case.pk}:ack")
    assert ack.recipient == "alma@acme.example"
    assert ack.subject == "[ACME-1] Slow builds"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.headers["In-Reply-To"] == "<m1@acme.example>"
    assert ack.headers["Reply-To"] == "acme+1@psm.localhost"
    assert "Alice" in ack.body  # who has it
    assert "Wed 11 Mar 2026 09:00" in ack.body  # by when, in the client's zone


def test_editing_the_plan_never_moves_a_running_clock(book, case) -> None:
    book.plan.sla_targets = {"P3": {"first_response": 5, "next_update": 5, "resolution": 5}}
    book.plan.save()
    with time_machine.travel(ny(10, 11), tick=False):
        services.set_status(None, case, CaseStatus.WAITING_ON_PROVIDER)
    case.refresh_from_db()
    assert case.first_response_due == ny(11, 9)


def test_waiting_on_client_pauses_and_a_client_reply_resumes(book, case) -> None:
    with time_machine.travel(ny(10, 12), tick=False):
        services.set_status(book.alice, case, CaseStatus.WAITING_ON_CLIENT)
    case.refresh_from_db()
    assert case.is_paused
    assert (case.first_response_due, case.resolution_due, case.next_due) == (None, None, None)
    with time_machine.travel(ny(11, 12), tick=False):
        services.add_message(None, case, text="Here are the logs", contact=book.contact_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert not case.is_paused
    # 2 h used before the pause; the remaining 6 h run Wed 12–17 and Thu 08–09.
    assert case.first_response_due == ny(12, 9)
    assert case.pauses == [["2026-03-10T16:00:00+00:00", "2026-03-11T16:00:00+00:00"]]
    assert Notification.objects.filter(key__startswith=f"case:{case.pk}:message:").count() == 1


def test_reply_meets_first_response_and_starts_next_update(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        message = services.reply(book.alice, case, text="Looking into it now.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.first_response_at == ny(10, 11)
    assert not case.first_response_breached
    # P3 next update: 1440 covered minutes = 2 days and 6 hours of business time.
    # P3 next update: 1440 covered minutes = Tue 11–17, all Wednesday, all Thursday.
    assert case.next_update_due == ny(12, 17)
    mail = Notification.objects.get(key=f"case:{case.pk}:reply:{message.pk}")
    assert mail.recipient == "alma@acme.example"
    assert mail.headers["In-Reply-To"] == "<first@acme.example>"
    assert mail.headers["References"] == "<first@acme.example>"
    assert "Auto-Submitted" not in mail.headers
    assert message.message_id == message_id_for(mail.key)


def test_late_first_response_is_a_breach(book, case) -> None:
    with time_machine.travel(ny(11, 10), tick=False):
        services.reply(book.alice, case, text="Sorry for the delay.")
    case.refresh_from_db()
    assert case.first_response_breached and case.breached


def test_note_is_internal_and_moves_no_clock(book, case) -> None:
    before = (case.first_response_due, case.next_due)
    outbox = Notification.objects.count()
    note = services.add_note(book.alice, case, "Customer is on 9.0.2, known bug.")
    case.refresh_from_db()
    assert note.is_internal and note.channel == MessageChannel.NOTE
    assert (case.first_response_due, case.next_due) == before
    assert Notification.objects.count() == outbox


def test_change_priority_uses_the_snapshot_targets_and_tells_the_engineer(book, case) -> None:
    with time_machine.travel(ny(10, 10, 30), tick=False):
        services.change_priority(book.alice, case, "P1", reason="Production stopped")
    case.refresh_from_db()
    # P1 is 7x24: 60 minutes from opening.
    assert case.first_response_due == ny(10, 11)
    told = Notification.objects.get(key__contains=":priority:P3:P1:")
    assert told.user == book.alice and "P3 → P1" in told.subject
    assert case.messages.filter(is_internal=True, text__contains="P3 → P1").exists()
    assert AuditEntry.objects.filter(action="case.priority").get().changes["priority"] == [
        "P3",
        "P1",
    ]


def test_resolve_stops_clocks_and_a_client_reply_reopens(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        services.resolve(book.alice, case, summary="Restarted the lock manager.")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.resolved_at == ny(10, 11)
    assert case.next_due is None
    with time_machine.travel(ny(10, 15), tick=False):
        services.add_message(None, case, text="It broke again", contact=book.contact_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.resolved_at is None
    assert case.next_due is not None
    assert AuditEntry.objects.filter(action="case.reopen").exists()


def test_closed_case_takes_no_reply(book, case) -> None:
    services.close(book.alice, case)
    with pytest.raises(ValidationError):
        services.reply(book.alice, case, text="Hello?")
    with pytest.raises(ValidationError):
        services.set_status(book.alice, case, CaseStatus.OPEN)


def test_automatic_message_is_recorded_but_changes_nothing(book, case) -> None:
    services.set_status(book.alice, case, CaseStatus.WAITING_ON_CLIENT)
    services.add_message(None, case, text="I am out of office", automatic=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_ON_CLIENT
    assert case.messages.filter(is_automatic=True).count() == 1
    assert not Notification.objects.filter(key__contains=":message:").exists()


def test_attachment_over_the_limit_is_refused(book, case, settings) -> None:
    settings.PSM_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="limit"):
        services.add_message(
            None,
            case,
            text="log",
            contact=book.contact_a,
            attachments=[services.NewAttachment("big.log", b"x" * 2048)],
        )
    assert case.messages.count() == 1


def test_contact_of_another_account_is_refused(book) -> None:
    with pytest.raises(ValidationError, match="another account"):
        services.open_case(None, book.a, title="x", contact=book.contact_b)
    assert not Case.objects.exists()


def test_html_is_sanitized(book, case) -> None:
    message = services.add_message(
        None,
        case,
        text="hi",
        html='<p onclick="x()">hi<script>alert(1)</script></p>',
        contact=book.contact_a,
    )
    assert message.html == "<p>hi</p>"
