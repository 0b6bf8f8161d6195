"""``psm engagement due [--account SLUG] [--within DAYS] [--json]``: touchpoints due or overdue,
with the work other apps register as due (checklist re-validations: kind ``checklist``)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import UTC, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from psm.accounts.models import Account
from psm.engagement.due import due_things
from psm.engagement.services.cadences import due_states, sweep_cadences


class Command(BaseCommand):
    help = "Proactive engagement: list touchpoints that are due or overdue."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="Touchpoints due soon or overdue, soonest first.")
        due.add_argument("--account", metavar="SLUG", help="Only this account.")
        due.add_argument(
            "--within",
            type=int,
            default=7,
            metavar="DAYS",
            help="Include touchpoints due in the next DAYS days (default 7).",
        )
        due.add_argument("--json", action="store_true", help="One JSON array, for scripts.")
        sub.add_parser("sweep", help="Run the cadence sweep once now (what the scheduler does).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            report = sweep_cadences()
            self.stdout.write(
                f"created {report.created}, overdue {report.marked_overdue}, "
                f"reminders {report.reminders}, overdue notices {report.overdue_notices}, "
                f"survey rounds {report.survey_rounds}"
            )
            return
        account = None
        if options["account"]:
            account = Account.objects.filter(slug=options["account"]).first()
            if account is None:
                raise CommandError(f"No account with slug {options['account']!r}.")
        if options["within"] < 0:
            raise CommandError("--within must be 0 or more days.")
        rows: list[dict[str, Any]] = []
        titles: list[str] = []
        within = timedelta(days=options["within"])
        for state in due_states(account=account, within=within):
            assert state.next_due is not None
            owner = getattr(state, "owner", None)
            rows.append(
                {
                    "account": state.account.slug,
                    "kind": state.kind,
                    "due": state.next_due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "overdue": state.overdue,
                    "owner": owner.username if owner else None,
                }
            )
            titles.append("")
        for thing in due_things(account=account, within=within, now=timezone.now()):
            rows.append(
                {
                    "account": thing.account.slug,
                    "kind": thing.kind,
                    "due": thing.due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "overdue": thing.overdue,
                    "owner": thing.owner.username if thing.owner else None,
                }
            )
            titles.append(thing.title)
        order = sorted(range(len(rows)), key=lambda i: (rows[i]["due"], rows[i]["account"]))
        rows = [rows[i] for i in order]
        titles = [titles[i] for i in order]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("Nothing due.")
            return
        width = max(len(r["account"]) for r in rows)
        for r, title in zip(rows, titles, strict=True):
            flag = "OVERDUE" if r["overdue"] else "due"
            self.stdout.write(
                f"{r['account']:<{width}}  {r['kind']:<19}  {r['due']}  {flag:<7}  "
                f"{r['owner'] or '-'}{'  ' + title if title else ''}"
            )
