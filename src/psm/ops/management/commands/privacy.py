"""``psm privacy export CONTACT`` / ``psm privacy erase CONTACT`` (README "Privacy")."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.ops.privacy import PrivacyError, erase, export, find_contact


class Command(BaseCommand):
    help = "Export everything held about a client contact, or erase (anonymise) them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        out = sub.add_parser("export", help="Write data.json and the files under --out")
        out.add_argument("contact", metavar="CONTACT", help="Contact id or e-mail address")
        out.add_argument("--out", help="Folder to write (default ./privacy-<id>)")
        gone = sub.add_parser("erase", help="Anonymise the contact; cases stay readable")
        gone.add_argument("contact", metavar="CONTACT", help="Contact id or e-mail address")
        gone.add_argument("--yes", action="store_true", help="Do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            contact = find_contact(options["contact"])
        except PrivacyError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["action"] == "export":
            folder = Path(options["out"] or f"privacy-{contact.pk}")
            path = export(contact, folder)
            self.stdout.write(f"{contact.name} (contact {contact.pk}): {path}")
            return
        if not options["yes"] and sys.stdin.isatty():
            answer = input(f"Erase {contact.name} (contact {contact.pk}) for good? Type 'erase': ")
            if answer.strip() != "erase":
                raise CommandError("nothing erased", returncode=1)
        report = erase(None, contact)
        self.stdout.write(
            f"contact {report.contact_id} erased: {report.rows} rows, {report.mail} raw "
            f"messages, {report.notifications} notifications, {report.audit} audit entries "
            "anonymised"
        )
