"""``psm inventory import ACCOUNT FILE.csv [--replace] [--add-products]``.

The same all-or-nothing CSV rules as the account page's import. Exit status 0 when the file
was imported, 1 when it was refused (every bad row is printed with its line number), 2 for an
unknown account or a file that cannot be read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from psm.accounts.models import Account
from psm.accounts.services import import_installed_products


class Command(BaseCommand):
    help = "Import an account's installed products from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="Import installed products from a CSV file.")
        load.add_argument("account", help="The account's slug.")
        load.add_argument("file", help="CSV with product, version[, platform, site, users, notes]")
        load.add_argument(
            "--replace",
            action="store_true",
            help="Make the account's inventory exactly the file (others are removed).",
        )
        load.add_argument(
            "--add-products",
            action="store_true",
            help="Add product names the catalog does not know instead of refusing the file.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = Account.objects.filter(slug=options["account"]).first()
        if account is None:
            self.fail(f"no account with slug {options['account']!r}", 2)
        path = Path(options["file"])
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            self.fail(f"{path}: {exc.strerror}", 2)
        except UnicodeDecodeError:
            self.fail(f"{path}: not UTF-8 text", 2)
        report = import_installed_products(
            None,
            account,
            text,
            replace=options["replace"],
            add_products=options["add_products"],
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"{path}:{error.line}: {error.message}")
            self.fail(f"{path}: nothing imported ({len(report.errors)} bad row(s))", 1)
        summary = f"{account.slug}: imported {report.created} installed product(s)"
        if options["replace"]:
            summary += f", replacing {report.removed}"
        if report.products_added:
            summary += f"; added to the catalog: {', '.join(report.products_added)}"
        self.stdout.write(summary)

    def fail(self, message: str, status: int) -> NoReturn:
        self.stderr.write(f"error: {message}")
        sys.exit(status)
