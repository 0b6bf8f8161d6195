"""Advisory matching benchmark: 5,000 advisories x 2,000 accounts x 20 installs each.

    .venv/bin/python benchmarks/advisories.py [--database-url URL] [--advisories 5000]
        [--accounts 2000] [--installs 20] [--products 200] [--publish 60] [--seed 2026]

Without --database-url a fresh SQLite file is used (the embedded default); a PostgreSQL
database named there is FLUSHED first. Steps, all in one process on one database:

1. A book: --accounts accounts (a site, a contact who receives advisories, a primary PSM
   among 100 engineers), --products catalog products (a quarter with an alias advisories
   use), --installs installs per account on popular products (Zipf-like), 4-part versions.
2. Import rate: --advisories real-looking CSAF 2.0 documents (vendor/product/version
   branches, a quarter with an architecture branch, vers ranges, fixed versions, not-affected
   and under-investigation statuses, about 8 % free-text ranges, a few other vendors'
   products, CVSS v3.1 vectors, notes, remediations), each through the real path
   (``import_document``: schema validation, product tree, statements, incremental matching,
   the PSMs' work items and their e-mails in the outbox).
3. Full re-match: every install against every statement, (a) written as a difference
   against the stored rows (nothing changes) and (b) from an empty table.
4. The naive all-pairs matcher (every advisory against every install, nothing indexed) in
   the same run, compared row by row with the stored matches: the disagreements are counted.
5. Incremental publish: --publish more documents, one at a time; the time of the matching
   step alone (match + work items + e-mails) and of the whole import of one document.

Prints a Markdown table (and exits 1 on any disagreement).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

VECTORS = [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "HIGH"),
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N", 5.4, "MEDIUM"),
    ("CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.5, "LOW"),
]
PLATFORMS = ["Linux x86_64", "Windows Server 2022", "AIX 7.3 ppc64", "Solaris 11 sparc"]
ARCHES = ["x86_64", "Windows", "ppc64", "sparc"]


def setup(database_url: str | None, flush: bool = True) -> str:
    folder = tempfile.mkdtemp(prefix="psm-adv-bench-")
    url = database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "PSM_DATA_DIR": folder,
            "PSM_TESTING": "1",
            "PSM_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "psm.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if database_url and flush:
        call_command("flush", interactive=False, verbosity=0)
    return url


def version(rng: random.Random) -> tuple[int, int, int, int]:
    return (rng.randint(7, 11), rng.randint(0, 3), rng.randint(0, 3), rng.randint(0, 15))


def dotted(v: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in v)


def generate_book(args: argparse.Namespace, rng: random.Random) -> list[tuple[str, str]]:
    """Returns the catalog as (name advisories use, canonical name)."""
    from django.db import transaction

    from psm.accounts.models import Account, Contact, ContactEmail, InstalledProduct, Product, Site
    from psm.coverage.models import ServicePlan
    from psm.team.models import Assignment, Engineer, Role, User

    with transaction.atomic():
        plan = ServicePlan.objects.create(name="Standard", slug="standard")
        engineers = User.objects.bulk_create(
            User(
                username=f"e{i:03d}",
                email=f"e{i:03d}@psm.example",
                first_name="Engineer",
                last_name=f"{i:03d}",
                role=Role.ENGINEER,
            )
            for i in range(100)
        )
        Engineer.objects.bulk_create(Engineer(user=e) for e in engineers)
        products = Product.objects.bulk_create(
            Product(
                name=f"Product {i:03d}",
                slug=f"product-{i:03d}",
                vendor=f"Vendor {i % 20:02d}",
                aliases=f"Suite Product {i:03d}" if i % 4 == 0 else "",
            )
            for i in range(args.products)
        )
        accounts = Account.objects.bulk_create(
            Account(
                name=f"Client {i:04d}",
                slug=f"client-{i:04d}",
                timezone="Europe/Berlin",
                country="DE",
                service_plan=plan,
            )
            for i in range(args.accounts)
        )
        sites = Site.objects.bulk_create(
            Site(account=a, name="HQ", timezone=a.timezone) for a in accounts
        )
        contacts = Contact.objects.bulk_create(
            Contact(account=a, site=s, name=f"Contact {a.pk}", receives_advisories=True)
            for a, s in zip(accounts, sites, strict=True)
        )
        ContactEmail.objects.bulk_create(
            ContactEmail(contact=c, address=f"c{c.pk}@client.example", is_primary=True)
            for c in contacts
        )
        Assignment.objects.bulk_create(
            Assignment(
                account=a,
                engineer=engineers[i % len(engineers)],
                role="primary",
                starts_on=dt.date(2024, 1, 1),
            )
            for i, a in enumerate(accounts)
        )
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(products))]
        installs = []
        for a, site in zip(accounts, sites, strict=True):
            for product in rng.choices(products, weights, k=args.installs):
                installs.append(
                    InstalledProduct(
                        account=a,
                        site=site,
                        product=product,
                        version=dotted(version(rng)),
                        platform=rng.choice(PLATFORMS),
                    )
                )
        InstalledProduct.objects.bulk_create(installs, batch_size=5000)
    names = []
    for p in products:
        names.append((p.alias_list[0] if p.alias_list and rng.random() < 0.5 else p.name, p.name))
    return names


def document(n: int, rng: random.Random, catalog: list[tuple[str, str]]) -> dict[str, Any]:
    """A real-looking CSAF 2.0 security advisory."""
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(catalog))]
    picked = {name for name, _ in rng.choices(catalog, weights, k=rng.randint(1, 3))}
    if rng.random() < 0.15:
        picked.add(f"Other Product {rng.randint(1, 500)}")  # not in our catalog
    branches, affected, fixed, not_affected, investigating = [], [], [], [], []
    pid = 0
    for name in sorted(picked):
        low = version(rng)
        high = (low[0], low[1], low[2] + rng.randint(1, 2), rng.randint(0, 15))
        leaves = []
        pid += 1
        if rng.random() < 0.08:
            text = rng.choice([f"< V{high[0]}.{high[1]}", f"all versions before {dotted(high)}"])
            leaves.append(("product_version_range", text, f"P{pid}"))
        else:
            leaves.append(
                (
                    "product_version_range",
                    f"vers:generic/>={dotted(low)}|<{dotted(high)}",
                    f"P{pid}",
                )
            )
        (investigating if rng.random() < 0.1 else affected).append(f"P{pid}")
        pid += 1
        leaves.append(("product_version", dotted(high), f"P{pid}"))
        fixed.append(f"P{pid}")
        if rng.random() < 0.3:
            pid += 1
            leaves.append(("product_version", dotted(version(rng)), f"P{pid}"))
            not_affected.append(f"P{pid}")
        nodes = [
            {
                "category": category,
                "name": value,
                "product": {"name": f"{name} {value}", "product_id": product_id},
            }
            for category, value, product_id in leaves
        ]
        if rng.random() < 0.25:
            nodes = [{"category": "architecture", "name": rng.choice(ARCHES), "branches": nodes}]
        branches.append(
            {
                "category": "vendor",
                "name": "Example Vendor",
                "branches": [{"category": "product_name", "name": name, "branches": nodes}],
            }
        )
    vector, score, severity = rng.choice(VECTORS)
    status: dict[str, list[str]] = {"fixed": fixed}
    if affected:
        status["known_affected"] = affected
    if not_affected:
        status["known_not_affected"] = not_affected
    if investigating:
        status["under_investigation"] = investigating
    released = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00Z"
    return {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": "AMBER" if n % 25 == 0 else "WHITE"}},
            "notes": [
                {"category": "summary", "text": f"Vulnerability {n} lets a remote user read data."},
                {"category": "legal_disclaimer", "text": "Provided as is."},
            ],
            "publisher": {
                "category": "vendor",
                "name": "Example Vendor PSIRT",
                "namespace": "https://psirt.example.com",
            },
            "references": [{"summary": "Advisory", "url": f"https://psirt.example.com/a/{n}"}],
            "title": f"Example Vendor advisory {n}: information disclosure",
            "tracking": {
                "current_release_date": released,
                "id": f"EXV-2026-{n:05d}",
                "initial_release_date": released,
                "revision_history": [{"date": released, "number": "1", "summary": "Initial"}],
                "status": "final",
                "version": "1",
            },
        },
        "product_tree": {"branches": branches},
        "vulnerabilities": [
            {
                "cve": f"CVE-2026-{10000 + n}",
                "notes": [{"category": "description", "text": "Details of the flaw."}],
                "product_status": status,
                "remediations": [
                    {
                        "category": "vendor_fix",
                        "details": "Upgrade to the fixed version.",
                        "product_ids": affected + investigating or fixed,
                        "url": f"https://psirt.example.com/fix/{n}",
                    }
                ],
                "scores": [
                    {
                        "products": affected + investigating or fixed,
                        "cvss_v3": {
                            "version": "3.1",
                            "vectorString": vector,
                            "baseScore": score,
                            "baseSeverity": severity,
                        },
                    }
                ],
            }
        ],
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--advisories", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--installs", type=int, default=20)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--publish", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the --database-url book and advisories of an earlier run (its import "
        "rate is read from the advisories' imported_at); measure steps 3-5 again.",
    )
    args = parser.parse_args()
    url = setup(args.database_url, flush=not args.reuse)
    rng = random.Random(args.seed)

    from django.db.models import Max, Min

    from psm.accounts.models import InstalledProduct, Product
    from psm.advisories import importer, matching
    from psm.advisories.models import AccountAdvisory, Advisory, Match, ReviewState, Statement
    from psm.advisories.rules import naive_all_pairs
    from psm.notifications.models import Notification

    if args.reuse and Advisory.objects.count() >= args.advisories:
        book_s = 0.0
        catalog = [
            (p.alias_list[0] if p.alias_list else p.name, p.name) for p in Product.objects.all()
        ]
        rng = random.Random(args.seed + 1)
        documents = [
            json.dumps(document(n, rng, catalog)).encode()
            for n in range(args.advisories, args.advisories + args.publish)
        ]
        sizes = [len(json.dumps(a.document)) for a in Advisory.objects.only("document")[:500]]
        span = Advisory.objects.aggregate(first=Min("imported_at"), last=Max("imported_at"))
        import_s = (span["last"] - span["first"]).total_seconds()
        documents = [b""] * args.advisories + documents
        cat = matching.Catalog.load()
    else:
        t0 = time.perf_counter()
        catalog = generate_book(args, rng)
        book_s = time.perf_counter() - t0
        documents = [
            json.dumps(document(n, rng, catalog)).encode()
            for n in range(args.advisories + args.publish)
        ]
        sizes = [len(d) for d in documents]
        cat = matching.Catalog.load()  # after the book: the products advisories resolve to

        # 2. Import rate through the real path.
        t0 = time.perf_counter()
        for n, raw in enumerate(documents[: args.advisories]):
            report = importer.import_document(raw, f"doc-{n}.json", catalog=cat)
            assert report.imported == 1, report.rejected
        import_s = time.perf_counter() - t0
    stored = Match.objects.count()
    if not stored:
        sys.exit("no advisory matched an install: the book and the documents do not meet")
    items = AccountAdvisory.objects.count()
    mails = Notification.objects.count()

    # 3. Full re-match: as a difference (nothing changes), then from an empty table.
    t0 = time.perf_counter()
    same = matching.match_all()
    full_diff_s = time.perf_counter() - t0
    assert same.created == same.updated == same.removed == 0, same
    Match.objects.all().delete()
    t0 = time.perf_counter()
    rebuilt = matching.match_all()
    full_empty_s = time.perf_counter() - t0
    assert rebuilt.created == stored, (rebuilt.created, stored)

    # 4. The naive matcher on the same rows.
    installs = matching.installs_for(InstalledProduct.objects.all())
    statements = matching.statements_for(Statement.objects.all())
    t0 = time.perf_counter()
    naive = naive_all_pairs(installs, statements)
    naive_s = time.perf_counter() - t0
    ours = {
        (a, i): (s, r, f)
        for a, i, s, r, f in Match.objects.values_list(
            "advisory_id", "install_id", "status", "reason", "fixed_in"
        )
    }
    theirs = {k: (d.status, d.reason, d.fixed_in) for k, d in naive.items()}
    disagreements = len(set(ours.items()) ^ set(theirs.items()))

    # 5. Publish one more advisory at a time.
    timed: list[float] = []
    cpu: list[float] = []
    real = importer.rematch_advisories

    def timing(ids: Any, *, revised: bool = False) -> Any:
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            return real(ids, revised=revised)
        finally:
            timed.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)

    importer.rematch_advisories = timing  # type: ignore[assignment]
    from django.utils import timezone

    publish_start = timezone.now()
    whole: list[float] = []
    for n, raw in enumerate(documents[args.advisories :]):
        start = time.perf_counter()
        importer.import_document(raw, f"new-{n}.json", catalog=cat)
        whole.append(time.perf_counter() - start)
    importer.rematch_advisories = real  # type: ignore[assignment]
    new_matches = Match.objects.filter(advisory__imported_at__gt=publish_start)

    n_installs = InstalledProduct.objects.count()
    n_statements = Statement.objects.count()
    review = Statement.objects.filter(review_state=ReviewState.OPEN).count()
    pairs = args.advisories * n_installs

    def spread(values: list[float]) -> str:
        median, p95 = statistics.median(values) * 1000, percentile(values, 95) * 1000
        return f"median {median:.1f} ms, **p95 {p95:.1f} ms**, max {max(values) * 1000:.1f} ms"

    kb = statistics.median(sizes) / 1024
    rows = [
        (
            "book",
            f"{args.accounts:,} accounts x {args.installs} installs = {n_installs:,} installs, "
            f"{args.products} products ({book_s:.1f} s to generate)",
        ),
        (
            "advisories",
            f"{args.advisories:,} documents, {n_statements:,} statements, median {kb:.1f} KB; "
            f"{review:,} free-text ranges wait for a person",
        ),
        (
            "stored matches",
            f"{stored:,} (install, advisory) rows; {items:,} work items; {mails:,} e-mails to PSMs",
        ),
        (
            "import rate (real path, incl. matching)",
            f"{args.advisories / import_s:.1f} docs/s ({import_s:.1f} s)",
        ),
        ("full re-match, as a difference (0 changes)", f"**{full_diff_s:.2f} s**"),
        (
            "full re-match, from an empty table",
            f"{full_empty_s:.2f} s ({rebuilt.created:,} rows written)",
        ),
        (
            "naive all-pairs matcher, same rows",
            f"{naive_s:.1f} s ({pairs:,} pairs) = {naive_s / full_diff_s:.0f}x slower",
        ),
        ("disagreements with the naive matcher", f"**{disagreements}**"),
        (
            "publish one advisory: incremental match (match + items + e-mails), wall clock",
            f"{spread(timed)} ({len(timed)} documents, {new_matches.count():,} matches)",
        ),
        (
            "the same, CPU time of this process (no waiting for disk or other processes)",
            spread(cpu),
        ),
        ("publish one advisory: whole import (parse, validate, store, match)", spread(whole)),
    ]
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"database: {engine}; python {platform.python_version()}; seed {args.seed}; load {load}")
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
