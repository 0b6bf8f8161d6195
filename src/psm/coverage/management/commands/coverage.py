"""``psm coverage simulate FILE`` and ``psm coverage explain ACCOUNT --priority P1``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from psm.accounts.models import Account
from psm.coverage.adapters import route_for
from psm.coverage.engine.simulate import simulate_file

PRIORITIES = ("P1", "P2", "P3", "P4")


class Command(BaseCommand):
    help = "Ask the coverage engine: simulate a JSON scenario, or explain an account's routing."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        simulate = sub.add_parser("simulate", help="Answer the queries of a JSON scenario file.")
        simulate.add_argument("file", help="Scenario file, or - for standard input.")
        explain = sub.add_parser("explain", help="Who would act on a contact from an account.")
        explain.add_argument("account", help="The account's slug.")
        explain.add_argument("--priority", default="P3", choices=PRIORITIES)
        explain.add_argument("--at", help="ISO instant with a zone (default: now).")
        explain.add_argument("--json", action="store_true", help="Print JSON for scripts.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "simulate":
            self.simulate(options["file"])
        else:
            self.explain(options)

    def simulate(self, file: str) -> None:
        # ``psm coverage simulate`` itself does not come here: ``psm.cli`` runs it without
        # starting Django (the engine needs none). This serves ``call_command``.
        answers, error = simulate_file(file)
        if answers is None:
            self.fail(error or "no answers")
        self.stdout.write(answers)

    def explain(self, options: dict[str, Any]) -> None:
        account = Account.objects.filter(slug=options["account"]).first()
        if account is None:
            raise CommandError(f"no account with slug {options['account']!r}")
        at = self.instant(options["at"])
        decision = route_for(account, options["priority"], at)
        if decision is None:
            raise CommandError(f"{account.slug} has no primary PSM, so nobody is routed to")
        if options["json"]:
            self.stdout.write(json.dumps(decision.explain()))
            return
        zone = ZoneInfo(account.timezone)
        local = at.astimezone(zone)
        self.stdout.write(
            f"{account.name}: a {options['priority']} at {local:%a %d %b %H:%M} {zone.key}"
        )
        self.stdout.write(f"  goes to {decision.target} by {decision.channel}")
        if decision.first_response_due:
            due = decision.first_response_due.astimezone(zone)
            self.stdout.write(f"  first response due {due:%a %d %b %H:%M} {zone.key}")
        self.stdout.write(f"  the client is told: {decision.client_message}")
        for reason in decision.reasons:
            self.stdout.write(f"  - {reason}")

    @staticmethod
    def instant(value: str | None) -> datetime:
        if not value:
            return timezone.now()
        parsed = parse_datetime(value)
        if parsed is None or timezone.is_naive(parsed):
            raise CommandError(
                f"--at {value!r}: give an ISO instant with a zone, e.g. 2026-12-25T08:00:00Z"
            )
        return parsed

    def fail(self, message: str) -> NoReturn:
        # The simulator's contract: a clear message naming the field, exit status 2.
        self.stderr.write(f"error: {message}")
        sys.exit(2)
