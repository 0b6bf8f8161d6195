"""``psm smtpd``: receive mail for the accounts' addresses over SMTP."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.channels.email.smtpd import controller, parse_bind


class Command(BaseCommand):
    help = "Run the SMTP listener (point the MX or a forwarding rule at it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", default=None, help="HOST:PORT (default PSM_SMTPD_BIND, 127.0.0.1:2525)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"] or settings.PSM_SMTPD_BIND
        try:
            host, port = parse_bind(bind)
        except ValueError as exc:
            raise CommandError(f"--bind: {exc}") from exc
        server = controller(host, port)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        try:
            server.start()
        except Exception as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(f"smtpd: listening on {host}:{port}", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.stop()
