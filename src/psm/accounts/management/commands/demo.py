"""``psm demo``: load the demo book (idempotent). Each app may add to it with a ``demo``
module exposing ``populate()``, run in INSTALLED_APPS order after the accounts app's."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from psm.accounts.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create the demo book of accounts, people and log-ins (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for config in apps.get_app_configs():
                if not config.name.startswith("psm."):
                    continue
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                summary = module.populate()
                self.stdout.write(f"demo {config.label}: {summary}")
        self.stdout.write(
            f"Demo log-ins (password '{DEMO_PASSWORD}'): admin, manager, engineer, client"
        )
