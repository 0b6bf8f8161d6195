"""psm reencrypt: re-encrypt every stored secret after SECRET_KEY or PSM_FIELD_KEY changed.

    psm reencrypt --old-secret-key 'the previous SECRET_KEY'
    psm reencrypt --old-field-key 'the previous PSM_FIELD_KEY'

Secrets already readable with the current key are left as they are; one the old key cannot
read either is reported and the command exits 1 (nothing is half-done: one transaction).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from psm.lib import crypto
from psm.notifications.models import Notification
from psm.team.models import Engineer

# Every encrypted column: (model, field).
SECRETS: list[tuple[Any, str]] = [
    (Engineer, "pager_targets_encrypted"),
    (Notification, "target_encrypted"),
]


class Command(BaseCommand):
    help = "Re-encrypt every stored secret (pager URLs) from an old key to the current one."

    def add_arguments(self, parser: CommandParser) -> None:
        old = parser.add_mutually_exclusive_group(required=True)
        old.add_argument("--old-secret-key", help="the SECRET_KEY the secrets were stored under")
        old.add_argument("--old-field-key", help="the PSM_FIELD_KEY they were stored under")

    def handle(self, *args: Any, **options: Any) -> None:
        old_key = options["old_field_key"] or crypto.key_from_secret_key(options["old_secret_key"])
        done = 0
        unreadable: list[str] = []
        with transaction.atomic():
            for model, field in SECRETS:
                for row in model.objects.exclude(**{field: ""}).only("pk", field):
                    try:
                        fresh = crypto.reencrypt(getattr(row, field), old_key)
                    except crypto.UnreadableSecret:
                        unreadable.append(f"{model._meta.label} #{row.pk}")
                        continue
                    model.objects.filter(pk=row.pk).update(**{field: fresh})
                    done += 1
            if unreadable:
                transaction.set_rollback(True)
                raise CommandError(
                    "neither key reads these secrets (nothing was changed): "
                    + ", ".join(unreadable)
                )
        self.stdout.write(f"re-encrypted {done} secret(s) with the current key")
