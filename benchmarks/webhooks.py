"""Outgoing webhooks benchmark: deliveries per second with one worker to a local receiver.

    .venv/bin/python benchmarks/webhooks.py                      # SQLite and PostgreSQL
    .venv/bin/python benchmarks/webhooks.py --databases sqlite   # one of them
    .venv/bin/python benchmarks/webhooks.py --write              # append to BENCHMARKS.md

Each database (SQLite in a temporary folder, PostgreSQL in --pg-database-url's database,
created if missing and migrated) gets one endpoint pointing at a real HTTP receiver on
127.0.0.1 (keep-alive, answers 200), and --events events (default 2,000) announced the way
the apps announce them: one ``services.write`` per event in its own transaction, each a
delivery row plus its ``deliver_messages`` task. Then one ``psm worker`` process (the
django-tasks database worker) drains the queue: every delivery signed, its address checked
by the SSRF guard, POSTed, logged as an attempt and marked delivered.

Figures: deliveries per second from the first attempt to the last delivery (the worker's
start-up excluded; the whole wall time is given too), and, as a ceiling without the task
queue, the same deliveries sent again in this process by ``services.deliver_due``. The
receiver checks every signature with the ``standardwebhooks`` package after the run. The
machine and the load average are printed beside every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pgdatabase import ensure_pg_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/psm_webhooks_bench"


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (
        f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def env_for(database_url: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "PSM_DATA_DIR": str(workdir),
            "PSM_LOG_LEVEL": "WARNING",
            "PSM_WEBHOOKS_ALLOW_PRIVATE": "1",
            "DJANGO_SETTINGS_MODULE": "psm.settings",
        }
    )
    return env


def measure(events: int) -> dict[str, Any]:
    """Runs inside the environment ``env_for`` made (one database)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult
    from standardwebhooks.webhooks import Webhook

    from psm.testing.webhooks import make_endpoint, start_receiver
    from psm.webhooks import services
    from psm.webhooks.catalog import Announcement
    from psm.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint

    call_command("migrate", verbosity=0)
    Attempt.objects.all().delete()
    Delivery.objects.all().delete()
    Endpoint.objects.all().delete()
    DBTaskResult.objects.all().delete()
    receiver = start_receiver()
    try:
        endpoint = make_endpoint(receiver.url(), events=["case.created"])
        started = time.perf_counter()
        for n in range(events):
            data = {"case": {"id": n, "reference": f"BENCH-{n}", "title": "Lock manager down"}}
            with transaction.atomic():
                services.write(
                    [(Announcement("case.created", None, data, timezone.now()), [endpoint])]
                )
        written = time.perf_counter() - started
        load_before = load()
        wall = time.perf_counter()
        command = ["worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0"]
        worker = subprocess.run(
            [sys.executable, "-m", "psm.cli", *command],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=3600,
        )
        wall = time.perf_counter() - wall
        if worker.returncode != 0:
            raise SystemExit(worker.stderr[-2000:])
        delivered = Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count()
        first = Attempt.objects.order_by("at").values_list("at", flat=True).first()
        last = Delivery.objects.order_by("-delivered_at").values_list("delivered_at", flat=True)
        span = (last.first() - first).total_seconds() if first else float("nan")
        load_after = load()
        hook = Webhook(endpoint.secret)
        for request in receiver.requests:
            hook.verify(request.body, request.headers)
        verified = len(receiver.requests)
        # The ceiling: the same deliveries again, in this process, without the task queue.
        Delivery.objects.update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())
        inproc = time.perf_counter()
        again = 0
        while batch := services.deliver_due(limit=500):
            again += batch
        inproc = time.perf_counter() - inproc
        load_end = load()
    finally:
        receiver.close()
    return {
        "events": events,
        "written_s": written,
        "delivered": delivered,
        "verified": verified,
        "worker_span_s": span,
        "worker_wall_s": wall,
        "worker_rate": delivered / span,
        "load_worker": f"{load_before} → {load_after}",
        "inproc": again,
        "inproc_s": inproc,
        "inproc_rate": again / inproc,
        "load_inproc": load_end,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-database-url", default=DEFAULT_PG)
    parser.add_argument("--write", action="store_true", help="append the table to BENCHMARKS.md")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.events)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="psm-webhooks-bench-") as tmp:
        for name in args.databases.split(","):
            if name == "postgres":
                ensure_pg_database(args.pg_database_url)
                url = args.pg_database_url
            else:
                url = f"sqlite:///{tmp}/bench.sqlite3"
            print(f"{name}: {args.events} events …", flush=True)
            done = subprocess.run(
                [sys.executable, __file__, "--one", "1", "--events", str(args.events)],
                env=env_for(url, Path(tmp)),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["database"] = name
            rows.append(result)
            print(json.dumps(result, indent=2), flush=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "",
        f"## Webhooks: deliveries per second with one worker ({when})",
        "",
        f"`.venv/bin/python benchmarks/webhooks.py --events {args.events}` on {machine()}.",
        "One endpoint, a keep-alive HTTP receiver on 127.0.0.1 answering 200; each event "
        "written in its own transaction (a delivery row and its task), then one `psm worker` "
        "drains the queue: guard, sign, POST, log the attempt, mark delivered. Every request's "
        "signature verified afterwards with `standardwebhooks`.",
        "",
        "| database | deliveries | one `psm worker` | wall incl. start-up | load (1/5/15 min) "
        "| in-process `deliver_due` (no task queue) | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['delivered']:,} (verified {r['verified']:,}) "
            f"| **{r['worker_rate']:.0f}/s** ({r['worker_span_s']:.1f} s) "
            f"| {r['worker_wall_s']:.1f} s | {r['load_worker']} "
            f"| {r['inproc_rate']:.0f}/s ({r['inproc_s']:.1f} s) | {r['load_inproc']} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        with (ROOT / "BENCHMARKS.md").open("a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
