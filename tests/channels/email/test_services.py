"""Store first, exactly one state per message, one bad message never stops the others."""

from __future__ import annotations

import json
import mailbox
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from psm.cases import services
from psm.cases.models import Case, CaseStatus
from psm.channels.email import services as inbound
from psm.channels.email.models import InboundMessage, MailAlias, State
from psm.notifications.mail import message_id_for
from psm.notifications.models import Notification


def mail(
    subject: str = "VOB server down",
    body: str = "It stopped.",
    frm: str = "alma@acme.example",
    to: str = "acme@psm.localhost",
    message_id: str | None = None,
    **headers: str,
) -> bytes:
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = "Tue, 10 Mar 2026 10:15:00 -0400"
    m["Message-ID"] = f"<{message_id or abs(hash((subject, body, frm)))}@test>"
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m.as_bytes()


def ingest(raw: bytes, **kw) -> InboundMessage:
    return inbound.ingest(raw, source="import", **kw)


def test_raw_bytes_are_stored_before_parsing(mailbook, monkeypatch) -> None:
    def broken_parser(*args, **kwargs):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(inbound, "parse", broken_parser)
    raw = mail()
    row = ingest(raw)
    assert row.state == State.FAILED
    assert "RuntimeError: parser exploded" in row.reason
    assert row.path.read_bytes() == raw
    assert row.sha256 and row.size == len(raw)
    monkeypatch.undo()
    call_command("mail", "retry")
    row.refresh_from_db()
    assert row.state == State.CASE_OPENED and row.attempts == 2


