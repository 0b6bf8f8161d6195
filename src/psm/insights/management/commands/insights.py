"""``psm insights health ACCOUNT [--json]``, ``psm insights rollup [--since DATE]`` and
``psm insights snapshot``.

``health --json`` prints exactly ``{"score", "band", "components": [{"name", "value", "score",
"weight", "contribution", "evidence"}]}``: ``weight`` is the renormalised share (0–1) over
the components with data, the contributions add up to the score, and a component without
data has ``value``, ``score`` null and weight and contribution 0. An unknown account exits
with status 2.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from psm.accounts.models import Account
from psm.insights import rollups
from psm.insights.health.compute import health_of
from psm.insights.tasks import nightly


class Command(BaseCommand):
    help = "Account health, the daily rollups and the health snapshots."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        health = sub.add_parser("health", help="An account's health score and why.")
        health.add_argument("account", help="The account's slug.")
        health.add_argument("--json", action="store_true", help="Print JSON for scripts.")
        rollup = sub.add_parser(
            "rollup", help="Rebuild the SLA ledger and daily rollups (default: the last 2 days)."
        )
        rollup.add_argument("--since", help="First UTC day to rebuild, YYYY-MM-DD.")
        sub.add_parser("nightly", help="The nightly pass: rollups, snapshots, band-drop alerts.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "health":
            self.health(options["account"], options["json"])
        elif action == "rollup":
            self.rollup(options.get("since"))
        else:
            report = nightly(timezone.now())
            self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in report.items()))

    def health(self, slug: str, as_json: bool) -> None:
        account = Account.objects.filter(slug=slug).first()
        if account is None:
            raise CommandError(f"No account with the slug {slug!r}.", returncode=2)
        health = health_of(account, timezone.now())
        if as_json:
            self.stdout.write(json.dumps(health.as_json(), ensure_ascii=False))
            return
        score = "no data" if health.score is None else f"{health.score:.1f}"
        self.stdout.write(f"{account.name}: {score} ({health.band_label})")
        for line in health.lines:
            if line.score is None:
                self.stdout.write(f"  {line.label}: N/A (no data, left out)")
                continue
            self.stdout.write(
                f"  {line.label}: {line.display} → score {line.score:.1f} × weight "
                f"{line.weight_percent:.1f} % = {line.contribution:.1f}"
            )
            for item in line.evidence:
                self.stdout.write(f"      {item.label}{f' {item.url}' if item.url else ''}")

    def rollup(self, since: str | None) -> None:
        today = timezone.now().date()
        try:
            first = date.fromisoformat(since) if since else today - timedelta(days=1)
        except ValueError:
            raise CommandError(
                f"--since {since!r} is not a date (YYYY-MM-DD).", returncode=2
            ) from None
        if first > today:
            raise CommandError("--since is in the future.", returncode=2)
        days = rollups.rebuild(first, today)
        self.stdout.write(f"Rebuilt {days} days from {first} to {today}.")
