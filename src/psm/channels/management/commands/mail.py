"""``psm mail``: parse, import, stats and retry for inbound e-mail."""

from __future__ import annotations

import json
import mailbox
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from psm.cases import services
from psm.channels.email import services as inbound
from psm.channels.email.models import InboundMessage, Source, State
from psm.channels.email.parse import parse


class Command(BaseCommand):
    help = "Inbound e-mail: parse FILE, import PATH..., stats, retry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("parse", help="Print what PSM reads in a message, as JSON.")
        p.add_argument("file")
        i = sub.add_parser("import", help="Import .eml files, mbox files, Maildirs, folders.")
        i.add_argument("paths", nargs="+")
        i.add_argument(
            "--batch",
            type=int,
            default=500,
            help="Messages stored (one file, one fsync, one commit) and processed together.",
        )
        sub.add_parser("stats", help="Counts of inbound messages by state, as JSON.")
        r = sub.add_parser("retry", help="Reprocess failed messages (or the ids given).")
        r.add_argument("ids", nargs="*", type=int)
        r.add_argument(
            "--stuck-minutes",
            type=int,
            default=10,
            help="Also reprocess messages left unprocessed longer than this (a crash).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def do_parse(self, file: str, **_: Any) -> None:
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        self.stdout.write(json.dumps(parse(raw).to_json(), indent=2, ensure_ascii=False))

    def do_import(self, paths: list[str], batch: int = 500, **_: Any) -> None:
        counts: dict[str, int] = {}
        started = time.monotonic()
        for path in paths:
            if not Path(path).exists():
                raise CommandError(f"{path}: no such file or directory")
        pending: list[bytes] = []

        def run() -> None:
            rows = inbound.store_many(pending, source=Source.IMPORT)
            for row in inbound.process_many(rows):
                counts[row.state] = counts.get(row.state, 0) + 1
            pending.clear()

        with services.reuse_routing():
            for raw in _messages(paths, self.stderr.write):
                pending.append(raw)
                if len(pending) >= max(batch, 1):
                    run()
            if pending:
                run()
        elapsed = time.monotonic() - started
        total = sum(counts.values())
        self.stdout.write(
            json.dumps({"imported": total, "seconds": round(elapsed, 3), "states": counts})
        )

    def do_stats(self, **_: Any) -> None:
        rows = InboundMessage.objects.values("state").annotate(n=Count("id")).order_by()
        counts = dict.fromkeys(State.values, 0)
        counts.update({r["state"]: r["n"] for r in rows})
        self.stdout.write(json.dumps({"total": sum(counts.values()), "states": counts}))

    def do_retry(self, ids: list[int], stuck_minutes: int = 10, **_: Any) -> None:
        from datetime import timedelta

        from django.utils import timezone

        if ids:
            rows = InboundMessage.objects.filter(pk__in=ids)
        else:
            stuck = timezone.now() - timedelta(minutes=stuck_minutes)
            rows = InboundMessage.objects.filter(
                state=State.FAILED
            ) | InboundMessage.objects.filter(state=State.RECEIVED, received_at__lt=stuck)
        done = inbound.reprocess(rows.order_by("id"))
        result: dict[str, int] = {}
        for row in done:
            result[row.state] = result.get(row.state, 0) + 1
        self.stdout.write(json.dumps({"reprocessed": len(done), "states": result}))


def _messages(paths: list[str], warn: Any) -> Iterator[bytes]:
    """Raw messages from files (.eml, mbox), Maildirs and folders of either, in name order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            if (path / "cur").is_dir() and (path / "new").is_dir():
                box = mailbox.Maildir(path, create=False)
                for key in sorted(box.keys()):
                    yield box.get_bytes(key)
                continue
            children = sorted(
                Path(top, name)
                for top, _, names in os.walk(path)
                for name in names
                if os.path.isfile(os.path.join(top, name))
            )
            yield from _messages([str(p) for p in children], warn)
            continue
        with open(path, "rb") as fh:  # one open per file: a folder of .eml files is the norm
            head = fh.read(5)
            if head != b"From ":
                yield head + fh.read()
                continue
        mbox = mailbox.mbox(path, create=False)
        for key in mbox.iterkeys():
            yield mbox.get_bytes(key)
