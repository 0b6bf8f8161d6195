"""``psm fetchmail``: poll an IMAP mailbox into the inbound pipeline."""

from __future__ import annotations

import imaplib
import json
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.channels.email.imap import MailboxConfig, poll


class Command(BaseCommand):
    help = "Fetch mail from the IMAP mailbox in PSM_IMAP_* (once, or every --interval seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One poll, then exit.")
        parser.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        config = MailboxConfig.from_settings()
        if config is None:
            raise CommandError("Set PSM_IMAP_HOST, PSM_IMAP_USER and PSM_IMAP_PASSWORD first.")
        stop = threading.Event()
        if not options["once"]:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
        while True:
            try:
                result = poll(config)
            except (OSError, imaplib.IMAP4.error) as exc:
                if options["once"]:
                    raise CommandError(f"IMAP {config.host}:{config.port}: {exc}") from exc
                self.stderr.write(f"IMAP {config.host}:{config.port}: {exc}")
            else:
                self.stdout.write(json.dumps({"fetched": result.fetched, "states": result.states}))
            if options["once"] or stop.wait(options["interval"]):
                return
