"""``psm scheduler``: enqueues periodic tasks once per slot, safe to run on several machines."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from psm.background.heartbeat import beat
from psm.background.periodic import enqueue_due, registry

# How often a running scheduler records that it is alive (read by /healthz).
HEARTBEAT_SECONDS = 15.0


class Command(BaseCommand):
    help = "Enqueue periodic tasks when their slot comes (each slot once, however many run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--at", help="With --once: pretend it is this ISO instant.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between passes.")
        parser.add_argument("--list", action="store_true", help="List periodic tasks and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for item in registry().values():
                self.stdout.write(f"{item.name}\tevery {item.every}")
            return
        if options["once"]:
            now = self._instant(options["at"])
            for name in enqueue_due(now):
                self.stdout.write(f"enqueued {name}")
            return
        stop = False

        def request_stop(*_: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"scheduler: {len(registry())} periodic tasks")
        last_beat = 0.0
        while not stop:
            for name in enqueue_due(timezone.now()):
                self.stdout.write(f"enqueued {name}")
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                beat("scheduler")
                last_beat = time.monotonic()
            time.sleep(options["interval"])

    @staticmethod
    def _instant(value: str | None) -> datetime:
        if not value:
            return timezone.now()
        parsed = parse_datetime(value)
        if parsed is None or timezone.is_naive(parsed):
            raise CommandError(f"--at {value!r}: give an ISO instant with a zone, e.g. ...Z")
        return parsed
