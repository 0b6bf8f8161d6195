"""IMAP polling against a real IMAP server: Debian's dovecot, started by the test on
127.0.0.1 with its own configuration (``make test`` installs dovecot-imapd when missing)."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command

from psm.channels.email.imap import MailboxConfig, poll
from psm.channels.email.models import InboundMessage, Source, State

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER, PASSWORD = "psm", "secret"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u/Maildir
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dovecot() -> Iterator[int]:
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; make test does)")
    root = Path(tempfile.mkdtemp(prefix="psm-dovecot-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        internal, login = "dovecot", "dovenull"
        owner = pwd.getpwnam("dovecot")
    else:
        internal = login = pwd.getpwuid(os.geteuid()).pw_name
        owner = pwd.getpwuid(os.geteuid())
    (root / "mail").mkdir()
    os.chown(root / "mail", owner.pw_uid, owner.pw_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(
            root=root,
            port=port,
            internal=internal,
            login=login,
            mail_uid=owner.pw_uid,
            mail_gid=owner.pw_gid,
        )
    )
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while True:  # wait until it accepts connections
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(
                    f"dovecot did not start: {proc.stderr.read() if proc.stderr else ''} {log}"
                )
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(timeout=30)
    shutil.rmtree(root, ignore_errors=True)


def deliver(port: int, *messages: bytes) -> None:
    conn = imaplib.IMAP4("127.0.0.1", port)
    conn.login(USER, PASSWORD)
    for raw in messages:
        conn.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    conn.logout()


def remaining(port: int) -> int:
    conn = imaplib.IMAP4("127.0.0.1", port)
    conn.login(USER, PASSWORD)
    conn.select("INBOX")
    _, data = conn.uid("SEARCH", "UNDELETED")
    conn.logout()
    return len((data[0] or b"").split())


def message(subject: str, frm: str = "alma@acme.example") -> bytes:
    m = EmailMessage()
    m["From"] = frm
    m["To"] = "acme@psm.localhost"
    m["Subject"] = subject
    m["Message-ID"] = f"<{subject.replace(' ', '-')}@acme.example>"
    m.set_content("Body of " + subject)
    return m.as_bytes()


def config(port: int) -> MailboxConfig:
    return MailboxConfig("127.0.0.1", port, USER, PASSWORD, use_ssl=False)


def test_poll_stores_processes_and_removes(mailbook, dovecot) -> None:
    deliver(dovecot, message("imap one"), message("imap two"), message("who", "x@nowhere.example"))
    result = poll(config(dovecot))
    assert result.fetched == 3
    assert result.states == {"case_opened": 2, "quarantined": 1}
    assert remaining(dovecot) == 0
    assert set(InboundMessage.objects.values_list("source", flat=True)) == {Source.IMAP}


def test_a_message_fetched_twice_is_a_duplicate(mailbook, dovecot) -> None:
    """What a crash between storing and deleting on the server leads to: no second case."""
    deliver(dovecot, message("twice"))
    poll(config(dovecot))
    deliver(dovecot, message("twice"))
    result = poll(config(dovecot))
    assert result.states == {"duplicate": 1}
    assert InboundMessage.objects.filter(state=State.CASE_OPENED).count() == 1


def test_fetchmail_command_once(mailbook, dovecot, settings, capsys) -> None:
    settings.PSM_IMAP_HOST = "127.0.0.1"
    settings.PSM_IMAP_PORT = dovecot
    settings.PSM_IMAP_SSL = False
    settings.PSM_IMAP_USER = USER
    settings.PSM_IMAP_PASSWORD = PASSWORD
    deliver(dovecot, message("via command"))
    call_command("fetchmail", "--once")
    assert '"fetched": 1' in capsys.readouterr().out
    settings.PSM_IMAP_PASSWORD = "wrong"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"IMAP 127\.0\.0\.1"):
        call_command("fetchmail", "--once")
