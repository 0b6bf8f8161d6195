"""Coverage engine benchmark: due times per second, and the same queries vs businesstimedelta.

    .venv/bin/python benchmarks/coverage_bench.py [--quick] [--out FILE]

Measures, on one core (one Python process, one thread):
1. due-time computations per second for N random (calendar, instant, duration) queries over
   200 random calendars (zones, weekly hours incl. split shifts and 7x24, holidays), through
   ``Calendar.add_epoch``, the engine's integer path (POSIX seconds in and out): what the
   product's hot loops use; ``Calendar.add`` takes it for whole-second instants;
2. side by side with the `businesstimedelta` library, exactly the same 20,000 queries (those
   whose calendar fits its model: one interval per working day, the same hours every working
   day, a pytz zone and a holiday list) through the same kind of API on both sides — an
   aware ``datetime`` and a ``timedelta`` in, an aware ``datetime`` out (ours:
   ``Calendar.add``; theirs: ``BusinessTimeDelta(rules, timedelta) + at``) — in 20 blocks
   that alternate which side goes first, timed by CPU time (``time.process_time``); the
   ratio is of the two CPU totals, and every answer is compared.

Writes a Markdown report (default /tmp/coverage_bench_results.md) and prints it; exits 1 if
any answer disagrees.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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


def bdt_rules(cals: list[BenchCal]) -> dict[int, object]:
    """`businesstimedelta` rules for the calendars its model can express."""
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
    return rules


def side_by_side(
    cals: list[BenchCal], queries: list[tuple[int, int, int]], limit: int, blocks: int = 20
) -> dict[str, object]:
    """The same ``limit`` queries through both datetime APIs, interleaved, by CPU time."""
    import businesstimedelta as bdt

    rules = bdt_rules(cals)
    subset = [q for q in queries if q[0] in rules][:limit]
    prepared = [
        (cals[k].cal, rules[k], dt.datetime.fromtimestamp(s, dt.UTC), dt.timedelta(seconds=d))
        for k, s, d in subset
    ]

    def ours(chunk: list[tuple[Calendar, object, dt.datetime, dt.timedelta]]) -> list[dt.datetime]:
        return [cal.add(at, td) for cal, _, at, td in chunk]

    def theirs(
        chunk: list[tuple[Calendar, object, dt.datetime, dt.timedelta]],
    ) -> list[dt.datetime]:
        return [bdt.BusinessTimeDelta(rule, timedelta=td) + at for _, rule, at, td in chunk]

    # Warm both (our timelines are built lazily; their rules cache nothing), untimed.
    ours(prepared[:500])
    theirs(prepared[:500])
    cpu = {"ours": 0.0, "theirs": 0.0}
    wall = {"ours": 0.0, "theirs": 0.0}
    answers: dict[str, list[dt.datetime]] = {"ours": [], "theirs": []}
    size = -(-len(prepared) // blocks)
    for b in range(blocks):
        chunk = prepared[b * size : (b + 1) * size]
        sides = [("ours", ours), ("theirs", theirs)]
        for name, fn in sides if b % 2 == 0 else sides[::-1]:
            c0, t0 = time.process_time(), time.perf_counter()
            out = fn(chunk)
            cpu[name] += time.process_time() - c0
            wall[name] += time.perf_counter() - t0
            answers[name].extend(out)
    agree = sum(1 for a, b in zip(answers["ours"], answers["theirs"], strict=True) if a == b)
    examples = [
        f"{cal.zone} {at:%Y-%m-%d %H:%M}Z +{td}: theirs {b.astimezone(dt.UTC):%Y-%m-%d %H:%M}Z, "
        f"ours {a:%Y-%m-%d %H:%M}Z"
        for (cal, _, at, td), a, b in zip(prepared, answers["ours"], answers["theirs"], strict=True)
        if a != b
    ][:5]
    return {
        "n": len(prepared),
        "cpu": cpu,
        "wall": wall,
        "agree": agree,
        "disagree": len(prepared) - agree,
        "examples": examples,
    }


def loaded_or_quiet() -> str:
    """Say how busy the machine was, from the 1-minute load against the cores."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load < cores:
        return "quiet: fewer runnable processes than cores"
    return f"loaded: about {load / cores:.0f} runnable processes per core"


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
    c0 = time.process_time()
    for c in calobj:
        c.is_open_epoch(YEAR0)
        c.is_open_epoch(horizon_end)
    t_build = time.process_time() - c0

    add = Calendar.add_epoch
    first = [add(c, s, d) for c, s, d in work[:1000]]  # warm caches and lazy extensions
    assert len(first) == 1000
    c0, t0 = time.process_time(), time.perf_counter()
    dues = [add(c, s, d) for c, s, d in work]
    t_due, t_due_wall = time.process_time() - c0, time.perf_counter() - t0
    ops = n / t_due
    assert len(dues) == n
    load_due = " ".join(f"{x:.2f}" for x in os.getloadavg())

    # Spot check the fast path against the datetime API on a sample.
    for c, s, d in rng.sample(work, 2000):
        at = dt.datetime.fromtimestamp(s, dt.UTC)
        assert c.add(at, dt.timedelta(seconds=d)).timestamp() == add(c, s, d)

    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    sbs = side_by_side(cals, queries, n_bdt)
    cpu, wall = sbs["cpu"], sbs["wall"]
    assert isinstance(cpu, dict) and isinstance(wall, dict)
    ratio = cpu["theirs"] / cpu["ours"]
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())

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
        f"| build timelines 2026-2028, 200 calendars (cold) | {t_build * 1000:.0f} ms CPU |",
        f"| due-time computations, integer path (`Calendar.add_epoch`, POSIX seconds) "
        f"| {n:,} in {t_due:.2f} s CPU ({t_due_wall:.2f} s wall) = **{ops:,.0f}/s** by CPU "
        f"time (load after: {load_due}) |",
        f"| the same {sbs['n']:,} queries, datetime in and out, 20 interleaved blocks: "
        f"`businesstimedelta` 1.0.1 | {cpu['theirs']:.2f} s CPU ({wall['theirs']:.2f} s wall) = "
        f"{sbs['n'] / cpu['theirs']:,.0f}/s |",
        f"| the same queries: ours (`Calendar.add`) | {cpu['ours']:.3f} s CPU "
        f"({wall['ours']:.3f} s wall) = {sbs['n'] / cpu['ours']:,.0f}/s |",
        f"| ratio of CPU times | **{ratio:,.0f}×** |",
        f"| answers agreeing with `businesstimedelta` | {sbs['agree']:,} agree, "
        f"{sbs['disagree']:,} disagree |",
        "",
        f"Load average (1/5/15 min) before the side-by-side run {load_before}, after "
        f"{load_after} on {os.cpu_count()} cores ({loaded_or_quiet()}).",
        "",
        f"Targets: ≥ 500,000 due computations/s on one core — "
        f"{'met' if ops >= 500_000 else 'NOT met'}; ≥ 30× `businesstimedelta` — "
        f"{'met' if ratio >= 30 else 'NOT met'}.",
    ]
    examples = sbs["examples"]
    assert isinstance(examples, list)
    if examples:
        lines += ["", "Disagreements (first few):", ""]
        lines += [f"- {e}" for e in examples]
    report = "\n".join(lines) + "\n"
    Path(args.out).write_text(report)
    print(report)
    return 0 if sbs["disagree"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
