"""SLA sweep benchmark: steady state and a breach storm at 100,000 open cases.

    .venv/bin/python benchmarks/sweep.py                      # SQLite and PostgreSQL
    .venv/bin/python benchmarks/sweep.py --databases sqlite   # one of them
    .venv/bin/python benchmarks/sweep.py --before             # also the sweep before issue 12

Each database gets a book of --cases running cases (default 100,000) over --accounts accounts
(200) and --engineers engineers (50): every case carries the real plan snapshot and routing
JSON of a case opened through ``services.open_case``, its due times spread over the next 30
days (first response, then next update once answered, resolution), and 5 % already missed
their first response (flag set, as in a live book). The book is generated once per database
(SQLite under --workdir, PostgreSQL in --pg-database-url's database, which is created if
missing) and reused while it has the asked size; each run first puts back its flags and
removes what earlier sweeps wrote (audit entries, outbox rows, ledger rows, tasks).

Measured, in this process, through ``psm.cases.sweeps.sweep`` as the minute task calls it:

- **steady state**: --steady sweeps one simulated minute apart (each finds the few targets due
  in that minute and the warnings of the next 30 minutes); median and p95 wall time, and
  queries per sweep;
- **burst**: --burst cases (10,000) get their first response due one minute ago (an outage, a
  queue that filled up), then one sweep: its wall and CPU time and its queries; the due times
  are put back afterwards.

``--before`` runs the same two measures with the sweep as it was before issue 12 (the code of
commit 933d289, read from git), on the same book, after the new one. The machine and the load
average are printed beside every figure; ``--write`` appends the table to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pgdatabase import ensure_pg_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

BEFORE_COMMIT = "933d289"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/psm_sweep_bench"
PRIORITIES = ["P1"] * 5 + ["P2"] * 20 + ["P3"] * 45 + ["P4"] * 30
DAY = dt.timedelta(days=1)


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


def setup(database_url: str, workdir: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "PSM_DATA_DIR": str(workdir),
            "PSM_TESTING": "1",
            "PSM_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "psm.settings",
        }
    )
    import django

    django.setup()


# -- the book --------------------------------------------------------------------------------


def base_instant() -> dt.datetime:
    """The benchmark's "now": a fixed Wednesday, so runs and databases compare."""
    return dt.datetime(2026, 11, 18, 14, 0, tzinfo=dt.UTC)


