"""`psm coverage simulate` as a whole command against `businesstimedelta` on the same queries.

    .venv/bin/python benchmarks/simulate_bench.py               # 200,000 due queries
    .venv/bin/python benchmarks/simulate_bench.py --queries 20000 --write

One scenario file: a plan in New York, Mon–Fri 08:00–17:00, its holidays given as explicit
dates (the `holidays` library's US holidays 2025–2030, so both sides read the same list), and
--queries ``due`` queries of the business-hours priorities (P2–P4: what `businesstimedelta`
can model, one interval a working day) at random instants of 2026–2027, half with the plan's
own target and half with an explicit ``minutes`` up to a week of cover.

Two whole commands answer it, each reading the file and writing ``{"answers": [...]}``:
``psm coverage simulate FILE`` (the product's command, Django start-up included), and this
script's ``--peer FILE`` mode, a program of the same shape around `businesstimedelta`
(parse, ``BusinessTimeDelta(rules, minutes) + at``, format UTC). They run alternately,
--rounds times (ours first in odd rounds), each timed by wall clock and by CPU time (user +
system of the child, steadier on a shared machine); the ratio is of the medians of CPU time.
Every answer is compared; the script exits 1 if any differs. The load average is printed
beside each run. ``--write`` appends the table to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ZONE = "America/New_York"
OPEN, CLOSE = (8, 0), (17, 0)
TARGETS = {"P2": 240, "P3": 480, "P4": 960}


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


def scenario(n: int, seed: int) -> dict[str, Any]:
    import holidays

    rng = random.Random(seed)
    days = sorted(d.isoformat() for d in holidays.country_holidays("US", years=range(2025, 2031)))
    hours = [[f"{OPEN[0]:02d}:{OPEN[1]:02d}", f"{CLOSE[0]:02d}:{CLOSE[1]:02d}"]]
    start = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
    span = 2 * 365 * 86400
    queries = []
    for _ in range(n):
        priority = rng.choice(list(TARGETS))
        at = dt.datetime.fromtimestamp(start + rng.randrange(span), dt.UTC)
        q: dict[str, Any] = {"op": "due", "priority": priority, "at": f"{at:%Y-%m-%dT%H:%M:%SZ}"}
        if rng.random() < 0.5:
            q["minutes"] = rng.randrange(1, 5 * 9 * 60)
        queries.append(q)
    return {
        "plan": {
            "timezone": ZONE,
            "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), hours),
            "holidays": {"country": None, "add": days},
            "always_covered": ["P1"],
            "first_response_minutes": {"P1": 60, **TARGETS},
        },
        "queries": queries,
    }


def peer(path: str) -> int:
    """The peer's whole command: read the scenario, answer with businesstimedelta, print."""
    import businesstimedelta as bdt
    import pytz

    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    plan = data["plan"]
    tz = pytz.timezone(plan["timezone"])
    weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    (a, b), *_ = next(iter(plan["hours"].values()))
    work = bdt.WorkDayRule(
        start_time=dt.time.fromisoformat(a),
        end_time=dt.time.fromisoformat(b),
        working_days=[weekdays.index(d) for d in plan["hours"]],
        tz=tz,
    )
    days = [dt.date.fromisoformat(d) for d in plan["holidays"]["add"]]
    rules = bdt.Rules([work, bdt.HolidayRule(days, tz=tz)])
    targets = plan["first_response_minutes"]
    answers = []
    for q in data["queries"]:
        at = dt.datetime.fromisoformat(q["at"].replace("Z", "+00:00"))
        minutes = q.get("minutes", targets[q["priority"]])
        due = bdt.BusinessTimeDelta(rules, timedelta=dt.timedelta(minutes=minutes)) + at
        answers.append({"due": f"{due.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"})
    json.dump({"answers": answers}, sys.stdout)
    return 0


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str, str]:
    """Wall seconds, CPU seconds (user + system of the child), load before, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    loadavg = load()
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, loadavg, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--write", action="store_true", help="append the table to BENCHMARKS.md")
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        return peer(args.peer)

    workdir = Path(tempfile.mkdtemp(prefix="psm-simulate-bench-"))
    path = workdir / "scenario.json"
    path.write_text(json.dumps(scenario(args.queries, args.seed)))
    env = dict(os.environ, PSM_DATA_DIR=str(workdir), PSM_LOG_LEVEL="WARNING")
    env.pop("DATABASE_URL", None)
    ours_cmd = [str(Path(sys.executable).parent / "psm"), "coverage", "simulate", str(path)]
    peer_cmd = [sys.executable, __file__, "--peer", str(path)]
    rows: list[tuple[str, int, float, float, str]] = []
    outputs: dict[str, str] = {}
    for r in range(1, args.rounds + 1):
        order = [("psm", ours_cmd), ("businesstimedelta", peer_cmd)]
        for name, cmd in order if r % 2 else order[::-1]:
            wall, cpu, loadavg, out = run(cmd, env)
            outputs[name] = out
            rows.append((name, r, wall, cpu, loadavg))
            print(f"round {r}: {name}: {wall:.2f} s wall, {cpu:.2f} s CPU (load {loadavg})")
    ours = json.loads(outputs["psm"])["answers"]
    theirs = json.loads(outputs["businesstimedelta"])["answers"]
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]

    def median(name: str, column: int) -> float:
        return statistics.median(row[column] for row in rows if row[0] == name)

    ratio_cpu = median("businesstimedelta", 3) / median("psm", 3)
    ratio_wall = median("businesstimedelta", 2) / median("psm", 2)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    args_text = " ".join(sys.argv[1:])
    lines = [
        f"Command: `.venv/bin/python benchmarks/simulate_bench.py {args_text}`".rstrip() + "  ",
        f"Machine: {machine()} (the load average is printed beside each figure)  ",
        f"Date: {when}; {args.queries:,} `due` queries, one plan (New York, Mon–Fri 08–17, "
        f"US holidays as dates), whole commands, alternately",
        "",
        "| command | round | wall | CPU (user + system) | load average before (1/5/15 min) |",
        "|---|---|---|---|---|",
    ]
    for name, r, wall, cpu, loadavg in rows:
        shown = "`psm coverage simulate`" if name == "psm" else "`businesstimedelta` program"
        lines.append(f"| {shown} | {r} | {wall:.2f} s | {cpu:.2f} s | {loadavg} |")
    lines += [
        "",
        f"Ratio of the median CPU times: **{ratio_cpu:.1f}×** (wall: {ratio_wall:.1f}×); "
        f"answers: {len(ours) - len(differ):,} agree, {len(differ):,} differ.",
    ]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    for i in differ[:5]:
        print(
            "differs:", json.dumps(json.loads(path.read_text())["queries"][i]), ours[i], theirs[i]
        )
    if args.write:
        with (ROOT / "BENCHMARKS.md").open("a") as f:
            f.write("\n" + text)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
