"""Page latency: from the client's button to the paging provider receiving the notification.

    .venv/bin/python benchmarks/page_latency.py [--pages 200] [--interval 0.05]
        [--database-url postgres://postgres@127.0.0.1:5432/psm_bench]

Sets up a fresh database (a temporary SQLite file by default; with --database-url that
database is migrated and FLUSHED), the named test cast (``psm.testing.book``) with the PSM's
pager target pointing at a local fake provider (an HTTP server on 127.0.0.1 that Apprise's
``json://`` URL posts to), starts gunicorn and one ``psm worker`` (polling every --interval
seconds), logs in as the client and presses "Page my PSM now" (an HTTP POST) --pages times,
one after the other. Each latency is the time from just before the POST to the instant the
fake provider has read the notification for that page. Prints median, p90, p99 and max.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--interval", default="0.05", help="psm worker polling interval (s)")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="psm-page-bench-")
    os.environ.update({"PSM_DATA_DIR": data_dir, "PSM_TESTING": "1", "PSM_LOG_LEVEL": "WARNING"})
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psm.settings")

    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.db import connection

    from psm.team.models import Engineer
    from psm.testing.book import make_book
    from psm.testing.paging import start_inbox, start_site

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    book = make_book()
    inbox = start_inbox()
    profile = Engineer.objects.get(user=book.alice)
    profile.set_pager_targets([inbox.url("alice")])
    profile.save()
    vendor = connection.vendor
    connection.close()

    env = dict(os.environ)
    site = start_site(env, worker_interval=args.interval)
    latencies: list[float] = []
    try:
        web = requests.Session()
        web.get(f"{site.base_url}/login/", timeout=10)
        web.post(
            f"{site.base_url}/login/",
            {
                "username": "client_a",
                "password": "password",
                "csrfmiddlewaretoken": web.cookies["csrftoken"],
            },
            timeout=10,
        )
        web.get(f"{site.base_url}/paging/", timeout=10)
        token = web.cookies["csrftoken"]
        for i in range(args.pages):
            text = f"bench page {i}"

            def arrived(text: str = text) -> bool:
                return any(
                    b.get("message", "").find(text + "\n") >= 0 for _, _, b in inbox.received
                )

            start = time.perf_counter()
            response = web.post(
                f"{site.base_url}/paging/",
                {"priority": "P1", "message": text, "csrfmiddlewaretoken": token},
                timeout=30,
            )
            if response.status_code != 200 or "/paging/" not in response.url:
                raise SystemExit(f"page {i}: HTTP {response.status_code} at {response.url}")
            with inbox.arrived:
                if not inbox.arrived.wait_for(arrived, timeout=60):
                    raise SystemExit(f"page {i}: the provider never received it")
            received = next(
                at for at, _, b in inbox.received if text + "\n" in b.get("message", "")
            )
            latencies.append(received - start)
    finally:
        site.stop()
        inbox.close()

    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    report = [
        f"Command: `.venv/bin/python benchmarks/page_latency.py --pages {args.pages} "
        f"--interval {args.interval}{' --database-url ' + args.database_url if args.database_url else ''}`",  # noqa: E501
        f"Database: {vendor}; machine: {platform.machine()}, {platform.processor() or '?'}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores; "
        f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        "| pages | median | p90 | p99 | max |",
        "|---|---|---|---|---|",
        f"| {len(ms)} | {statistics.median(ms):.0f} ms | {q[89]:.0f} ms | {q[98]:.0f} ms "
        f"| {ms[-1]:.0f} ms |",
    ]
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