def generate(n_cases: int, n_accounts: int, n_engineers: int, seed: int = 2026) -> None:
    import time_machine
    from django.core.management import call_command
    from django.db import connection, transaction

    from psm.accounts.models import Account, Contact
    from psm.cases import services
    from psm.cases.models import Case, CaseStatus
    from psm.coverage.models import ServicePlan
    from psm.lib.bulk import insert
    from psm.team.models import Role, User

    rng = random.Random(seed)
    now = base_instant()
    t0 = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0)
    with transaction.atomic():
        plan = ServicePlan.objects.create(name="Standard", slug="standard")
        engineers = insert(
            [
                User(
                    username=f"e{i:03d}",
                    first_name="Engineer",
                    last_name=f"{i:03d}",
                    email=f"e{i:03d}@provider.example",
                    role=Role.ENGINEER,
                    timezone=rng.choice(["Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
                )
                for i in range(n_engineers)
            ]
        )
        accounts = insert(
            [
                Account(
                    name=f"Client {i:04d}",
                    slug=f"c{i:04d}",
                    service_plan=plan,
                    timezone="Europe/Berlin",
                    country="DE",
                )
                for i in range(n_accounts)
            ]
        )
        contact = Contact.objects.create(account=accounts[0], name="Ada")
        with time_machine.travel(now - 2 * DAY, tick=False):
            model = services.open_case(None, accounts[0], title="Printer", contact=contact)
        model = Case.objects.get(pk=model.pk)
        Case.objects.all().delete()
        statuses = [CaseStatus.NEW] * 3 + [CaseStatus.OPEN] * 5 + [CaseStatus.WAITING_ON_PROVIDER]
        counters: dict[int, int] = {}
        rows: list[Case] = []
        for i in range(n_cases):
            account = accounts[i % n_accounts]
            number = counters[account.pk] = counters.get(account.pk, 0) + 1
            opened = now - dt.timedelta(seconds=rng.randrange(0, 20 * 86400))
            answered = rng.random() < 0.6
            fr_due = now + dt.timedelta(seconds=rng.randrange(60, 30 * 86400))
            missed = not answered and rng.random() < 0.08  # about 5 % of all
            if missed:
                fr_due = now - dt.timedelta(seconds=rng.randrange(3600, 5 * 86400))
            update_due = (
                now + dt.timedelta(seconds=rng.randrange(60, 30 * 86400)) if answered else None
            )
            resolution_due = max(fr_due, update_due or fr_due) + dt.timedelta(days=5)
            rows.append(
                Case(
                    account=account,
                    number=number,
                    reference=f"{account.slug.upper()}-{number}",
                    title=f"Case {i} of the sweep benchmark",
                    priority=rng.choice(PRIORITIES),
                    status=CaseStatus.OPEN if answered else rng.choice(statuses),
                    origin=model.origin,
                    assignee=engineers[i % n_engineers],
                    coverage=model.coverage,
                    routing=model.routing,
                    opened_at=opened,
                    first_response_at=opened + dt.timedelta(hours=1) if answered else None,
                    last_update_at=opened + dt.timedelta(hours=1) if answered else None,
                    first_response_due=fr_due,
                    next_update_due=update_due,
                    resolution_due=resolution_due,
                    next_due=min(d for d in (fr_due, update_due, resolution_due) if d),
                    first_response_breached=missed,
                    breached=missed,
                )
            )
            if len(rows) == 5000:
                insert(rows, returning=False)
                rows = []
        insert(rows, returning=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  generated {n_cases:,} cases in {time.perf_counter() - t0:.1f} s", flush=True)


def book_size() -> int:
    from django.db.utils import DatabaseError

    from psm.cases.models import Case

    try:
        return Case.objects.count()
    except DatabaseError:
        return -1


def reset() -> None:
    """Put the flags back and remove what earlier sweeps wrote."""
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from psm.audit.models import AuditEntry
    from psm.cases.models import Case
    from psm.insights.models import AccountDay, BookDay, EngineerDay, SlaOutcome
    from psm.notifications.models import Notification

    now = base_instant()
    with transaction.atomic():
        Case.objects.filter(first_response_due__gte=now - dt.timedelta(hours=1)).update(
            first_response_breached=False, first_response_warned=False
        )
        Case.objects.filter(first_response_breached=False).update(breached=False)
        Case.objects.update(
            next_update_breached=False,
            next_update_warned=False,
            resolution_breached=False,
            resolution_warned=False,
        )
        AuditEntry.objects.filter(action="case.breach").delete()
        Notification.objects.all().delete()
        SlaOutcome.objects.all().delete()
        AccountDay.objects.all().delete()
        BookDay.objects.all().delete()
        EngineerDay.objects.all().delete()
        DBTaskResult.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_case")


# -- measuring -------------------------------------------------------------------------------


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)


def timed(fn: Callable[[], Any]) -> tuple[float, float, int, Any]:
    """Wall seconds, CPU seconds of this process, queries, result."""
    from django.db import connection

    counter = Counter()
    with connection.execute_wrapper(counter):
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, counter.n, result


def old_sweep() -> Callable[..., dict[str, int]]:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BEFORE_COMMIT}:src/psm/cases/sweeps.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("psm_sweeps_before")
    exec(compile(source, "sweeps_before.py", "exec"), module.__dict__)
    return module.sweep  # type: ignore[no-any-return]


def measure(
    sweep: Callable[..., dict[str, int]], steady: int, burst: int, label: str
) -> dict[str, Any]:
    from django.db import connection, transaction

    from psm.cases.models import Case

    reset()
    now = base_instant()
    out: dict[str, Any] = {"label": label, "load_before": load()}
    # Catch up once (the book's first sweep sees the warnings of the next 30 minutes).
    sweep(now)
    times, cpus, queries, handled = [], [], [], []
    for k in range(1, steady + 1):
        wall, cpu, n, counts = timed(lambda k=k: sweep(now + dt.timedelta(minutes=k)))
        times.append(wall)
        cpus.append(cpu)
        queries.append(n)
        handled.append(counts["breaches"] + counts["warnings"])
    times.sort()
    out["steady_median_ms"] = statistics.median(times) * 1000
    out["steady_p95_ms"] = times[max(0, int(len(times) * 0.95) - 1)] * 1000
    out["steady_cpu_ms"] = statistics.median(cpus) * 1000
    out["steady_queries"] = statistics.median(queries)
    out["steady_handled"] = statistics.mean(handled)
    out["load_steady"] = load()

    # The storm: --burst cases not yet due get their first response due a minute ago.
    at = now + dt.timedelta(minutes=steady + 1)
    victims = list(
        Case.objects.filter(
            first_response_at__isnull=True,
            first_response_breached=False,
            first_response_due__gt=at + dt.timedelta(hours=2),
        )
        .order_by("pk")
        .values_list("pk", "first_response_due")[:burst]
    )
    with transaction.atomic():
        Case.objects.filter(pk__in=[pk for pk, _ in victims]).update(
            first_response_due=at - dt.timedelta(minutes=1)
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
    out["load_burst_before"] = load()
    wall, cpu, n, counts = timed(lambda: sweep(at))
    out.update(burst_s=wall, burst_cpu_s=cpu, burst_queries=n, burst_breaches=counts["breaches"])
    out["load_burst"] = load()
    # Put the due times back.
    table = Case._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f'UPDATE "{table}" SET "first_response_due" = %s WHERE "id" = %s',
            [(connection.ops.adapt_datetimefield_value(due), pk) for pk, due in victims],
        )
    return out


def explain() -> str:
    """The plan of the breach claim's pick at this size (PostgreSQL), for the record."""
    from django.db import connection

    from psm.cases import sweeps

    target = sweeps.TARGETS[0]
    sql = sweeps.candidates_sql(target, target.breached, f'"{target.due}" <= %s')
    at = connection.ops.adapt_datetimefield_value(base_instant())
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) {sql}", [at, 500])
        return "\n".join(row[0] for row in cursor.fetchall())


