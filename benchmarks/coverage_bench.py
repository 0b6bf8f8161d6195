"""Coverage engine benchmark: due times per second, holiday recompute, vs businesstimedelta.

    .venv/bin/python benchmarks/coverage_bench.py [--quick] [--out FILE]

Measures, on one core (one Python process, one thread):
1. due-time computations per second for N random (calendar, instant, duration) queries over
   200 random calendars (zones, weekly hours incl. split shifts and 7x24, holidays), through
   ``Calendar.add_epoch`` — the same code ``Calendar.add`` uses for whole-second instants;
2. the time to recompute the first-response due of N open cases after a holiday is added to
   every calendar (new calendars, timelines rebuilt lazily, every due recomputed);
3. the `businesstimedelta` library on a subset of the same queries where its model applies
   (one interval per working day, same hours every working day, pytz zone), its throughput,
   and whether its answers agree with ours.

Writes a Markdown report (default /tmp/coverage_bench_results.md) and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from psm.coverage.engine.calendar import Calendar, WeeklyHours
from psm.coverage.engine.holidays import HolidaySpec

ZONES = [
    "America/New_York", "America/Chicago", "America/Los_Angeles", "America/St_Johns",
    "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Europe/Paris", "Africa/Johannesburg",
    "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "UTC",
]  # fmt: skip
COUNTRIES = [
    ("US", None), ("US", "CA"), ("GB", "ENG"), ("DE", "BY"), ("FR", None), ("IN", None),
    ("AU", "NSW"), ("CA", "ON"), ("NZ", None), ("JP", None), ("NP", None), ("BR", None),
    (None, None),
]  # fmt: skip
YEAR0 = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
SPAN = int(dt.datetime(2028, 1, 1, tzinfo=dt.UTC).timestamp()) - YEAR0


@dataclass
class BenchCal:
    cal: Calendar
    simple: tuple[int, int, tuple[int, ...]] | None  # (start, end, weekdays) if bdt applies


def random_calendar(rng: random.Random) -> BenchCal:
    zone = rng.choice(ZONES)
    country, subdiv = rng.choice(COUNTRIES)
    added = frozenset(
        dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(730)) for _ in range(rng.randrange(6))
    )
    holidays = HolidaySpec(country, subdiv, added)
    kind = rng.random()
    simple: tuple[int, int, tuple[int, ...]] | None = None
    hours: WeeklyHours | None
    if kind < 0.1:
        hours = None  # 7x24 (a P1 calendar)
    elif kind < 0.3:
        # Split shifts, different per day, sometimes running to 24:00.
        days: list[tuple[tuple[int, int], ...]] = []
        for _ in range(7):
            if rng.random() < 0.3:
                days.append(())
                continue
            a = rng.randrange(6 * 60, 10 * 60, 15)
            b = a + rng.randrange(3 * 60, 5 * 60, 15)
            c = b + rng.randrange(30, 120, 15)
            e = rng.choice([c + rng.randrange(2 * 60, 5 * 60, 15), 1440])
            days.append(((a, b), (c, min(e, 1440))))
        hours = tuple(days)
    else:
        a = rng.randrange(6 * 60, 10 * 60 + 1, 15)
        b = a + rng.randrange(6 * 60, 11 * 60 + 1, 15)
        weekdays = (0, 1, 2, 3, 4) if rng.random() < 0.8 else (0, 1, 2, 3, 4, 5)
        hours = tuple(((a, b),) if d in weekdays else () for d in range(7))
        simple = (a, b, weekdays)
    return BenchCal(Calendar(zone, hours, holidays), simple)


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    arch = subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip()
    return f"{arch}, {cpu}, Python {platform.python_version()}"


def run_bdt(
    cals: list[BenchCal], queries: list[tuple[int, int, int]], limit: int
) -> dict[str, float]:
    import businesstimedelta as bdt
    import pytz

    rules: dict[int, object] = {}
    for k, bc in enumerate(cals):
        if bc.simple is None:
            continue
        a, b, weekdays = bc.simple
        if b >= 1440:
            continue
        tz = pytz.timezone(bc.cal.zone)
        days: set[dt.date] = set()
        for y in range(2025, 2033):
            days |= bc.cal.holidays.dates(y)
        work = bdt.WorkDayRule(
            start_time=dt.time(a // 60, a % 60),
            end_time=dt.time(b // 60, b % 60),
            working_days=list(weekdays),
            tz=tz,
        )
        # Its HolidayRule crashes when no holiday lies within five years ahead; a sentinel
        # date in 2030, after every answer, keeps it going without changing any result.
        days.add(dt.date(2030, 1, 1))
        rules[k] = bdt.Rules([work, bdt.HolidayRule(days, tz=tz)])
    subset = [q for q in queries if q[0] in rules][:limit]
    prepared = [
        (rules[k], dt.datetime.fromtimestamp(s, dt.UTC), dt.timedelta(seconds=d), k, s, d)
        for k, s, d in subset
    ]
    t0 = time.perf_counter()
    theirs = [bdt.BusinessTimeDelta(rule, timedelta=td) + at for rule, at, td, *_ in prepared]
    elapsed = time.perf_counter() - t0
    agree = disagree = 0
    examples: list[str] = []
    for (_, at, _td, k, s, d), their in zip(prepared, theirs, strict=True):
        ours = cals[k].cal.add_epoch(s, d)
        if int(their.timestamp()) == ours:
            agree += 1
        else:
            disagree += 1
            if len(examples) < 5:
                examples.append(
                    f"{cals[k].cal.zone} {at:%Y-%m-%d %H:%M}Z +{d // 60}min: "
                    f"theirs {their.astimezone(dt.UTC):%Y-%m-%d %H:%M}Z, "
                    f"ours {dt.datetime.fromtimestamp(ours, dt.UTC):%Y-%m-%d %H:%M}Z"
                )
    return {
        "n": len(prepared),
        "seconds": elapsed,
        "ops": len(prepared) / elapsed,
        "agree": agree,
        "disagree": disagree,
        "examples": examples,  # type: ignore[dict-item]
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 queries instead of 1,000,000")
    parser.add_argument("--out", default="/tmp/coverage_bench_results.md")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    n_bdt = 2_000 if args.quick else 20_000
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    cals = [random_calendar(rng) for _ in range(200)]
    t_specs = time.perf_counter() - t0
    # Durations: the usual SLA targets, plus arbitrary minutes up to a week of cover.
    targets = [60, 120, 240, 480, 960, 1440, 2880]
    queries = [
        (
            rng.randrange(200),
            YEAR0 + rng.randrange(SPAN),
            60 * (rng.choice(targets) if rng.random() < 0.5 else rng.randrange(1, 7 * 1440)),
        )
        for _ in range(n)
    ]
    calobj = [bc.cal for bc in cals]
    work = [(calobj[k], s, d) for k, s, d in queries]

    # Cold: build every calendar's timeline for the query years and the year dues spill into.
    horizon_end = YEAR0 + SPAN + 364 * 86400
    t0 = time.perf_counter()
    for c in calobj:
        c.is_open_epoch(YEAR0)
        c.is_open_epoch(horizon_end)
    t_build = time.perf_counter() - t0

    add = Calendar.add_epoch
    first = [add(c, s, d) for c, s, d in work[:1000]]  # warm caches and lazy extensions
    assert len(first) == 1000
    t0 = time.perf_counter()
    dues = [add(c, s, d) for c, s, d in work]
    t_due = time.perf_counter() - t0
    ops = n / t_due

    # Spot check the fast path against the datetime API on a sample.
    for c, s, d in rng.sample(work, 2000):
        at = dt.datetime.fromtimestamp(s, dt.UTC)
        assert c.add(at, dt.timedelta(seconds=d)).timestamp() == add(c, s, d)

    # Holiday added: new calendars (timelines rebuilt), then every open case recomputed.
    cases = [(k, s, d) for k, s, d in queries]  # (calendar, opened_at, first-response seconds)
    holiday = dt.date(2026, 12, 28)
    t0 = time.perf_counter()
    rebuilt = [Calendar(c.zone, c.hours, c.holidays.with_added([holiday])) for c in calobj]
    for c in rebuilt:
        c.is_open_epoch(YEAR0)
        c.is_open_epoch(horizon_end)
    t_rebuild = time.perf_counter() - t0
    t1 = time.perf_counter()
    new_dues = [add(rebuilt[k], s, d) for k, s, d in cases]
    t_recompute = time.perf_counter() - t1
    moved = sum(1 for a, b in zip(dues, new_dues, strict=True) if a != b)

    bdt_res = run_bdt(cals, queries, n_bdt)
    # Ours on exactly the same subset, for a like-for-like ratio.
    bdt_subset = [w for w, q in zip(work, queries, strict=True) if cals[q[0]].simple][: n_bdt * 5]
    t0 = time.perf_counter()
    for c, s, d in bdt_subset:
        add(c, s, d)
    ops_subset = len(bdt_subset) / (time.perf_counter() - t0)
    ratio = ops_subset / bdt_res["ops"]

    cmd = "python benchmarks/coverage_bench.py" + (" --quick" if args.quick else "")
    lines = [
        "## Coverage engine",
        "",
        f"Command: `.venv/bin/{cmd}`  ",
        f"Machine: {machine()}  ",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC "
        f"(one process, one core, seed {args.seed})",
        "",
        "| measure | result |",
        "|---|---|",
        f"| calendars (random zones, hours, holidays) | 200 ({t_specs:.2f} s to validate specs) |",
        f"| build timelines 2026-2028, 200 calendars (cold) | {t_build * 1000:.0f} ms |",
        f"| due-time computations (`Calendar.add_epoch`) | {n:,} in {t_due:.2f} s = "
        f"**{ops:,.0f}/s** |",
        f"| holiday added: rebuild 200 calendars' timelines 2026-2028 | "
        f"{t_rebuild * 1000:.0f} ms |",
        f"| holiday added: recompute {n:,} open cases' first-response due | "
        f"{t_recompute:.2f} s (total with rebuild **{t_rebuild + t_recompute:.2f} s**; "
        f"{moved:,} dues moved) |",
        f"| `businesstimedelta` 1.0.1 on {bdt_res['n']:,} of the same queries "
        f"(its model: one interval/day) | {bdt_res['ops']:,.0f}/s |",
        f"| ours on that same kind of calendar | {ops_subset:,.0f}/s = **{ratio:,.0f}×** |",
        f"| answers agreeing with `businesstimedelta` | {bdt_res['agree']:,} agree, "
        f"{bdt_res['disagree']:,} disagree |",
        "",
        f"Targets: ≥ 500,000 due computations/s on one core — "
        f"{'met' if ops >= 500_000 else 'NOT met'}; ≥ 30× `businesstimedelta` — "
        f"{'met' if ratio >= 30 else 'NOT met'}.",
    ]
    if bdt_res["examples"]:
        lines += ["", "Disagreements (first few):", ""]
        lines += [f"- {e}" for e in bdt_res["examples"]]  # type: ignore[attr-defined]
    report = "\n".join(lines) + "\n"
    Path(args.out).write_text(report)
    print(report)
    return 0 if bdt_res["disagree"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
