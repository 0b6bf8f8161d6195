"""Page benchmark: server time of the main pages on a generated book at scale (PostgreSQL).

    .venv/bin/python benchmarks/pages.py \
        [--database-url postgres://postgres@127.0.0.1:5432/psm_pages_bench] \
        [--accounts 2000] [--engineers 100] [--cases 1000000] [--runs 40] [--regenerate]

The database is migrated; when it does not hold a book of exactly this size (or with
--regenerate) it is FLUSHED and a book is generated: --accounts client accounts (sites,
contacts, a primary PSM, a substitute and a manager each), --engineers engineers in teams of
ten under a manager, --cases cases spread over three years (about 2 % still active, each
with its SLA due times, about 8 % of the closed ones with a missed target), two messages per
case on average, a year of monthly check-ins per account, running absences and a page
waiting. Cases and messages go in with COPY; generating 1,000,000 cases takes a few minutes,
measuring then takes about a minute. Reuse the book by running again without --regenerate.

Each page is requested in-process through Django's test client (the whole request: middleware,
views, queries, templates; no network), --runs times after 3 warm-up requests, logged in as
the person who would look at it. Prints median and p95 in milliseconds, and the number of SQL
queries of one request; writes the Markdown table to --out.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/psm_pages_bench"
ZONES = [
    "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Toronto",
    "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Europe/Paris", "Asia/Kolkata",
    "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney", "Africa/Johannesburg",
]  # fmt: skip
PRIORITIES = ["P1"] * 5 + ["P2"] * 20 + ["P3"] * 45 + ["P4"] * 30
ACTIVE_SHARE = 0.02
BREACH_SHARE = 0.08
YEARS = 3
HISTORY_DAYS = 200  # of insights rollups built for the book (see insights_history)


def setup(database_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "PSM_DATA_DIR": tempfile.mkdtemp(prefix="psm-pages-bench-"),
            "PSM_TESTING": "1",
            "PSM_LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SETTINGS_MODULE": "psm.settings",
        }
    )
    import django

    django.setup()


# -- generation ------------------------------------------------------------------------------


def copy_rows(model: Any, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    """COPY rows into a model's table (PostgreSQL), in one statement."""
    from django.db import connection

    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        cols = ", ".join(f'"{c}"' for c in columns)
        with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def generate(n_accounts: int, n_engineers: int, n_cases: int, seed: int = 2026) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    from psm.accounts.models import Account, Contact, ContactEmail, Site
    from psm.cases.models import Case, CaseCounter, Message
    from psm.coverage.engine.plan import PlanSpec
    from psm.coverage.models import ServicePlan
    from psm.engagement.models import CadenceState, Touchpoint
    from psm.paging import services as paging
    from psm.team.models import Absence, Assignment, Engineer, Role, User

    rng = random.Random(seed)
    now = timezone.now()
    t0 = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0)
    password = make_password("bench")

    with transaction.atomic():
        plan = ServicePlan.objects.create(name="Standard", slug="standard")
        User.objects.create(
            username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True, password=password
        )
        n_managers = max(1, n_engineers // 10)
        managers = User.objects.bulk_create(
            User(
                username=f"m{i:02d}",
                first_name="Manager",
                last_name=f"{i:02d}",
                role=Role.MANAGER,
                timezone="Europe/London",
                password=password,
            )
            for i in range(n_managers)
        )
        engineers = User.objects.bulk_create(
            User(
                username=f"e{i:03d}",
                first_name="Engineer",
                last_name=f"{i:03d}",
                role=Role.ENGINEER,
                timezone=ZONES[i % len(ZONES)],
                password=password,
            )
            for i in range(n_engineers)
        )
        Engineer.objects.bulk_create(
            [Engineer(user=m) for m in managers]
            + [
                Engineer(user=e, manager=managers[i // 10 % n_managers], phone="+1 555 0100")
                for i, e in enumerate(engineers)
            ]
        )
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
        sites = Site.objects.bulk_create(
            Site(account=a, name=f"Site {k}", timezone=a.timezone, city=f"City {k}")
            for a in accounts
            for k in range(1 + a.pk % 2)
        )
        site_of = {s.account_id: s for s in sites}
        contacts = Contact.objects.bulk_create(
            Contact(account=a, site=site_of[a.pk], name=f"Contact {a.pk}-{k}")
            for a in accounts
            for k in range(3)
        )
        ContactEmail.objects.bulk_create(
            ContactEmail(contact=c, address=f"c{c.pk}@client.example", is_primary=True)
            for c in contacts
        )
        start = dt.date(2023, 1, 1)
        Assignment.objects.bulk_create(
            Assignment(account=a, engineer=person, role=role, starts_on=start)
            for i, a in enumerate(accounts)
            for person, role in (
                (engineers[i % n_engineers], "primary"),
                (engineers[(i + 1) % n_engineers], "substitute"),
                (managers[(i % n_engineers) // 10 % n_managers], "manager"),
            )
        )
        # Five engineers away now (their substitutes cover), five more away next week.
        away = [k for k in range(10, 20) if k + 1 < n_engineers]
        Absence.objects.bulk_create(
            Absence(
                engineer=engineers[k],
                start=now + dt.timedelta(days=-2 if k < 15 else 7),
                end=now + dt.timedelta(days=5 if k < 15 else 12),
                substitute=engineers[k + 1],
                reason="Annual leave",
            )
            for k in away
        )
        CaseCounter.objects.bulk_create(
            CaseCounter(account=a, last_number=n_cases // n_accounts) for a in accounts
        )
        CadenceState.objects.bulk_create(
            CadenceState(
                account=a,
                kind=kind,
                rrule="FREQ=MONTHLY",
                timezone=a.timezone,
                anchor=now - dt.timedelta(days=365),
                next_due=now + dt.timedelta(days=rng.randint(-10, 30)),
                overdue=False,
            )
            for a in accounts
            for kind in ("check_in", "site_visit")
        )
        CadenceState.objects.filter(next_due__lt=now).update(overdue=True)
        Touchpoint.objects.bulk_create(
            Touchpoint(
                account=a,
                kind="check_in",
                status="completed",
                title=f"Monthly check-in {m}",
                starts_at=now - dt.timedelta(days=30 * m + rng.randint(0, 20)),
                ends_at=now - dt.timedelta(days=30 * m) + dt.timedelta(hours=1),
                timezone=a.timezone,
                owner=engineers[i % n_engineers],
                completed_at=now - dt.timedelta(days=30 * m),
            )
            for i, a in enumerate(accounts)
            for m in range(1, 13)
        )
    print(f"  people, accounts, contacts, cadences: {time.perf_counter() - t0:.1f} s", flush=True)

    contacts_of: dict[int, list[int]] = {}
    for c in contacts:
        contacts_of.setdefault(c.account_id, []).append(c.pk)
    primary_of = {a.pk: engineers[i % n_engineers] for i, a in enumerate(accounts)}
    coverage_of = {
        a.pk: {
            "plan": plan.name,
            "spec": PlanSpec(timezone=a.timezone).to_dict(),
            "settings": plan.settings_with({}, account=a),
        }
        for a in accounts
    }
    per_account = n_cases // n_accounts
    span = dt.timedelta(days=365 * YEARS)
    case_columns = [
        "account_id", "number", "reference", "title", "site_id", "contact_id", "priority",
        "status", "origin", "assignee_id", "coverage", "routing", "opened_at",
        "first_response_at", "last_update_at", "resolved_at", "closed_at", "updated_at",
        "pauses", "first_response_due", "next_update_due", "resolution_due", "next_due",
        "first_response_breached", "next_update_breached", "resolution_breached", "breached",
        "first_response_warned", "next_update_warned", "resolution_warned",
    ]  # fmt: skip
    words = ["agent", "build", "licence", "server", "lock", "slow", "upgrade", "query", "report"]

    def cases() -> Iterator[tuple[Any, ...]]:
        for a in accounts:
            coverage = Jsonb(coverage_of[a.pk])
            engineer = primary_of[a.pk]
            routing = Jsonb(
                {"target": engineer.username, "channel": "email", "reasons": ["primary PSM"]}
            )
            n_active = max(1, round(per_account * ACTIVE_SHARE))
            for number in range(1, per_account + 1):
                active = number > per_account - n_active
                if active:
                    opened = now - dt.timedelta(hours=rng.uniform(1, 24 * 20))
                else:
                    opened = now - span + span * (number / per_account) * rng.uniform(0.98, 1)
                priority = rng.choice(PRIORITIES)
                first_due = opened + dt.timedelta(hours=rng.choice([1, 4, 8, 16]))
                res_due = opened + dt.timedelta(days=rng.choice([1, 3, 7, 14]))
                replied = opened + dt.timedelta(hours=rng.uniform(0.2, 10))
                paused = None
                if active:
                    status = rng.choice(["new", "open", "open", "waiting_on_client"])
                    if status == "new":
                        replied_at = None
                        next_due = now + dt.timedelta(hours=rng.uniform(-6, 30))
                        first_due = next_due
                    else:
                        replied_at = min(replied, now)
                        next_due = now + dt.timedelta(hours=rng.uniform(-3, 120))
                    update_due = next_due if status != "new" else None
                    if status == "waiting_on_client":
                        paused = [[now.isoformat(), None]]
                        next_due = update_due = None
                        res_due = None
                    resolved = closed = None
                    missed = (False, False, False)
                else:
                    status = "closed"
                    replied_at = replied
                    next_due = update_due = None
                    resolved = replied + dt.timedelta(days=rng.uniform(0.5, 10))
                    closed = resolved + dt.timedelta(days=2)
                    late = rng.random() < BREACH_SHARE
                    missed = (late and rng.random() < 0.5, False, late)
                yield (
                    a.pk, number, f"{a.slug.upper()}-{number}",
                    f"{rng.choice(words).capitalize()} {rng.choice(words)} problem {number}",
                    site_of[a.pk].pk, rng.choice(contacts_of[a.pk]), priority, status,
                    rng.choice(["email", "email", "portal", "phone"]), engineer.pk,
                    coverage, routing, opened, replied_at, replied_at, resolved, closed,
                    closed or now, Jsonb(paused or []), first_due, update_due, res_due,
                    next_due, missed[0], missed[1], missed[2], any(missed), False, False, False,
                )  # fmt: skip

    t1 = time.perf_counter()
    with transaction.atomic():
        count = copy_rows(Case, case_columns, cases())
    print(f"  {count:,} cases: {time.perf_counter() - t1:.1f} s", flush=True)

    t2 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, account_id, contact_id, assignee_id, opened_at, first_response_at, title"
            " FROM cases_case"
        )
        case_rows = cursor.fetchall()
    message_columns = [
        "case_id", "direction", "channel", "author_contact_id", "author_user_id", "text",
        "html", "is_internal", "is_automatic", "message_id", "subject", "created_at",
    ]  # fmt: skip
    body = "The build stops at step 3 with a lock error; every developer on the site is blocked."

    def messages() -> Iterator[tuple[Any, ...]]:
        for pk, _account, contact, assignee, opened, replied, title in case_rows:
            yield (pk, "in", "email", contact, None, body, "", False, False, "", title, opened)
            if replied is not None:
                yield (
                    pk, "out", "email", None, assignee, "Thanks, looking at it now.", "",
                    False, False, "", title, replied,
                )  # fmt: skip
                if rng.random() < 0.3:
                    later = replied + dt.timedelta(hours=rng.uniform(0.5, 30))
                    yield (
                        pk, "in", "email", contact, None, "Here are the logs you asked for.",
                        "", False, False, "", title, min(later, now),
                    )  # fmt: skip

    with transaction.atomic():
        count = copy_rows(Message, message_columns, messages())
    print(f"  {count:,} messages: {time.perf_counter() - t2:.1f} s", flush=True)

    # A page waiting for the first engineer, as "my day" would show it.
    first = accounts[0]
    paging.page_psm(first, priority="P1", message="Production is down", contact=contacts[0])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)


def insights_history() -> None:
    """The SLA ledger and daily rollups of the last 200 days (what installing insights on a
    running service does with ``psm insights rollup --since``: the pages look back at most a
    quarter and the satisfaction trend 180 days), then a month of snapshots."""
    from django.utils import timezone

    from psm.insights import rollups

    now = timezone.now()
    t = time.perf_counter()
    rollups.rebuild((now - dt.timedelta(days=HISTORY_DAYS)).date(), now.date(), now=now)
    print(f"  insights rollups of {HISTORY_DAYS} days: {time.perf_counter() - t:.1f} s", flush=True)
    snapshot_history(now, random.Random(7))


def snapshot_history(now: dt.datetime, rng: random.Random, days: int = 30) -> None:
    """Today's health snapshots for real, and the 30 days before them (scores moved by a few
    points a day, so bands change) for the trend charts and the moves between bands."""
    from psm.insights import services
    from psm.insights.health.scoring import band_of
    from psm.insights.models import HealthSnapshot

    t = time.perf_counter()
    services.take_snapshots(now)
    today = list(HealthSnapshot.objects.filter(day=now.date()))
    history = []
    for snapshot in today:
        score = float(snapshot.score or 60)
        for back in range(1, days + 1):
            score = min(100.0, max(0.0, score + rng.uniform(-4, 4)))
            history.append(
                HealthSnapshot(
                    account_id=snapshot.account_id,
                    day=now.date() - dt.timedelta(days=back),
                    score=round(score, 1),
                    band=band_of(round(score, 1)),
                    components=snapshot.components,
                    taken_at=now - dt.timedelta(days=back),
                )
            )
    HealthSnapshot.objects.bulk_create(history, batch_size=2000, ignore_conflicts=True)
    print(f"  health snapshots: {time.perf_counter() - t:.1f} s", flush=True)


def nightly_rollup(runs: int = 2) -> dict[str, Any]:
    """One full nightly pass (``insights.tasks.nightly``): yesterday's and today's rollups
    for every account and engineer, every account's health snapshot, the band-drop alerts."""
    from django.utils import timezone

    from psm.insights.tasks import nightly

    times, report = [], {}
    for _ in range(runs):
        t = time.perf_counter()
        report = nightly(timezone.now())
        times.append(time.perf_counter() - t)
    row = {"page": "Nightly rollup (all accounts and engineers, snapshots, alerts)",
           "median": statistics.median(times) * 1000, "p95": max(times) * 1000,
           "queries": 0, "report": report}  # fmt: skip
    print(f"  nightly rollup: {[round(x, 1) for x in times]} s, {report}", flush=True)
    return row


def book_size() -> tuple[int, int, int]:
    from psm.accounts.models import Account
    from psm.cases.models import Case
    from psm.team.models import Role, User

    return (
        Account.objects.count(),
        User.objects.filter(role=Role.ENGINEER).count(),
        Case.objects.count(),
    )


# -- measuring -------------------------------------------------------------------------------


def measure(label: str, get: Callable[[], Any], runs: int) -> dict[str, Any]:
    from django.db import connection

    for _ in range(3):
        response = get()
        assert response.status_code == 200, (label, response.status_code)
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        get()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        response = get()
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    row = {
        "page": label,
        "median": statistics.median(times),
        "p95": p95,
        "queries": len(queries),
    }
    print(f"  {label}: median {row['median']:.1f} ms, p95 {p95:.1f} ms, {len(queries)} queries")
    return row


def run(runs: int) -> list[dict[str, Any]]:
    from django.test import Client

    from psm.accounts.models import Account
    from psm.cases.models import Case
    from psm.team.models import User

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    engineer, manager, admin = client_for("e000"), client_for("m00"), client_for("admin")
    account = Account.objects.filter(assignments__engineer__username="e000").order_by("pk")[0]
    p3 = Case.objects.filter(priority="P3").count()
    last_page = 2000 if p3 >= 2000 * 50 else max(1, p3 // 50)
    filtered = {"status": "all", "priority": "P3", "sort": "due"}
    pages: list[tuple[str, Callable[[], Any]]] = [
        ("My day (engineer e000)", lambda: engineer.get("/my-day/")),
        (f"Account 360 ({account.slug})", lambda: engineer.get(account.get_absolute_url())),
        (
            "Case list: all statuses, P3, by due — page 1",
            lambda: admin.get("/cases/", filtered),
        ),
        (
            f"Case list: all statuses, P3, by due — page {last_page:,}",
            lambda: admin.get("/cases/", {**filtered, "page": str(last_page)}),
        ),
        ("Manager overview (m00: 10 engineers, their accounts)", lambda: manager.get("/overview/")),
        ("Overview of the whole book (admin)", lambda: admin.get("/overview/")),
        ("Oversight dashboard (m00)", lambda: manager.get("/insights/")),
        ("Oversight dashboard of the whole book (admin)", lambda: admin.get("/insights/")),
        (
            f"Why this score ({account.slug})",
            lambda: engineer.get(f"/accounts/{account.slug}/health/"),
        ),
        ("My performance (e000, this month)", lambda: engineer.get("/insights/performance/")),
        (
            "Performance of e000, this quarter (m00)",
            lambda: manager.get("/insights/performance/e000/", {"period": "quarter"}),
        ),
    ]
    return [measure(label, get, runs) for label, get in pages]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--engineers", type=int, default=100)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--out", default="/tmp/pages_bench_results.md")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the page benchmark runs on PostgreSQL (--database-url postgres://…)")

    setup(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    wanted = (args.accounts, args.engineers, args.cases - args.cases % args.accounts)
    if args.regenerate or book_size() != wanted:
        print(f"generating {args.accounts:,} accounts, {args.engineers} engineers, "
              f"{args.cases:,} cases …", flush=True)  # fmt: skip
        generate(args.accounts, args.engineers, args.cases)
    from psm.insights.models import HealthSnapshot

    if HealthSnapshot.objects.count() < args.accounts:
        print("building the insights history …", flush=True)
        insights_history()
    accounts, engineers, cases = book_size()
    print(f"measuring on {accounts:,} accounts, {engineers} engineers, {cases:,} cases", flush=True)
    rows = run(args.runs)
    nightly = nightly_rollup()

    cpu = platform.processor() or platform.machine()
    try:
        model = subprocess.run(
            ["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        cpu = model or cpu
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Book: {accounts:,} accounts, {engineers} engineers, {cases:,} cases "
        f"(PostgreSQL {pg}); {args.runs} requests per page after 3 warm-up.  ",
        f"Machine: {platform.machine()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}  ",
        f"Date: {date}",
        "",
        "| page | median | p95 | queries |",
        "|---|---:|---:|---:|",
        *(
            f"| {r['page']} | {r['median']:.1f} ms | {r['p95']:.1f} ms | {r['queries']} |"
            for r in rows
        ),
    ]
    lines += [
        "",
        f"One full nightly insights pass (rollups of two days for every account and engineer, "
        f"{nightly['report'].get('snapshots', 0):,} health snapshots, alerts): "
        f"{nightly['median'] / 1000:.1f} s (median of 2), slowest {nightly['p95'] / 1000:.1f} s.",
    ]
    report = "\n".join(lines) + "\n"
    Path(args.out).write_text(report)
    print()
    print(report)
    slow = [r["page"] for r in rows if r["p95"] >= 100]
    if slow:
        print(f"p95 at or over the 100 ms target: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
