"""IMAP polling (``psm fetchmail``): the same store-first pipeline for a mailbox.

Each message is fetched with BODY.PEEK, stored and committed, and only then removed from the
server (copied to ``PSM_IMAP_ARCHIVE_FOLDER`` first when set). A crash between the two leaves
the message on the server; the next poll stores it again and the pipeline calls it a
duplicate — nothing is lost and nothing is processed twice.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass, field

from django.conf import settings

from psm.background.heartbeat import beat
from psm.channels.email import services
from psm.channels.email.models import Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    use_ssl: bool = True
    archive_folder: str = ""

    @classmethod
    def from_settings(cls) -> MailboxConfig | None:
        if not settings.PSM_IMAP_HOST:
            return None
        return cls(
            host=settings.PSM_IMAP_HOST,
            port=settings.PSM_IMAP_PORT,
            user=settings.PSM_IMAP_USER,
            password=settings.PSM_IMAP_PASSWORD,
            folder=settings.PSM_IMAP_FOLDER,
            use_ssl=settings.PSM_IMAP_SSL,
            archive_folder=settings.PSM_IMAP_ARCHIVE_FOLDER,
        )


@dataclass
class PollResult:
    fetched: int = 0
    states: dict[str, int] = field(default_factory=dict)


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    if config.use_ssl:
        return imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=ssl.create_default_context(), timeout=60
        )
    conn = imaplib.IMAP4(config.host, config.port, timeout=60)
    if "STARTTLS" in conn.capabilities:
        conn.starttls(ssl.create_default_context())
    return conn


def poll(config: MailboxConfig, limit: int = 500) -> PollResult:
    result = PollResult()
    conn = _connect(config)
    try:
        conn.login(config.user, config.password)
        typ, _ = conn.select(_quote(config.folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {config.folder!r}")
        typ, data = conn.uid("SEARCH", "UNDELETED")
        uids = (data[0] or b"").split()[:limit] if typ == "OK" else []
        for uid_bytes in uids:
            uid = uid_bytes.decode()
            typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1), None)
            if typ != "OK" or not isinstance(raw, bytes):
                log.warning("IMAP: could not fetch UID %s", uid)
                continue
            row = services.store(raw, source=Source.IMAP)
            if config.archive_folder:
                conn.uid("COPY", uid, _quote(config.archive_folder))
            conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
            result.fetched += 1
            row = services.process(row)
            result.states[row.state] = result.states.get(row.state, 0) + 1
        conn.expunge()
        beat("imap", detail=f"{result.fetched} fetched")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return result


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
