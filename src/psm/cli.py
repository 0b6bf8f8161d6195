"""The ``psm`` command: Django's manage.py for this project, plus PSM's own commands."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if _is_simulate(args):
        simulate(args[2])
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["psm", *args])


def _is_simulate(args: list[str]) -> bool:
    """``psm coverage simulate FILE`` exactly (no options: those go through Django)."""
    return (
        len(args) == 3
        and args[:2] == ["coverage", "simulate"]
        and (args[2] == "-" or not args[2].startswith("-"))
    )


def simulate(file: str) -> None:
    """The plan simulator is the coverage engine alone, which needs no Django: answering
    without starting it saves most of a second per run (BENCHMARKS.md, "CLI start-up")."""
    from psm.coverage.engine.simulate import simulate_file

    answers, error = simulate_file(file)
    if answers is None:
        sys.stderr.write(f"error: {error}\n")
        sys.exit(2)
    sys.stdout.write(f"{answers}\n")


if __name__ == "__main__":
    main()