def run_one(args: argparse.Namespace, database: str) -> list[dict[str, Any]]:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'sweep.sqlite3'}"
    else:
        url = args.pg_database_url
        ensure_pg_database(url)
    setup(url, workdir)
    from django.core.management import call_command
    from django.db import connection

    from psm.cases import sweeps

    call_command("migrate", verbosity=0)
    if args.regenerate or book_size() != args.cases:
        print(f"{database}: generating the book", flush=True)
        generate(args.cases, args.accounts, args.engineers)
    results = []
    print(f"{database}: measuring (load {load()})", flush=True)
    results.append(measure(sweeps.sweep, args.steady, args.burst, "now"))
    if args.before:
        print(f"{database}: measuring the sweep before issue 12 (load {load()})", flush=True)
        results.append(measure(old_sweep(), max(3, args.steady // 10), args.burst, "before"))
    if connection.vendor == "sqlite":
        name = f"SQLite {connection.Database.sqlite_version}"
    else:
        major, minor = divmod(connection.pg_version, 10000)
        name = f"PostgreSQL {major}.{minor}"
    for r in results:
        r["database"] = name
    if connection.vendor == "postgresql":
        print(explain())
    return results


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Command: `.venv/bin/python benchmarks/sweep.py {' '.join(sys.argv[1:])}`".rstrip() + "  ",
        f"Machine: {machine()} (the load average is printed beside each figure)  ",
        f"Date: {when}; book: {args.cases:,} running cases, {args.accounts} accounts, "
        f"{args.engineers} engineers; burst: {args.burst:,} first responses due at once",
        "",
        "| database | sweep | steady: wall median / p95 (CPU median) | queries | burst: wall (CPU) "
        "| queries "
        "| breaches | load average (1/5/15 min) before → after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['label']} "
            f"| {r['steady_median_ms']:.1f} / {r['steady_p95_ms']:.1f} ms "
            f"({r['steady_cpu_ms']:.1f} ms) "
            f"| {r['steady_queries']:.0f} "
            f"| **{r['burst_s']:.2f} s** ({r['burst_cpu_s']:.2f} s) | {r['burst_queries']:,} "
            f"| {r['burst_breaches']:,} | {r['load_before']} → {r['load_burst']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-database-url", default=DEFAULT_PG)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "psm-sweep-bench"))
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--engineers", type=int, default=50)
    parser.add_argument("--steady", type=int, default=30, help="steady-state sweeps")
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--before", action="store_true", help="also the sweep before issue 12")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--write", action="store_true", help="append the table to BENCHMARKS.md")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child run: one database
    args = parser.parse_args()

    if args.one:
        import json

        print("RESULT " + json.dumps(run_one(args, args.one)), flush=True)
        return 0
    # One child process per database: Django is set up once per process.
    import json

    results: list[dict[str, Any]] = []
    for database in args.databases.split(","):
        child = subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--one", database],
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in child.stdout.splitlines():
            if line.startswith("RESULT "):
                results.extend(json.loads(line[7:]))
            else:
                print(line)
        if child.returncode:
            return child.returncode
    text = table(results, args)
    print(text)
    if args.write:
        with (ROOT / "BENCHMARKS.md").open("a") as f:
            f.write("\n" + text)
    ok = all(r["burst_s"] < 5 for r in results if r["label"] == "now") and all(
        r["steady_median_ms"] < 100
        for r in results
        if r["label"] == "now" and r["database"].startswith("PostgreSQL")
    )
    print("targets (steady < 100 ms on PostgreSQL, burst < 5 s):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
