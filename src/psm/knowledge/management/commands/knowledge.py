"""``psm knowledge import ACCOUNT|--global PATH... [--json]``, ``export ACCOUNT --out DIR
[--zip]`` and ``reindex``.

``import`` takes Markdown files (or folders: every .md inside) with front matter ``title``,
``visibility: client|internal``, ``tags`` (and optionally ``status``, ``slug``); it exits
with status 1 when any file was rejected (the others are imported). ``--json`` prints
``{"created", "updated", "unchanged", "rejected": [{"file", "error"}], "articles": [{"file",
"id", "slug", "title"}]}``.

``export`` writes the account's intranet bundle (static HTML: published, client-visible
articles only) into DIR, or with ``--zip`` the file ``DIR/<account>-knowledge.zip``.
``reindex`` rebuilds the search index (after restoring data from a dump)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.accounts.models import Account
from psm.knowledge import bundle, search
from psm.knowledge.importer import import_paths


def _account(slug: str) -> Account:
    account = Account.objects.filter(slug=slug).first()
    if account is None:
        raise CommandError(f"no account with slug {slug!r}")
    return account


class Command(BaseCommand):
    help = "Import Markdown articles, export an account's intranet bundle, rebuild the index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "import", help="Import Markdown files (or folders of them) with front matter."
        )
        load.add_argument(
            "targets",
            nargs="+",
            metavar="ACCOUNT|PATH",
            help="The account's slug then files or folders; with --global only paths.",
        )
        load.add_argument("--global", dest="global_", action="store_true", help="Global articles.")
        load.add_argument("--json", action="store_true", help="Print the report as JSON.")
        out = sub.add_parser("export", help="Write an account's static HTML bundle.")
        out.add_argument("account", help="The account's slug.")
        out.add_argument("--out", required=True, metavar="DIR", help="Where to write it.")
        out.add_argument(
            "--zip", action="store_true", help="Write DIR/<account>-knowledge.zip instead."
        )
        sub.add_parser("reindex", help="Rebuild the search index from the articles.")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"])(options)

    def do_import(self, options: dict[str, Any]) -> None:
        targets: list[str] = options["targets"]
        account = None
        if not options["global_"]:
            if len(targets) < 2:
                raise CommandError("name the account (or --global) and at least one path")
            account = _account(targets[0])
            targets = targets[1:]
        report = import_paths(account, targets)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
        else:
            scope = account.name if account else "all accounts"
            self.stdout.write(
                f"{scope}: created {report.created}, updated {report.updated}, unchanged "
                f"{report.unchanged}, rejected {len(report.rejected)}"
            )
            for rejected in report.rejected:
                self.stderr.write(f"rejected {rejected['file']}: {rejected['error']}")
        if report.rejected:
            sys.exit(1)

    def do_export(self, options: dict[str, Any]) -> None:
        account = _account(options["account"])
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} is a file, not a folder")
        made = bundle.build(account)
        if options["zip"]:
            out.mkdir(parents=True, exist_ok=True)
            target = out / made.zip_name
            target.write_bytes(made.zip_bytes())
            self.stdout.write(f"{made.articles} article(s) written to {target}")
            return
        if out.exists() and any(out.iterdir()):
            if not (out / "index.html").is_file():
                raise CommandError(
                    f"{out} is not empty and holds no earlier export; choose another"
                )
            _clear_earlier(out)
        out.mkdir(parents=True, exist_ok=True)
        made.write(out)
        self.stdout.write(f"{made.articles} article(s) written to {out / 'index.html'}")

    def do_reindex(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"indexed {search.reindex()} article(s)")


def _clear_earlier(out: Path) -> None:
    """Remove what an earlier export wrote (its pages, styles and files), nothing else."""
    for page in out.glob("*.html"):
        page.unlink()
    for folder in ("assets", "files"):
        if (out / folder).is_dir():
            shutil.rmtree(out / folder)
