"""``psm reports run ACCOUNT --period P [--definition NAME] --out DIR`` renders a report
without sending it; ``psm reports send-due`` runs what the scheduler's sweep runs.

P is ``YYYY-MM``, ``YYYY-Qn``, ``YYYY-Www`` or ``START..END`` (ISO days, both included), in
the account's time zone. DIR gets ``report.html``, ``report.pdf`` and ``report.json``.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from psm.accounts.models import Account
from psm.reports import gather, services
from psm.reports.models import ReportDefinition
from psm.reports.periods import PeriodError, parse
from psm.reports.render import current_brand, render_report
from psm.reports.sections import OptionError


class Command(BaseCommand):
    help = "Status reports: render one without sending it, or send the reports that are due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Render a report to files (nothing is sent or archived).")
        run.add_argument("account", metavar="ACCOUNT", help="The account's slug, e.g. acme.")
        run.add_argument(
            "--period",
            required=True,
            metavar="P",
            help="YYYY-MM, YYYY-Qn, YYYY-Www or START..END (e.g. 2026-10-01..2026-10-15).",
        )
        run.add_argument(
            "--definition",
            metavar="NAME",
            help="A report definition of the account (default: its default, else the standard).",
        )
        run.add_argument("--out", required=True, metavar="DIR", help="Folder for the files.")
        sub.add_parser("send-due", help="Make and send the reports whose schedule has come.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send-due":
            made = services.claim_due()
            reminded = services.remind_held()
            self.stdout.write(f"runs started {len(made)}, reminders {reminded}")
            return
        account = Account.objects.filter(slug=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with slug {options['account']!r}.")
        try:
            period = parse(options["period"], account.timezone)
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        definitions = ReportDefinition.objects.filter(account=account)
        if options["definition"]:
            definition = definitions.filter(name=options["definition"]).first()
            if definition is None:
                names = ", ".join(definitions.values_list("name", flat=True)) or "none"
                raise CommandError(
                    f"{account.slug} has no report named {options['definition']!r} "
                    f"(it has: {names})."
                )
        else:
            definition = definitions.filter(is_default=True).first()
        sections = definition.sections if definition else gather.standard_sections()
        name = definition.name if definition else "Status report"
        try:
            data = gather.gather(account, period, sections, name=name)
        except OptionError as exc:
            raise CommandError(f"The definition cannot be used: {exc}") from None
        rendered = render_report(data, current_brand())
        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / "report.html").write_text(rendered.html, encoding="utf-8")
            (out / "report.pdf").write_bytes(rendered.pdf)
            (out / "report.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write to {out}: {exc}") from None
        self.stdout.write(
            f"{name} for {account.name}, {period.label}: {out / 'report.html'}, "
            f"{out / 'report.pdf'} ({len(rendered.pdf):,} bytes), {out / 'report.json'}"
        )
