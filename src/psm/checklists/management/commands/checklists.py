"""``psm checklists due [--account SLUG] [--within DAYS] [--json]``: re-validations due soon or
overdue; ``psm checklists sweep``: reminders and overdue notices now."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from psm.accounts.models import Account
from psm.checklists.due import due_checklists, sweep
from psm.checklists.models import AccountChecklist
from psm.checklists.services import refresh


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at else None


class Command(BaseCommand):
    help = "Checklists: re-validations that are due or overdue."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="Re-validations due soon or overdue, soonest first.")
        due.add_argument("--account", metavar="SLUG", help="Only this account.")
        due.add_argument(
            "--within",
            type=int,
            default=30,
            metavar="DAYS",
            help="Include re-validations due in the next DAYS days (default 30).",
        )
        due.add_argument("--json", action="store_true", help="One JSON array, for scripts.")
        sub.add_parser("sweep", help="Send due reminders and overdue notices now.")
        sub.add_parser("refresh", help="Recompute every checklist's next re-validation.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            reminders, notices = sweep(timezone.now())
            self.stdout.write(f"reminders {reminders}, overdue notices {notices}")
            return
        if options["action"] == "refresh":
            count = 0
            for checklist in AccountChecklist.objects.select_related("account", "site"):
                refresh(checklist)
                count += 1
            self.stdout.write(f"refreshed {count}")
            return
        account = None
        if options["account"]:
            account = Account.objects.filter(slug=options["account"]).first()
            if account is None:
                raise CommandError(f"No account with slug {options['account']!r}.")
        if options["within"] < 0:
            raise CommandError("--within must be 0 or more days.")
        now = timezone.now()
        rows = [
            {
                "account": c.account.slug,
                "checklist": c.title,
                "due": _iso(c.next_due),
                "overdue": c.overdue_now(now),
                "last_run": _iso(getattr(c, "last_run_at", None)),
            }
            for c in due_checklists(
                account=account, within=timedelta(days=options["within"]), now=now
            )
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("Nothing due.")
            return
        width = max(len(str(r["account"])) for r in rows)
        name = max(len(str(r["checklist"])) for r in rows)
        for r in rows:
            flag = "OVERDUE" if r["overdue"] else "due"
            self.stdout.write(
                f"{r['account']:<{width}}  {r['checklist']:<{name}}  {r['due']}  {flag:<7}  "
                f"last run {r['last_run'] or 'never'}"
            )
