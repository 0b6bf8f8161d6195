"""``psm backup OUT``: the database and PSM_DATA_DIR in one archive with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and PSM_DATA_DIR into OUT (a .tar, or .tar.gz to compress)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="The archive to write, e.g. /srv/backups/psm.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = backup(Path(options["out"]))
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        m = outcome.manifest
        self.stdout.write(
            f"backup {outcome.path}: {m.engine}, {len(m.tables)} tables, "
            f"{sum(m.tables.values())} rows, {len(m.files)} files, "
            f"{outcome.path.stat().st_size} bytes"
        )
