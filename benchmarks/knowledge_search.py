"""Knowledge-base search benchmark: query latency with 20,000 articles on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/knowledge_search.py                      # both databases
    .venv/bin/python benchmarks/knowledge_search.py --databases sqlite   # one of them
    .venv/bin/python benchmarks/knowledge_search.py --write              # append to BENCHMARKS.md

Each database gets --articles articles (default 20,000): 200 accounts' articles and 5 % global
ones, Markdown bodies of 2–8 paragraphs (headings, lists, code, 40–75 words each drawn with a
Zipf-like law from a 3,000-word vocabulary plus real support words; 4,000 paragraphs rendered
once with ``render.plain_text``), 1–3 tags, 80 % published, 70 % client-visible. They are
written in bulk with their plain text and then indexed whole with
``search.reindex()`` — the FTS5 table on SQLite, the ``search_vector`` column under its GIN
index on PostgreSQL (a database of its own, created if missing).

Measured in this process through ``psm.knowledge.search.search`` (what the staff page and the
portal call, 20 hits with highlighted title and snippet): --queries queries (default 400) of
the kinds people type — one common word, two words, a rare word, a "quoted phrase", ``a or
b``, ``word -other``, and odd input (``"foo AND``) — half as a member of the staff (every
article) and half as a client contact (their account's published client articles and global
ones). Median, p95 and max wall time per query; the machine and the load average are printed
beside every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pgdatabase import ensure_pg_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/psm_knowledge_bench"
SUPPORT_TEXT = (
    "backup restore vob server clearcase license upgrade patch firewall network proxy "
    "certificate database replica snapshot schedule nightly weekly failover cluster "
    "install configure migrate timeout error crash memory disk quota user group permission "
    "build pipeline release branch merge label checkout report dashboard alert monitor"
)
SUPPORT_WORDS = SUPPORT_TEXT.split()


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


def vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    made: set[str] = set()
    while len(made) < 3000:
        made.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return SUPPORT_WORDS + sorted(made)


def zipf_words(rng: random.Random, words: list[str], n: int) -> list[str]:
    weights = [1 / (i + 1) for i in range(len(words))]
    return rng.choices(words, weights=weights, k=n)


def paragraphs(rng: random.Random, words: list[str], n: int = 4000) -> list[tuple[str, str]]:
    """Markdown paragraphs with their plain text (``render.plain_text``, once each: articles
    are made of several, so 20,000 bodies do not need 20,000 renderings)."""
    from psm.knowledge.render import plain_text

    made = []
    for _ in range(n):
        sentence = " ".join(zipf_words(rng, words, rng.randint(40, 75)))
        kind = rng.random()
        if kind < 0.15:
            text = f"## {sentence.split()[0].capitalize()}\n\n{sentence.capitalize()}."
        elif kind < 0.3:
            text = "\n".join(f"- {w}" for w in sentence.split()[:5]) + f"\n\n{sentence}."
        elif kind < 0.35:
            text = f"```\ncleartool lsvob -long {sentence.split()[0]}\n```"
        else:
            text = sentence.capitalize() + "."
        made.append((text, plain_text(text)))
    return made


def setup(database_url: str, workdir: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "PSM_DATA_DIR": str(workdir),
            "PSM_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "psm.settings",
        }
    )
    import django

    django.setup()


def generate(n_articles: int, seed: int, reuse: bool = False) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from psm.accounts.models import Account
    from psm.coverage.models import ServicePlan
    from psm.knowledge import search
    from psm.knowledge.models import Article, Status, Visibility

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    words = vocabulary(rng)
    if reuse and Article.objects.filter(slug__startswith="a").count() == n_articles:
        return {
            "written_s": "reused",
            "indexed_s": "reused",
            "words": words,
            "accounts": list(
                Account.objects.filter(slug__startswith="kb-bench-").values_list("pk", flat=True)
            ),
        }
    pieces = paragraphs(rng, words)
    tags = SUPPORT_WORDS[:30]
    t0 = time.perf_counter()
    with transaction.atomic():
        Article.objects.all().delete()
        Account.objects.filter(slug__startswith="kb-bench-").delete()
        plan, _ = ServicePlan.objects.get_or_create(slug="kb-bench", defaults={"name": "Bench"})
        accounts = Account.objects.bulk_create(
            [
                Account(name=f"Bench {i:03d}", slug=f"kb-bench-{i:03d}", service_plan=plan)
                for i in range(200)
            ]
        )
        now = timezone.now()
        batch: list[Article] = []
        for i in range(n_articles):
            chosen = rng.sample(pieces, rng.randint(2, 8))
            text = "\n\n".join(t for t, _ in chosen)
            title = " ".join(zipf_words(rng, words, rng.randint(3, 8))).capitalize()
            account = None if rng.random() < 0.05 else rng.choice(accounts)
            batch.append(
                Article(
                    account=account,
                    slug=f"a{i}",
                    title=title,
                    body=text,
                    plain=" ".join(p for _, p in chosen),
                    tags=sorted(set(rng.sample(tags, rng.randint(1, 3)))),
                    visibility=Visibility.CLIENT if rng.random() < 0.7 else Visibility.INTERNAL,
                    status=Status.PUBLISHED if rng.random() < 0.8 else Status.DRAFT,
                    revision=1,
                    updated_at=now,
                )
            )
            if len(batch) == 2000:
                Article.objects.bulk_create(batch)
                batch = []
        Article.objects.bulk_create(batch)
    written = time.perf_counter() - t0
    t1 = time.perf_counter()
    with transaction.atomic():
        search.reindex()
    indexed = time.perf_counter() - t1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_article")
    return {
        "written_s": round(written, 1),
        "indexed_s": round(indexed, 1),
        "words": words,
        "accounts": [a.pk for a in accounts],
    }


def queries(rng: random.Random, words: list[str], n: int) -> list[tuple[str, str]]:
    common = words[:60]
    rare = words[1500:]
    kinds = [
        ("one common word", lambda: rng.choice(common)),
        ("two words", lambda: f"{rng.choice(common)} {rng.choice(words[:400])}"),
        ("rare word", lambda: rng.choice(rare)),
        ('"a phrase"', lambda: f'"{rng.choice(common)} {rng.choice(common)}"'),
        ("a or b", lambda: f"{rng.choice(words[:400])} or {rng.choice(words[:400])}"),
        ("word -other", lambda: f"{rng.choice(common)} -{rng.choice(common)}"),
        ("odd input", lambda: rng.choice(['"foo AND', "NEAR(", "backup AND", "*", "-"])),
    ]
    return [(kind, make()) for kind, make in (kinds[i % len(kinds)] for i in range(n))]


def measure(n_queries: int, seed: int, book: dict[str, Any]) -> dict[str, Any]:
    from psm.knowledge import search
    from psm.knowledge.models import Article

    rng = random.Random(seed + 1)
    asked = queries(rng, book["words"], n_queries)
    timings: dict[str, list[float]] = {"staff": [], "client": []}
    hits = 0
    for i, (_, text) in enumerate(asked):
        who = "staff" if i % 2 == 0 else "client"
        scope = (
            Article.objects.all()
            if who == "staff"
            else Article.objects.for_client(rng.choice(book["accounts"]))
        )
        t = time.perf_counter()
        results = search.search(scope, text, limit=20)
        timings[who].append((time.perf_counter() - t) * 1000)
        hits += len(results.hits)
    out: dict[str, Any] = {"hits": hits}
    for who, values in timings.items():
        values.sort()
        out[who] = {
            "n": len(values),
            "median": round(statistics.median(values), 1),
            "p95": round(values[int(0.95 * (len(values) - 1))], 1),
            "max": round(values[-1], 1),
        }
    every = sorted(timings["staff"] + timings["client"])
    out["all"] = {
        "n": len(every),
        "median": round(statistics.median(every), 1),
        "p95": round(every[int(0.95 * (len(every) - 1))], 1),
        "max": round(every[-1], 1),
    }
    return out


def child(args: argparse.Namespace) -> None:
    setup(args.database_url, Path(args.workdir))
    from django.db import connection

    before = load()
    book = generate(args.articles, args.seed, args.reuse)
    result = measure(args.queries, args.seed, book)
    result.update(
        vendor=connection.vendor,
        written_s=book["written_s"],
        indexed_s=book["indexed_s"],
        load_before=before,
        load_after=load(),
    )
    print("RESULT " + json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-database-url", default=DEFAULT_PG)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "psm-kb-bench"))
    parser.add_argument(
        "--reuse", action="store_true", help="Keep a book of the asked size from an earlier run"
    )
    parser.add_argument("--write", action="store_true", help="Append the table to BENCHMARKS.md")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    rows = []
    for name in args.databases.split(","):
        if name == "sqlite":
            url = f"sqlite:///{Path(args.workdir) / 'kb-bench.sqlite3'}"
        else:
            url = args.pg_database_url
            ensure_pg_database(url)
        command = [
            sys.executable, __file__, "--child", "--database-url", url,
            "--workdir", args.workdir, "--articles", str(args.articles),
            "--queries", str(args.queries), "--seed", str(args.seed),
        ]  # fmt: skip
        if args.reuse:
            command.append("--reuse")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.stderr.write(done.stdout + done.stderr)
            sys.exit(1)
        result = json.loads(line[len("RESULT ") :])
        rows.append(result)
        print(
            f"{result['vendor']}: {args.articles:,} articles (written {result['written_s']} s, "
            f"indexed {result['indexed_s']} s); {result['all']['n']} queries: median "
            f"{result['all']['median']} ms, p95 {result['all']['p95']} ms, max "
            f"{result['all']['max']} ms (staff p95 {result['staff']['p95']} ms, client p95 "
            f"{result['client']['p95']} ms); load {result['load_before']} → {result['load_after']}"
        )
    table = report(args, rows, started)
    print(table)
    if args.write:
        with (ROOT / "BENCHMARKS.md").open("a") as handle:
            handle.write("\n" + table)


def seconds(value: Any) -> str:
    return f"{value} s" if isinstance(value, int | float) else str(value)


def report(args: argparse.Namespace, rows: list[dict[str, Any]], started: dt.datetime) -> str:
    lines = [
        "## Knowledge-base search",
        "",
        f"Command: `.venv/bin/python benchmarks/knowledge_search.py` ({args.articles:,} articles, "
        f"{args.queries} queries per database, seed {args.seed}).  ",
        f"Machine: {machine()}  ",
        f"Date: {started:%Y-%m-%d %H:%M} UTC",
        "",
        "| database | written / indexed | queries | median | **p95** | max | staff p95 | "
        "client p95 | load average (before → after) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = "SQLite (FTS5)" if r["vendor"] == "sqlite" else "PostgreSQL (GIN, websearch)"
        lines.append(
            f"| {name} | {seconds(r['written_s'])} / {seconds(r['indexed_s'])} | {r['all']['n']} | "
            f"{r['all']['median']} ms | **{r['all']['p95']} ms** | {r['all']['max']} ms | "
            f"{r['staff']['p95']} ms | {r['client']['p95']} ms | "
            f"{r['load_before']} → {r['load_after']} |"
        )
    lines += [
        "",
        "Each query is one call of `psm.knowledge.search.search` with 20 hits: the count, the "
        "ranked rows, the highlighted title and snippet. Staff queries search every article; "
        "client queries one account's published client articles and the global ones (the "
        "portal's scope). Query kinds in turn: one common word, two words, a rare word, a "
        'quoted phrase, `a or b`, `word -other`, odd input (`"foo AND`, `NEAR(`).',
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
