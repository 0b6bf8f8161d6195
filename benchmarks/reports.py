"""Status reports: 1,000 monthly reports (data, HTML, PDF and the e-mail with its PNG charts)
made by two worker processes, as ``psm worker`` makes them; total time and peak memory.

    .venv/bin/python benchmarks/reports.py                  # 1,000 reports, SQLite, 2 processes
    .venv/bin/python benchmarks/reports.py --reports 100    # a quick look
    .venv/bin/python benchmarks/reports.py --database-url postgres://postgres@127.0.0.1:5432/psm_reports_bench

A book of ``--reports`` accounts is generated (each with ~40 cases in the month, some of them
breached, resolved or still open, two pages, calls, work items, advocacy, touchpoints and
survey answers), then every account's report for that month is made once with every section
of the catalogue. Each worker renders in a forked child with the product's time limit, exactly
as ``services.generate`` does, so the figures include the fork. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from typing import Any

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
]
PERIOD = "2026-10"
PRIORITIES = ["P1"] * 5 + ["P2"] * 20 + ["P3"] * 45 + ["P4"] * 30
SECTIONS = [
    "cases",
    "sla",
    "open_cases",
    "pages",
    "work",
    "advocacy",
    "touchpoints",
    "satisfaction",
    "commentary",
]


def setup(database_url: str, data_dir: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "PSM_DATA_DIR": data_dir,
            "PSM_TESTING": "1",
            "PSM_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "psm.settings",
        }
    )
    import django

    django.setup()


def generate(n_accounts: int, seed: int = 2026) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from psm.accounts.models import Account
    from psm.cases.models import Case, CaseStatus
    from psm.channels.telephony.models import CallLog, Kind, Outcome
    from psm.coverage.models import ServicePlan
    from psm.engagement.models import (
        AdvocacyItem,
        Milestone,
        Survey,
        Touchpoint,
        TouchpointStatus,
        WorkItem,
    )
    from psm.paging.models import Page
    from psm.reports.periods import parse
    from psm.team.models import User

    call_command("migrate", verbosity=0)
    if Account.objects.count() >= n_accounts:
        return
    rng = random.Random(seed)
    plan, _ = ServicePlan.objects.get_or_create(slug="standard", defaults={"name": "Standard"})
    owner, _ = User.objects.get_or_create(username="bench-psm", defaults={"role": "engineer"})
    with transaction.atomic():
        accounts = Account.objects.bulk_create(
            Account(
                name=f"Client {i:04d}",
                slug=f"client-{i:04d}",
                timezone=ZONES[i % len(ZONES)],
                country="US",
                service_plan=plan,
            )
            for i in range(n_accounts)
        )
        cases, pages, calls, work, advocacy, touchpoints, surveys = [], [], [], [], [], [], []
        for account in accounts:
            period = parse(PERIOD, account.timezone)
            span = (period.end - period.start).total_seconds()
            for n in range(1, rng.randint(30, 50) + 1):
                opened = period.start + timedelta(seconds=rng.random() * span)
                priority = rng.choice(PRIORITIES)
                resolved = (
                    opened + timedelta(hours=rng.randint(1, 300)) if rng.random() < 0.8 else None
                )
                due = opened + timedelta(hours={"P1": 1, "P2": 4, "P3": 8, "P4": 24}[priority])
                breached = rng.random() < 0.08
                cases.append(
                    Case(
                        account=account,
                        number=n,
                        reference=f"{account.slug.upper()}-{n}",
                        title=f"Case {n} of {account.name}",
                        priority=priority,
                        status=CaseStatus.RESOLVED if resolved else CaseStatus.OPEN,
                        opened_at=opened,
                        resolved_at=resolved,
                        first_response_at=opened + timedelta(minutes=30),
                        first_response_due=due,
                        first_response_breached=breached,
                        breached=breached,
                        next_update_due=due + timedelta(hours=8),
                        resolution_due=due + timedelta(days=5),
                        next_due=None if resolved else due + timedelta(hours=8),
                    )
                )
            for _ in range(2):
                opened = period.start + timedelta(seconds=rng.random() * span)
                pages.append(
                    Page(
                        account=account,
                        source="portal",
                        priority="P1",
                        channel="page",
                        target_name="bench-psm",
                        status="acknowledged",
                        acknowledged_at=opened + timedelta(minutes=rng.randint(2, 14)),
                        ack_via="link",
                        opened_at=opened,
                    )
                )
            for _ in range(3):
                calls.append(
                    CallLog(
                        kind=Kind.VOICE,
                        account=account,
                        outcome=Outcome.ANSWERED,
                        created_at=period.start + timedelta(seconds=rng.random() * span),
                    )
                )
            work.append(
                WorkItem(account=account, type="planning", title="Upgrade plan", owner=owner)
            )
            advocacy.append(
                AdvocacyItem(
                    account=account,
                    kind="defect",
                    title="Merge crash",
                    internal_ref=f"DEF-{account.pk}",
                    business_impact="Blocks the release",
                    owner=owner,
                    target_release="11.0.2",
                )
            )
            start = period.start + timedelta(days=10)
            touchpoints.append(
                Touchpoint(
                    account=account,
                    kind="check_in",
                    status=TouchpointStatus.COMPLETED,
                    title="Check-in",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    timezone=account.timezone,
                    owner=owner,
                )
            )
            for _ in range(4):
                at = period.start + timedelta(seconds=rng.random() * span)
                surveys.append(
                    Survey(account=account, kind="csat", answered_at=at, score=rng.randint(3, 5))
                )
        Case.objects.bulk_create(cases, batch_size=2000)
        Page.objects.bulk_create(pages, batch_size=2000)
        CallLog.objects.bulk_create(calls, batch_size=2000)
        items = WorkItem.objects.bulk_create(work, batch_size=2000)
        Milestone.objects.bulk_create(
            [Milestone(work_item=w, title="Rehearsal") for w in items], batch_size=2000
        )
        AdvocacyItem.objects.bulk_create(advocacy, batch_size=2000)
        Touchpoint.objects.bulk_create(touchpoints, batch_size=2000)
        Survey.objects.bulk_create(surveys, batch_size=2000)


def worker(args: tuple[list[int], float]) -> dict[str, Any]:
    """One worker process: make the reports of these accounts; phase times and peak memory."""
    account_ids, timeout = args
    from django.db import connection

    from psm.accounts.models import Account
    from psm.reports import gather
    from psm.reports.periods import parse
    from psm.reports.render import current_brand, render_with_timeout

    connection.close()  # a connection of its own, not the parent's
    brand = current_brand()
    sections = [{"key": k, "options": {}} for k in SECTIONS]
    gather_s: list[float] = []
    render_s: list[float] = []
    pdf_bytes = 0
    for account in Account.objects.filter(pk__in=account_ids):
        t0 = time.perf_counter()
        data = gather.gather(
            account, parse(PERIOD, account.timezone), sections, name="Monthly status"
        )
        t1 = time.perf_counter()
        rendered = render_with_timeout(data, brand, timeout)
        t2 = time.perf_counter()
        gather_s.append(t1 - t0)
        render_s.append(t2 - t1)
        pdf_bytes += len(rendered.pdf)
        if len(render_s) % 50 == 0:
            print(f"  {os.getpid()}: {len(render_s)} of {len(account_ids)}", file=sys.stderr)
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_kb, children_kb = me.ru_maxrss, kids.ru_maxrss
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return {
        "gather": gather_s,
        "render": render_s,
        "pdf_bytes": pdf_bytes,
        "self_kb": self_kb,
        "children_kb": children_kb,
        "cpu": cpu,
    }


def _safely(chunk: list[int], timeout: float) -> dict[str, Any]:
    """A worker's result, or its error: the parent never waits for a worker that died."""
    try:
        return worker((chunk, timeout))
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--workdir", default=os.path.join(tempfile.gettempdir(), "psm-reports-bench")
    )
    parser.add_argument("--timeout", type=float, default=120.0)
    options = parser.parse_args()
    os.makedirs(options.workdir, exist_ok=True)
    database_url = (
        options.database_url or f"sqlite:///{options.workdir}/bench-{options.reports}.sqlite3"
    )
    setup(database_url, options.workdir)
    t0 = time.perf_counter()
    generate(options.reports)
    generated = time.perf_counter() - t0

    from django.db import connection

    from psm.accounts.models import Account
    from psm.cases.models import Case

    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True)[: options.reports])
    n_cases = Case.objects.filter(account_id__in=ids).count()
    connection.close()
    chunks = [ids[i :: options.processes] for i in range(options.processes)]
    # Load what every worker process has loaded after its first task (WeasyPrint, fonts).
    import weasyprint  # noqa: F401

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    # Plain processes, not a Pool: a Pool's workers are daemons and may not fork the
    # rendering child the product forks.
    context = get_context("fork")
    queue = context.Queue()
    processes = [
        context.Process(target=lambda c=chunk: queue.put(_safely(c, options.timeout)))
        for chunk in chunks
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise SystemExit(f"a worker failed: {failed[0]}")
    for process in processes:
        process.join()
    total = time.perf_counter() - started
    gathers = [x for r in results for x in r["gather"]]
    renders = [x for r in results for x in r["render"]]
    per = sorted(g + r for g, r in zip(gathers, renders, strict=True))
    worker_peak = max(r["self_kb"] for r in results) / 1024
    child_peak = max(r["children_kb"] for r in results) / 1024
    parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpu.splitlines()
            if line.startswith("Model name")
        ),
        platform.processor(),
    )
    count = len(ids)
    p95 = per[int(0.95 * (count - 1))]
    bound = parent_peak + options.processes * (worker_peak + child_peak)
    print(
        f"Status reports — {count:,} monthly reports ({n_cases:,} cases), "
        f"{options.processes} worker processes, {connection.vendor}; {model}, "
        f"{os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average "
        f"before {load_before:.1f}, after {load[0]:.1f}; book generated in {generated:.0f} s\n"
    )
    rows = [
        ("total time (data + HTML + PDF + e-mail with PNG charts)", f"**{total:.1f} s**"),
        ("throughput", f"{count / total:.2f} reports/s"),
        (
            "CPU time per report (worker + rendering child, independent of load)",
            f"{sum(r['cpu'] for r in results) / count:.2f} s",
        ),
        (
            "per report: median / p95 / max",
            f"{statistics.median(per):.2f} / {p95:.2f} / {per[-1]:.2f} s",
        ),
        ("of which drawing the data (median)", f"{statistics.median(gathers) * 1000:.0f} ms"),
        ("of which rendering in the child (median)", f"{statistics.median(renders) * 1000:.0f} ms"),
        ("PDF size (mean)", f"{sum(r['pdf_bytes'] for r in results) / count / 1024:.0f} KiB"),
        ("peak memory: a worker process", f"{worker_peak:.0f} MiB"),
        ("peak memory: a rendering child", f"{child_peak:.0f} MiB"),
        ("peak memory: the parent", f"{parent_peak:.0f} MiB"),
        ("peak memory: all processes at once (upper bound)", f"{bound:.0f} MiB"),
    ]
    print("| figure | value |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    main()