def test_one_bad_message_never_stops_the_others(mailbook, monkeypatch, tmp_path, capsys) -> None:
    real_open = services.open_cases

    def open_cases(actor, items, **kw):
        if any("boom" in item.title for item in items):
            raise ValueError("simulated bug")
        return real_open(actor, items, **kw)

    monkeypatch.setattr(inbound.cases, "open_cases", open_cases)
    for i, subject in enumerate(["first", "boom", "third"]):
        (tmp_path / f"{i}.eml").write_bytes(mail(subject, message_id=f"m{i}"))
    call_command(
        "mail", "import", str(tmp_path / "0.eml"), str(tmp_path / "1.eml"), str(tmp_path / "2.eml")
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["states"] == {"case_opened": 2, "failed": 1}
    states = list(InboundMessage.objects.order_by("id").values_list("state", "reason"))
    assert [s for s, _ in states] == ["case_opened", "failed", "case_opened"]
    assert "ValueError: simulated bug" in states[1][1]
    monkeypatch.undo()
    failed = InboundMessage.objects.get(state=State.FAILED)
    inbound.reprocess([failed])
    failed.refresh_from_db()
    assert failed.state == State.CASE_OPENED and failed.case.title == "boom"


def test_a_25_mb_attachment_is_quarantined_and_the_next_message_still_goes_in(mailbook) -> None:
    big = EmailMessage()
    big["From"] = "alma@acme.example"
    big["To"] = "acme@psm.localhost"
    big["Subject"] = "core dump"
    big["Message-ID"] = "<big@test>"
    big.set_content("dump attached")
    big.add_attachment(
        b"\0" * (25 * 1024 * 1024),
        maintype="application",
        subtype="octet-stream",
        filename="core.dump",
    )
    row = ingest(big.as_bytes())
    assert row.state == State.QUARANTINED
    assert "oversized attachment core.dump" in row.reason
    assert ingest(mail("after the big one")).state == State.CASE_OPENED


def test_a_message_over_the_size_limit_is_quarantined_unread(mailbook, settings) -> None:
    settings.PSM_MAIL_MAX_BYTES = 2000
    row = ingest(mail(body="x" * 5000))
    assert row.state == State.QUARANTINED and row.reason.startswith("oversized")


def test_mbox_and_maildir_import(mailbook, tmp_path, capsys) -> None:
    box = mailbox.mbox(tmp_path / "archive.mbox")
    for i in range(3):
        box.add(mail(f"mbox {i}", message_id=f"mbox{i}"))
    box.flush()
    md = mailbox.Maildir(tmp_path / "Maildir")
    md.add(mail("maildir one", message_id="md1"))
    call_command("mail", "import", str(tmp_path / "archive.mbox"), str(tmp_path / "Maildir"))
    summary = json.loads(capsys.readouterr().out)
    assert summary["states"] == {"case_opened": 4}
    titles = set(Case.objects.values_list("title", flat=True))
    assert titles == {"mbox 0", "mbox 1", "mbox 2", "maildir one"}


def test_import_refuses_a_missing_path(mailbook) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("mail", "import", "/nonexistent/x.eml")


def test_parse_prints_the_documented_json(tmp_path, capsys) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(mail("Hello", "Body text", Auto_Submitted="auto-replied"))
    call_command("mail", "parse", str(path))
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [
        "message_id",
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "text",
        "attachments",
        "auto_submitted",
        "no_auto_reply",
        "problems",
    ]
    assert out["from"] == "alma@acme.example" and out["subject"] == "Hello"
    assert out["auto_submitted"] == "Auto-Submitted: auto-replied"
    assert out["date"] == "2026-03-10T10:15:00-04:00"


def test_round_trip_reply_threads_back_through_our_message_id(mailbook) -> None:
    opened = ingest(mail("License server down", message_id="first"))
    case = opened.case
    reply = services.reply(mailbook.alice, case, text="Restart the daemon please.")
    sent = Notification.objects.get(key=f"case:{case.pk}:reply:{reply.pk}")
    assert sent.headers["In-Reply-To"] == "<first@test>"
    # The client's mail program answers the reply: In-Reply-To names our Message-ID.
    answer = ingest(
        mail(
            "Re: [ACME-1] License server down",
            "Done, thanks",
            message_id="answer",
            In_Reply_To=f"<{message_id_for(sent.key)}>",
        )
    )
    assert answer.state == State.THREADED and answer.case == case


def test_reply_to_a_closed_case_opens_a_follow_up(mailbook) -> None:
    case = ingest(mail("Old problem", message_id="old")).case
    services.close(mailbook.alice, case)
    again = ingest(
        mail("Re: [ACME-1] Old problem", "It is back", message_id="again", In_Reply_To="<old@test>")
    )
    assert again.state == State.CASE_OPENED and again.case != case
    assert "Follow-up to closed case ACME-1" in again.case_message.text
    assert again.case.title == "[ACME-1] Old problem"


def test_reply_to_a_resolved_case_reopens_it(mailbook) -> None:
    case = ingest(mail("Fixed?", message_id="fx")).case
    services.resolve(mailbook.alice, case)
    ingest(mail("Re: Fixed?", "No", message_id="fx2", In_Reply_To="<fx@test>"))
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_an_alias_reaches_the_account(mailbook) -> None:
    MailAlias.objects.create(account=mailbook.a, address="Support@Acme-Corp.example")
    assert inbound.resolve_recipient("support@acme-corp.example").account == mailbook.a
    assert inbound.resolve_recipient("acme+12@psm.localhost").case_number == 12
    assert inbound.resolve_recipient("nobody@psm.localhost") is None
    assert inbound.resolve_recipient("psm@psm.localhost").account is None
    row = ingest(mail(to="support@acme-corp.example"))
    assert row.state == State.CASE_OPENED


def test_a_p1_mail_out_of_hours_pages_through_the_paging_app(mailbook) -> None:
    import time_machine

    from psm.paging.models import Page

    with time_machine.travel("2026-03-10T23:30:00-04:00", tick=False):
        row = ingest(mail("URGENT production down", message_id="p1"))
    assert row.case.priority == "P1" and row.case.routing["channel"] == "page"
    assert Page.objects.filter(account=mailbook.a).count() == 1


def test_admin_reprocess_action(mailbook, admin_client, monkeypatch) -> None:
    monkeypatch.setattr(inbound, "parse", lambda *a, **k: 1 / 0)
    row = ingest(mail())
    monkeypatch.undo()
    response = admin_client.post(
        "/admin/channels/inboundmessage/",
        {"action": "reprocess", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == State.CASE_OPENED


def test_a_quarantined_unknown_sender_can_be_reprocessed_once_known(mailbook) -> None:
    from psm.testing.factories import ContactFactory

    row = ingest(mail(frm="new.person@acme.example"))
    assert row.state == State.QUARANTINED
    ContactFactory(account=mailbook.a, email="new.person@acme.example")
    inbound.reprocess([row])
    row.refresh_from_db()
    assert row.state == State.CASE_OPENED


def test_stored_files_live_under_the_mail_dir(mailbook, settings) -> None:
    row = ingest(mail())
    assert Path(settings.MAIL_DIR) in row.path.parents


def test_a_batch_leaves_rows_someone_else_claimed(mailbook) -> None:
    rows = inbound.store_many(
        [mail(f"batch {i}", message_id=f"b{i}") for i in range(3)], source="import"
    )
    InboundMessage.objects.filter(pk=rows[1].pk).update(attempts=1)  # another worker has it
    done = inbound.process_many(rows)
    assert [r.state for r in done] == [State.CASE_OPENED, State.RECEIVED, State.CASE_OPENED]
    assert done[0].raw() != done[2].raw() and done[0].raw_length and done[0].raw_offset == 0


def test_a_batch_answers_its_own_messages(mailbook) -> None:
    """A reply to a message of the same batch threads (the batch writes what is pending)."""
    rows = inbound.store_many(
        [
            mail("first in batch", message_id="q1"),
            mail("Re: first in batch", "more", message_id="q2", In_Reply_To="<q1@test>"),
            mail("first in batch", message_id="q1"),
        ],
        source="import",
    )
    done = inbound.process_many(rows)
    assert [r.state for r in done] == [State.CASE_OPENED, State.THREADED, State.DUPLICATE]
    assert done[1].case == done[0].case


def test_a_crash_between_storing_and_processing_an_import_loses_nothing(
    mailbook, monkeypatch, tmp_path
) -> None:
    """The batch path (one segment file, one commit) keeps the store-first promise: if the
    process dies after storing, the messages are on disk and in the table, and ``psm mail
    retry`` reads them back from the file (nothing of the dead process survives)."""
    raws = [mail(f"crash {i}", message_id=f"c{i}") for i in range(3)]
    for i, raw in enumerate(raws):
        (tmp_path / f"{i}.eml").write_bytes(raw)

    def killed(rows):
        raise KeyboardInterrupt  # the process dies right after the store committed

    monkeypatch.setattr(inbound, "process_many", killed)
    with pytest.raises(KeyboardInterrupt):
        call_command("mail", "import", str(tmp_path))
    monkeypatch.undo()
    stored = list(InboundMessage.objects.order_by("id"))
    assert [r.state for r in stored] == [State.RECEIVED] * 3
    assert all(r.stored_bytes is None for r in stored)  # fresh rows: read from the file
    assert [r.raw() for r in stored] == raws and len({r.raw_path for r in stored}) == 1
    call_command("mail", "retry")  # too early: the import may still be running
    assert InboundMessage.objects.filter(state=State.RECEIVED).count() == 3
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        call_command("mail", "retry")  # left unprocessed over 10 minutes: a crash
    done = list(InboundMessage.objects.order_by("id").select_related("case"))
    assert [r.state for r in done] == [State.CASE_OPENED] * 3
    assert [r.case.title for r in done] == ["crash 0", "crash 1", "crash 2"]
    assert Notification.objects.filter(key__endswith=":ack").count() == 3
