"""API benchmark: server time of the REST API's lists on a book of 1,000,000 cases
(PostgreSQL).

    .venv/bin/python benchmarks/api.py \
        [--database-url postgres://postgres@127.0.0.1:5432/psm_api_bench] [--runs 60]

The book is benchmarks/pages.py's (generated with COPY when the database does not hold one of
this size: 2,000 accounts, 100 engineers, 1,000,000 cases, about 2 million messages; the
database is FLUSHED then). Each request goes through Django's test client in-process (the
whole request: middleware, bearer-token authentication, the per-token rate limit, the
queries, serialisation; no network), --runs times after 3 warm-up requests, with a personal
access token of the person who would call. Prints median and p95 in milliseconds, the SQL
queries of one request and the load average (1 min) around each measurement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import pages as book  # noqa: E402  (the generator of benchmarks/pages.py)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/psm_api_bench"


def measure(label: str, get: Callable[[], Any], runs: int) -> dict[str, Any]:
    from django.db import connection

    for _ in range(3):
        response = get()
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        get()
    load_before = os.getloadavg()[0]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        response = get()
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    load = (load_before + os.getloadavg()[0]) / 2
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    row = {
        "label": label,
        "median": statistics.median(times),
        "p95": p95,
        "queries": len(queries),
        "items": len(response.json()["items"]),
        "load": load,
    }
    print(
        f"  {label}: median {row['median']:.1f} ms, p95 {p95:.1f} ms, "
        f"{len(queries)} queries, {row['items']} items, load {load:.1f}",
        flush=True,
    )
    return row


def run(runs: int) -> list[dict[str, Any]]:
    from django.conf import settings
    from django.test import Client

    from psm.accounts.models import Contact
    from psm.api import services
    from psm.api.pagination import Order, encode
    from psm.cases.models import Case
    from psm.team.models import Role, User

    settings.PSM_API_RATE = "1000000/m"  # measure the work, not the limit's refusals

    def client_for(user: User) -> Client:
        _, key = services.issue_token(None, user, name="bench", scopes=["read"], expires_days=1)
        return Client(headers={"Authorization": f"Bearer {key}"})

    admin = client_for(User.objects.get(username="admin"))
    engineer = client_for(User.objects.get(username="e000"))
    # A client contact with an API token (the generated book's contacts have no log-in).
    contact = Contact.objects.filter(account__assignments__engineer__username="e000").first()
    assert contact is not None
    if contact.user is None:
        user = User.objects.create_user(f"api-bench-{contact.pk}", role=Role.CLIENT)
        Contact.objects.filter(pk=contact.pk).update(user=user)
        contact.refresh_from_db()
    client = client_for(contact.user)
    # The cursor of a deep page: after the case 500,000 rows into the newest-first list.
    order = Order(("-opened_at", "-id"))
    middle = Case.objects.order_by(*order.fields).only("opened_at", "id")[500_000]
    deep = encode(order.keys(middle), order)
    account = contact.account.slug
    api = "/api/v1"
    lists: list[tuple[str, Callable[[], Any]]] = [
        ("Cases, active, newest first — page 1 (administrator)", lambda: admin.get(f"{api}/cases")),
        (
            "Cases, all statuses, newest first — page 1 (administrator)",
            lambda: admin.get(f"{api}/cases", {"status": "all"}),
        ),
        (
            "Cases, all statuses — the page after 500,000 rows (administrator, cursor)",
            lambda: admin.get(f"{api}/cases", {"status": "all", "cursor": deep}),
        ),
        (
            "Cases, all statuses, P1, limit 200 (administrator)",
            lambda: admin.get(f"{api}/cases", {"status": "all", "priority": "P1", "limit": 200}),
        ),
        (
            "Cases, all statuses, newest first (engineer e000: 20 accounts)",
            lambda: engineer.get(f"{api}/cases", {"status": "all"}),
        ),
        (
            f"Cases of one account, all statuses (client of {account})",
            lambda: client.get(f"{api}/cases", {"status": "all"}),
        ),
        (
            "Cases changed since yesterday, by change (administrator, sync)",
            lambda: admin.get(
                f"{api}/cases",
                {"status": "all", "sort": "updated", "updated_since": _yesterday()},
            ),
        ),
        ("Messages, oldest first (engineer e000)", lambda: engineer.get(f"{api}/messages")),
        ("Accounts (administrator: 2,000)", lambda: admin.get(f"{api}/accounts")),
    ]
    return [measure(label, get, runs) for label, get in lists]


def _yesterday() -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--engineers", type=int, default=100)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the API benchmark runs on PostgreSQL (--database-url postgres://…)")
    book.setup(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    wanted = (args.accounts, args.engineers, args.cases - args.cases % args.accounts)
    if args.regenerate or book.book_size() != wanted:
        print(f"generating {args.accounts:,} accounts, {args.engineers} engineers, "
              f"{args.cases:,} cases …", flush=True)  # fmt: skip
        t = time.perf_counter()
        book.generate(args.accounts, args.engineers, args.cases)
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
        call_command("migrate", verbosity=0)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    accounts, engineers, cases = book.book_size()
    print(f"measuring on {accounts:,} accounts, {engineers} engineers, {cases:,} cases", flush=True)
    rows = run(args.runs)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    model = ""
    try:
        model = Path("/proc/cpuinfo").read_text().split("model name")[1].split("\n")[0]
        model = model.strip(" :\t")
    except (OSError, IndexError):
        pass
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print()
    print(f"Book: {accounts:,} accounts, {engineers} engineers, {cases:,} cases; PostgreSQL {pg}")
    print(f"Machine: {platform.machine()}, {model}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {date}; {args.runs} requests per list")  # fmt: skip
    print()
    print("| list | items | queries | median | p95 | load average (1 min) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['label']} | {r['items']} | {r['queries']} | {r['median']:.1f} ms "
              f"| **{r['p95']:.1f} ms** | {r['load']:.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
