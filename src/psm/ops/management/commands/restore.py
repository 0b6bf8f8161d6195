"""``psm restore IN``: put a backup made by ``psm backup`` back, after checking it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.ops.backup import BackupError, check, restore


class Command(BaseCommand):
    help = (
        "Restore a backup (database and PSM_DATA_DIR). It refuses a backup of another database "
        "engine or a newer schema, and checks every hash first. Stop PSM's processes before."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", metavar="IN", help="An archive written by psm backup")
        parser.add_argument(
            "--check", action="store_true", help="Only verify the archive; change nothing."
        )
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before replacing the data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        try:
            if options["check"]:
                outcome = check(archive)
                m = outcome.manifest
                self.stdout.write(
                    f"{archive}: a sound {m.engine} backup of {m.created_at} "
                    f"({sum(m.tables.values())} rows, {len(m.files)} files)"
                )
                return
            if not options["yes"] and sys.stdin.isatty():
                answer = input("This replaces the database and PSM_DATA_DIR. Type 'restore': ")
                if answer.strip() != "restore":
                    raise CommandError("nothing restored", returncode=1)
            outcome = restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if outcome.problems:
            for problem in outcome.problems:
                self.stderr.write(problem)
            raise CommandError("restored, but the result differs from the backup", returncode=3)
        m = outcome.manifest
        self.stdout.write(
            f"restored {archive}: {sum(m.tables.values())} rows in {len(m.tables)} tables and "
            f"{len(m.files)} files, all matching the manifest. Run `psm migrate` if this PSM "
            "is newer than the backup."
        )
