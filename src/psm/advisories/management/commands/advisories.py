"""``psm advisories import PATH... [--json]``, ``relevant [--account SLUG] [--json]``,
``rematch``, ``poll [FEED_ID...]`` and ``remind``.

``import`` exits with status 1 when any file was rejected (the others are imported) and
``--json`` prints ``{"imported", "updated", "unchanged", "rejected": [{"file", "error"}],
"needs_review"}``. ``relevant --json`` prints one object per stored match with the keys
``account, advisory, product, version, platform, site, status, reason, fixed_in, severity,
cves``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.accounts.models import Account
from psm.advisories import queries
from psm.advisories.feeds import poll
from psm.advisories.importer import import_paths
from psm.advisories.models import Feed, as_dict
from psm.advisories.services import rematch_everything, sweep_reminders


class Command(BaseCommand):
    help = "Import CSAF advisories, list what is relevant to whom, re-match, poll feeds."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Import CSAF 2.0 files or folders of them.")
        load.add_argument("paths", nargs="+", help="Files, or folders (every .json inside).")
        load.add_argument("--json", action="store_true", help="Print the report as JSON.")
        relevant = sub.add_parser("relevant", help="Advisories relevant to installs.")
        relevant.add_argument("--account", help="Only this account (slug).")
        relevant.add_argument("--json", action="store_true", help="Print JSON for scripts.")
        sub.add_parser("rematch", help="Match every advisory against every install again.")
        feeds = sub.add_parser("poll", help="Poll CSAF distributions now (all enabled).")
        feeds.add_argument("feeds", nargs="*", type=int, help="Feed ids (default: all enabled)")
        sub.add_parser("remind", help="Send the reminders that are due (what the scheduler runs).")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"])(options)

    def do_import(self, options: dict[str, Any]) -> None:
        report = import_paths(options["paths"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
        else:
            self.stdout.write(
                f"imported {report.imported}, updated {report.updated}, unchanged "
                f"{report.unchanged}, rejected {len(report.rejected)}; "
                f"{report.needs_review} range(s) wait for a person"
            )
            for rejected in report.rejected:
                self.stderr.write(f"rejected {rejected['file']}: {rejected['error']}")
        if report.rejected:
            sys.exit(1)

    def do_relevant(self, options: dict[str, Any]) -> None:
        account = None
        if options["account"]:
            account = Account.objects.filter(slug=options["account"]).first()
            if account is None:
                raise CommandError(f"no account with slug {options['account']!r}")
        rows = [as_dict(match) for match in queries.relevant(account).iterator(chunk_size=2000)]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            fixed = f" (fixed in {row['fixed_in']})" if row["fixed_in"] else ""
            self.stdout.write(
                f"{row['account']}  {row['advisory']}  {row['status']}  {row['reason']}{fixed}"
            )
        if not rows:
            self.stdout.write("No advisory matches an installed product.")

    def do_rematch(self, options: dict[str, Any]) -> None:
        changes = rematch_everything()
        self.stdout.write(
            f"created {changes.created}, updated {changes.updated}, removed {changes.removed}"
        )

    def do_poll(self, options: dict[str, Any]) -> None:
        feeds = Feed.objects.filter(enabled=True)
        if options["feeds"]:
            feeds = Feed.objects.filter(pk__in=options["feeds"])
        failed = False
        for feed in feeds:
            result = poll(feed)
            self.stdout.write(f"{feed.name}: {json.dumps(result.as_json())}")
            failed |= bool(result.errors or result.report.rejected)
        if failed:
            sys.exit(1)

    def do_remind(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"reminders sent: {sweep_reminders()}")
