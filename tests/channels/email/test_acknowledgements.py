"""Who gets a case and who gets an automatic answer (issue 12): list and bulk mail from a
known contact opens its case without an acknowledgement (RFC 3834 forbids the answer, not
the case); true auto-responses stay ``auto_reply``; a per-sender limit stops an
auto-responder ping-pong; a message imported again is a duplicate before anything else."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from psm.cases import services
from psm.cases.models import Attachment, Case
from psm.channels.email import services as inbound
from psm.channels.email.models import InboundMessage, State
from psm.notifications.models import Notification
from psm.paging.models import Page
from tests.channels.email.test_services import mail

LIST_HEADERS = {
    "List_Id": "Acme operations <ops.acme.example>",
    "Precedence": "list",
    "List_Unsubscribe": "<mailto:ops-leave@acme.example>",
    "X_Auto_Response_Suppress": "All",
}


def ingest(raw: bytes) -> InboundMessage:
    return inbound.ingest(raw, source="import")


def acks() -> list[str]:
    return sorted(Notification.objects.filter(key__endswith=":ack").values_list("key", flat=True))


def test_a_contacts_p1_sent_through_a_list_opens_and_pages_without_an_answer(mailbook) -> None:
    with time_machine.travel("2026-03-10T23:30:00-04:00", tick=False):
        row = ingest(mail("URGENT P1: production down", message_id="p1-list", **LIST_HEADERS))
    assert row.state == State.CASE_OPENED
    assert row.case.priority == "P1" and row.case.routing["channel"] == "page"
    assert Page.objects.filter(account=mailbook.a).count() == 1  # paged all the same
    assert not row.acknowledged and acks() == []
    assert row.reason.startswith("not acknowledged: Precedence: list")
    # The engineer still hears of it.
    assert Notification.objects.filter(key=f"case:{row.case_id}:opened:email:{mailbook.alice.pk}")


@pytest.mark.parametrize(
    "header",
    [
        {"List_Id": "<ops.acme.example>"},
        {"List_Unsubscribe": "<mailto:leave@acme.example>"},
        {"List_Post": "<mailto:ops@acme.example>"},
        {"Precedence": "bulk"},
        {"Precedence": "list"},
        {"Precedence": "junk"},
        {"X_Auto_Response_Suppress": "OOF, AutoReply"},
    ],
)
def test_each_do_not_answer_header_opens_a_case_unanswered(mailbook, header) -> None:
    row = ingest(mail("Backup failed again", message_id="h", **header))
    assert row.state == State.CASE_OPENED and not row.acknowledged
    assert acks() == []
    assert "not acknowledged" in row.reason


@pytest.mark.parametrize(
    ("headers", "subject", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Re: your case", "Auto-Submitted: auto-replied"),
        ({"Auto_Submitted": "auto-generated"}, "Nightly report", "Auto-Submitted"),
        ({"Precedence": "auto_reply"}, "Re: hello", "Precedence: auto_reply"),
        ({"X_Autoreply": "yes"}, "Re: hello", "X-Autoreply"),
        ({"Return_Path": "<>"}, "Delivery failure", "null return path"),
        ({"Precedence": "bulk"}, "Out of Office: Re: [ACME-1]", "out-of-office reply"),
        ({"X_Auto_Response_Suppress": "All"}, "Automatic reply: hello", "out-of-office"),
        ({"Precedence": "junk"}, "Abwesenheitsnotiz: Server", "out-of-office"),
    ],
)
def test_true_auto_responses_stay_automatic(mailbook, headers, subject, reason) -> None:
    row = ingest(mail(subject, message_id="auto", **headers))
    assert row.state == State.AUTO_REPLY
    assert reason in row.reason
    assert Case.objects.count() == 0 and acks() == []


def test_an_out_of_office_subject_alone_is_a_person_writing(mailbook) -> None:
    row = ingest(mail("Out of office: the Boston site is closed, VOB access?", message_id="oo"))
    assert row.state == State.CASE_OPENED and row.acknowledged


def test_list_mail_from_an_unknown_sender_is_quarantined_with_why(mailbook) -> None:
    row = ingest(mail("Newsletter", frm="news@acme.example", message_id="nl", **LIST_HEADERS))
    assert row.state == State.QUARANTINED
    assert row.reason == "unknown sender news@acme.example (Precedence: list)"


def test_a_reply_through_a_list_threads_like_any_reply(mailbook) -> None:
    first = ingest(mail("VOB locked", message_id="v1"))
    reply = ingest(mail("Re: VOB locked", message_id="v2", In_Reply_To="<v1@test>", **LIST_HEADERS))
    assert reply.state == State.THREADED and reply.case_id == first.case_id


# -- the per-sender limit -------------------------------------------------------------------


def test_an_auto_responder_varying_its_subject_gets_at_most_the_limit(mailbook, settings) -> None:
    settings.PSM_MAIL_ACK_LIMIT = 5
    settings.PSM_MAIL_ACK_WINDOW_MINUTES = 60
    rows = [ingest(mail(f"Ticket #{n} received", message_id=f"ar{n}")) for n in range(8)]
    assert all(r.state == State.CASE_OPENED for r in rows)  # eight cases: nothing is lost
    assert [r.acknowledged for r in rows] == [True] * 5 + [False] * 3
    assert len(acks()) == 5
    assert rows[5].reason == (
        "not acknowledged: alma@acme.example already had 5 automatic acknowledgements "
        "in 60 minutes (PSM_MAIL_ACK_LIMIT)"
    )
    # Another sender is not held back by Alma's count.
    other = ingest(mail("Printer", frm="andre@acme.example", message_id="andre"))
    assert other.acknowledged
    # Once the window has passed, Alma is answered again.
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        later = ingest(mail("Ticket #9 received", message_id="ar9"))
    assert later.acknowledged and len(acks()) == 7


def test_the_limit_holds_within_one_import_batch(mailbook, settings, tmp_path, capsys) -> None:
    settings.PSM_MAIL_ACK_LIMIT = 3
    ingest(mail("Before the import", message_id="before"))
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.eml").write_bytes(mail(f"Auto #{n}", message_id=f"b{n}"))
    call_command("mail", "import", str(folder))
    assert json.loads(capsys.readouterr().out)["states"] == {"case_opened": 6}
    assert InboundMessage.objects.filter(acknowledged=True).count() == 3
    assert len(acks()) == 3


def test_a_limit_of_zero_means_no_limit(mailbook, settings) -> None:
    settings.PSM_MAIL_ACK_LIMIT = 0
    rows = [ingest(mail(f"Case {n}", message_id=f"z{n}")) for n in range(7)]
    assert all(r.acknowledged for r in rows) and len(acks()) == 7


# -- duplicates first --------------------------------------------------------------------------


NO_SENDER = (
    b"To: acme@psm.localhost\r\nSubject: who sent this?\r\nMessage-ID: <anon@x>\r\n\r\nbody\r\n"
)


def test_reimporting_mail_without_a_sender_is_a_duplicate(mailbook, tmp_path, capsys) -> None:
    first = ingest(NO_SENDER)
    assert first.state == State.QUARANTINED and "no sender" in first.reason
    again = ingest(NO_SENDER)
    assert again.state == State.DUPLICATE
    assert again.reason == "Message-ID <anon@x> was already processed"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.eml").write_bytes(NO_SENDER)
    (folder / "b.eml").write_bytes(NO_SENDER.replace(b"Message-ID: <anon@x>\r\n", b""))
    call_command("mail", "import", str(folder))
    call_command("mail", "import", str(folder))
    out = [json.loads(line)["states"] for line in capsys.readouterr().out.splitlines()]
    assert out == [{"duplicate": 1, "quarantined": 1}, {"duplicate": 2}]
    assert InboundMessage.objects.filter(state=State.QUARANTINED).count() == 2


def test_reprocessing_the_quarantined_message_itself_is_not_a_duplicate(mailbook) -> None:
    row = ingest(NO_SENDER)
    inbound.reprocess([row])
    row.refresh_from_db()
    assert row.state == State.QUARANTINED and row.attempts == 2


def test_reimporting_an_oversized_message_is_a_duplicate(mailbook, settings) -> None:
    settings.PSM_MAIL_MAX_BYTES = 2048
    raw = mail("Huge", "x" * 4000, message_id="huge")
    assert ingest(raw).state == State.QUARANTINED
    again = ingest(raw)
    assert again.state == State.DUPLICATE and "same bytes" in again.reason


# -- attachments with NULs, whatever their source -----------------------------------------------


def test_attachment_names_and_types_are_cleaned_on_every_database(mailbook) -> None:
    case = services.open_case(None, mailbook.a, title="files", contact=mailbook.contact_a)
    message = services.add_message(
        None,
        case,
        text="see file",
        contact=mailbook.contact_a,
        attachments=[services.NewAttachment("re\x00port\x07.pdf", b"%PDF", "application/pdf\x00")],
    )
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type) == ("report.pdf", "application/pdf")
    assert attachment.file.read() == b"%PDF"
