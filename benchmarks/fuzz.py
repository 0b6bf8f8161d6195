"""Fuzz PSM's parsers of outside input: hypothesis-generated and mutated inputs.

    .venv/bin/python benchmarks/fuzz.py                       # 100,000 inputs per target
    .venv/bin/python benchmarks/fuzz.py --inputs 5000 --target mail
    .venv/bin/python benchmarks/fuzz.py --target-module psm.advisories.fuzz   # more targets
    .venv/bin/python benchmarks/fuzz.py --crashes /tmp/crashes                # keep inputs

Targets live in ``psm.testing.fuzz`` (the mail parser, the coverage scenario parser); a
module named with --target-module may register more (see that module's docstring). For each
target it prints inputs, answers, clear refusals, crashes (must be 0), the slowest input and
the resident memory at the start, its peak, the end and its growth over the second half
of the run (bounded caches fill in the first half; a leak keeps growing). Exit status 1 when
a target crashed or its memory grew by more than --max-growth-mb.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--target", action="append", help="default: every registered target")
    parser.add_argument("--target-module", action="append", default=[])
    parser.add_argument(
        "--max-growth-mb",
        type=float,
        default=16.0,
        help="the most the memory may grow over the second half of a target's run",
    )
    parser.add_argument("--crashes", help="folder to write crashing inputs to")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psm.settings")
    os.environ.setdefault("PSM_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from psm.testing.fuzz import TARGETS, fuzz

    for module in args.target_module:
        importlib.import_module(module)
    names = args.target or sorted(TARGETS)
    unknown = set(names) - set(TARGETS)
    if unknown:
        print(f"unknown targets: {sorted(unknown)} (known: {sorted(TARGETS)})", file=sys.stderr)
        return 2
    print(f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}")
    print()
    print(
        "| target | inputs | answered | refused (clear error) | crashes | slowest input | "
        "RSS start → peak → end | growth, 2nd half | time |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    failed = False
    for name in names:
        report = fuzz(TARGETS[name], args.inputs, seed=args.seed)
        print(
            f"| {name} | {report.inputs:,} | {report.answered:,} | {report.refused:,} | "
            f"**{len(report.crashes)}** | {report.slowest * 1000:.1f} ms | "
            f"{report.rss_start_mb:.0f} → {report.rss_peak_mb:.0f} → {report.rss_end_mb:.0f} MB | "
            f"{report.second_half_growth_mb:+.1f} MB | {report.seconds:.0f} s |",
            flush=True,
        )
        if report.crashes or report.second_half_growth_mb > args.max_growth_mb:
            failed = True
        if report.crashes and args.crashes:
            folder = Path(args.crashes) / name
            folder.mkdir(parents=True, exist_ok=True)
            for i, crash in enumerate(report.crashes):
                (folder / f"{i:03d}.bin").write_bytes(crash.data)
                (folder / f"{i:03d}.txt").write_text(crash.trace)
        for crash in report.crashes[:5]:
            print(f"\n{name} crash: {crash.error}\n{crash.trace}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
