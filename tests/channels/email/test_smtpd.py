"""Real SMTP over a socket into a real ``psm smtpd`` process."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
from email.message import EmailMessage

import pytest

from psm.channels.email.models import InboundMessage, Source, State
from psm.testing.processes import psm_env

LIMIT = 200_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def listener(django_db_setup, django_db_blocker):
    """One listener for the module; each test brings its own committed data."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "psm.cli", "smtpd", "--bind", f"127.0.0.1:{port}"],
        env=psm_env(PSM_MAIL_MAX_BYTES=str(LIMIT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()  # blocks until the listener is up (or the process died)
    assert "listening" in line, proc.stderr.read() if proc.poll() is not None else line
    yield port
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


@pytest.fixture
def smtpd(book, listener):
    return listener


def message(subject: str, size: int = 0, frm: str = "alma@acme.example") -> bytes:
    m = EmailMessage()
    m["From"] = f"Alma Client <{frm}>"
    m["To"] = "acme@psm.localhost"
    m["Subject"] = subject
    m["Message-ID"] = f"<{subject.replace(' ', '.')}@acme.example>"
    m.set_content("The VOB server is down.\n" + "x" * size)
    return m.as_bytes()


@pytest.mark.django_db(transaction=True)
def test_mail_over_smtp_opens_a_case(smtpd) -> None:
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=60) as client:
        refused = client.sendmail("alma@acme.example", ["acme@psm.localhost"], message("smtp one"))
    assert refused == {}
    row = InboundMessage.objects.get()
    assert (row.state, row.source) == (State.CASE_OPENED, Source.SMTP)
    assert row.envelope_from == "alma@acme.example"
    assert row.envelope_to == ["acme@psm.localhost"]
    assert row.case.reference == "ACME-1"


@pytest.mark.django_db(transaction=True)
def test_unknown_recipients_are_refused_with_550(smtpd) -> None:
    with (
        smtplib.SMTP("127.0.0.1", smtpd, timeout=60) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.sendmail("alma@acme.example", ["nobody@elsewhere.example"], message("x"))
    assert refused.value.recipients["nobody@elsewhere.example"][0] == 550
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_oversized_mail_is_refused_with_552(smtpd) -> None:
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=60) as client:
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
            client.sendmail(
                "alma@acme.example", ["acme@psm.localhost"], message("big", size=LIMIT * 2)
            )
        assert refused.value.smtp_code == 552
        # The connection is still good for the next message.
        client.rset()
        assert client.sendmail("alma@acme.example", ["acme@psm.localhost"], message("ok")) == {}
    assert list(InboundMessage.objects.values_list("state", flat=True)) == [State.CASE_OPENED]


@pytest.mark.django_db(transaction=True)
def test_null_sender_is_an_automatic_reply(smtpd) -> None:
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=60) as client:
        client.sendmail("<>", ["acme@psm.localhost"], message("bounce"))
    row = InboundMessage.objects.get()
    assert row.state == State.AUTO_REPLY and "null return path" in row.reason


@pytest.mark.django_db(transaction=True)
def test_a_truncated_encoded_subject_over_smtp_opens_its_case(smtpd) -> None:
    """Issue 12: the parser raised on it, and the message ended ``failed`` for ever."""
    raw = (
        b"From: Alma Client <alma@acme.example>\r\nTo: acme@psm.localhost\r\n"
        b"Subject: =?UTF-8?B?SGVsbG8gV?=\r\nMessage-ID: <truncated@acme.example>\r\n"
        b"\r\nThe subject is cut short.\r\n"
    )
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=60) as client:
        assert client.sendmail("alma@acme.example", ["acme@psm.localhost"], raw) == {}
    row = InboundMessage.objects.get()
    assert row.state == State.CASE_OPENED, row.reason
    assert row.subject == "Hello" and "truncated encoded word" in row.reason
