"""``psm smtpd``: receive mail for the accounts' addresses over SMTP."""

from __future__ import annotations

import signal
import smtplib
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from psm.background.heartbeat import beat
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
            # The heartbeat is written only when the listener answers an SMTP NOOP, so
            # /healthz sees a listener that is up, not merely a process that is.
            while True:
                _alive(host, port)
                if stop.wait(HEARTBEAT_SECONDS):
                    break
        finally:
            server.stop()


# How often the listener checks itself and records that it answers (read by /healthz).
HEARTBEAT_SECONDS = 15.0


def _alive(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    try:
        with smtplib.SMTP(target, port, timeout=10) as client:
            answered = client.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        answered = False
    if answered:
        try:
            beat("smtpd", detail=f"{host}:{port}")
        finally:
            close_old_connections()
    return answered
