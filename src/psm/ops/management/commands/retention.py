"""``psm retention [--dry-run]``: prune what is past its retention age now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from psm.ops.retention import prune_all


class Command(BaseCommand):
    help = "Delete raw mail, task results, notifications and log-in records past their age."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = "would delete" if options["dry_run"] else "deleted"
        for item in prune_all(dry_run=options["dry_run"]):
            if not item.keep_days:
                self.stdout.write(f"{item.kind}: kept for ever")
                continue
            files = f" and {item.files} files" if item.files else ""
            self.stdout.write(
                f"{item.kind} (kept {item.keep_days} days): {verb} {item.rows} rows{files}"
            )
