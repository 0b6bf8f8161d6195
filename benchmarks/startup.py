"""CLI start-up: how long `psm --help` and a small `psm coverage simulate` take.

    .venv/bin/python benchmarks/startup.py                       # this checkout
    .venv/bin/python benchmarks/startup.py --before 933d289      # also an older commit

Each command runs --runs times (default 15) as a fresh process with this virtualenv's Python;
the script prints the median and the minimum of wall time and of CPU time (user + system of
the child: steadier than wall time on a shared machine) and the load average before each
series. ``--before COMMIT`` checks that commit out into a temporary worktree and runs the same
commands with its ``src`` first on ``PYTHONPATH``, alternating series with this checkout's, so
both see the same load; its ``src`` has no compiled byte-code, as an install before the
Makefile's ``pyc`` step left it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = {
    "plan": {"timezone": "Europe/Berlin"},
    "queries": [{"op": "due", "priority": "P3", "at": "2026-12-24T16:00:00Z"}],
}


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


def once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", help="a commit to compare with (checked out temporarily)")
    parser.add_argument("--write", action="store_true", help="append the table to BENCHMARKS.md")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="psm-startup-"))
    scenario = workdir / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    env = dict(os.environ, PSM_DATA_DIR=str(workdir), PSM_LOG_LEVEL="WARNING")
    env.pop("DATABASE_URL", None)
    python = sys.executable
    commands = {
        "psm --help": [python, "-m", "psm.cli", "--help"],
        "psm coverage simulate (1 query)": [
            python,
            "-m",
            "psm.cli",
            "coverage",
            "simulate",
            str(scenario),
        ],
    }
    checkouts = {"this checkout": str(ROOT / "src")}
    if args.before:
        tree = workdir / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.before],
            check=True,
            capture_output=True,
        )
        checkouts = {f"before ({args.before})": str(tree / "src"), **checkouts}
    results: list[tuple[str, str, str, list[float], list[float]]] = []
    try:
        for name, cmd in commands.items():
            for label, src in checkouts.items():
                run_env = dict(env, PYTHONPATH=src)
                once(cmd, run_env)  # warm the file cache
                loadavg = load()
                samples = [once(cmd, run_env) for _ in range(args.runs)]
                walls = [w for w, _ in samples]
                cpus = [c for _, c in samples]
                results.append((name, label, loadavg, walls, cpus))
                print(
                    f"{name} [{label}]: wall {statistics.median(walls):.3f} s, "
                    f"CPU {statistics.median(cpus):.3f} s (load {loadavg})",
                    flush=True,
                )
    finally:
        if args.before:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(workdir / "before")],
                check=False,
                capture_output=True,
            )
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Command: `.venv/bin/python benchmarks/startup.py {' '.join(sys.argv[1:])}`".rstrip()
        + "  ",
        f"Machine: {machine()} (the load average is printed beside each figure)  ",
        f"Date: {when}; {args.runs} runs of each, as fresh processes",
        "",
        "| command | code | wall: median (min) | CPU: median (min) | load average before |",
        "|---|---|---|---|---|",
    ]
    for name, label, loadavg, walls, cpus in results:
        lines.append(
            f"| `{name}` | {label} | {statistics.median(walls):.3f} s ({min(walls):.3f} s) "
            f"| **{statistics.median(cpus):.3f} s** ({min(cpus):.3f} s) | {loadavg} |"
        )
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.write:
        with (ROOT / "BENCHMARKS.md").open("a") as f:
            f.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
