"""The plan simulator: a JSON scenario in, ``{"answers": [...]}`` out.

This is the contract behind ``psm coverage simulate FILE``; it uses the engine unchanged.
Standalone: ``python -m psm.coverage.engine.simulate FILE`` (``-`` reads stdin); a bad
scenario prints ``error: <field>: <message>`` on stderr and exits with status 2.

Choices the contract leaves open: ``plan.hours`` absent means Mon–Fri 08:00–17:00; present,
a missing day is closed; ``"24x7"`` or null means always open. Instants in answers drop
sub-seconds. ``covered_between`` also accepts ``pauses``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from psm.coverage.engine.calendar import Calendar, NeverOpenError
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.plan import MAX_SLA_MINUTES, PlanSpec
from psm.coverage.engine.routing import route
from psm.coverage.engine.team import TeamSpec
from psm.coverage.engine.values import format_epoch, format_utc, parse_instant

_OPS = ("route", "due", "covered_between")
_FIELDS = {
    "route": {"op", "priority", "at"},
    "due": {"op", "priority", "at", "pauses", "minutes"},
    "covered_between": {"op", "priority", "start", "end", "pauses"},
}


@dataclass(frozen=True)
class _Plan:
    """What every query of a scenario asks of its plan, worked out once."""

    spec: PlanSpec
    team: TeamSpec | None
    calendars: dict[str, Calendar]  # by priority
    first_response: dict[str, int]
    known: str  # the priorities, for error messages
    basic_support: str


def run_scenario(
    scenario: Mapping[str, object], basic_support: str = "basic-support"
) -> dict[str, list[dict[str, object]]]:
    """Answer every query of ``scenario`` in order; SpecError names the first bad field."""
    if not isinstance(scenario, Mapping):
        raise SpecError("", "the scenario must be a JSON object")
    for key in scenario:
        if key not in ("plan", "team", "queries"):
            raise SpecError(key, "unknown field (expected plan, team, queries)")
    if "plan" not in scenario:
        raise SpecError("plan", "is required")
    spec = PlanSpec.from_dict(scenario["plan"], "plan")
    team = TeamSpec.from_dict(scenario["team"], "team") if "team" in scenario else None
    queries = scenario.get("queries", [])
    if not isinstance(queries, list):
        raise SpecError("queries", "must be a list")
    plan = _Plan(
        spec,
        team,
        {p: spec.calendar_for(p) for p in spec.priorities},
        dict(spec.first_response),
        ", ".join(spec.priorities),
        basic_support,
    )
    return {"answers": [_answer(plan, q, f"queries[{i}]") for i, q in enumerate(queries)]}


def _answer(plan: _Plan, q: object, path: str) -> dict[str, object]:
    # ``type(x) is ...`` first: a scenario is parsed JSON, and the ABC checks cost more
    # than answering a query.
    if type(q) is not dict and not isinstance(q, Mapping):
        raise SpecError(path, "must be an object")
    op = q.get("op")
    if op not in _OPS:
        raise SpecError(f"{path}.op", f"{op!r} is not one of {', '.join(_OPS)}")
    fields = _FIELDS[op]
    if not fields.issuperset(q):
        key = next(k for k in q if k not in fields)
        raise SpecError(f"{path}.{key}", f"unknown field for {op}")
    priority = q.get("priority")
    if type(priority) is not str or (cal := plan.calendars.get(priority)) is None:
        raise SpecError(
            f"{path}.priority", f"unknown priority {priority!r} (plan knows {plan.known})"
        )

    if op == "route":
        if plan.team is None:
            raise SpecError("team", "is required for route queries")
        at = _instant(q, "at", path)
        return route(
            plan.spec, plan.team, priority, at, basic_support=plan.basic_support
        ).to_answer()

    pauses = _pauses(q["pauses"], f"{path}.pauses") if "pauses" in q else []
    if op == "due":
        at = _instant(q, "at", path)
        minutes = q["minutes"] if "minutes" in q else plan.first_response.get(priority)
        if minutes is None:
            raise SpecError(
                f"{path}.minutes", f"is required: the plan has no target for {priority}"
            )
        if not (type(minutes) is int and 0 <= minutes <= MAX_SLA_MINUTES) and (
            isinstance(minutes, bool)
            or not isinstance(minutes, int | float)
            or not 0 <= minutes <= MAX_SLA_MINUTES  # also refuses NaN
        ):
            raise SpecError(
                f"{path}.minutes",
                f"{minutes!r} is not a number of minutes from 0 to {MAX_SLA_MINUTES} (10 years)",
            )
        try:
            if not pauses and type(minutes) is int and not at.microsecond:
                # Whole seconds: the calendar's integer path, as ``add`` itself would take.
                due: str | None = format_epoch(
                    int(cal.add_epoch(int(at.timestamp()), minutes * 60))
                )
            else:
                due = format_utc(cal.add(at, timedelta(minutes=minutes), pauses))
        except NeverOpenError:
            due = None
        return {"due": due}

    start, end = _instant(q, "start", path), _instant(q, "end", path)
    if end < start:
        raise SpecError(f"{path}.end", "must not be before start")
    return {"seconds": int(cal.covered_between(start, end, pauses).total_seconds())}


def _instant(q: Mapping[str, object], key: str, path: str) -> datetime:
    if key not in q:
        raise SpecError(f"{path}.{key}", "is required")
    return parse_instant(q[key], f"{path}.{key}")


def _pauses(raw: object, path: str) -> list[tuple[datetime, datetime]]:
    if not isinstance(raw, list):
        raise SpecError(path, "must be a list of {start, end}")
    out = []
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"start", "end"}:
            raise SpecError(where, "must be an object with start and end")
        start, end = _instant(item, "start", where), _instant(item, "end", where)
        if end < start:
            raise SpecError(f"{where}.end", "must not be before start")
        out.append((start, end))
    return out


def simulate_file(file: str) -> tuple[str | None, str | None]:
    """``psm coverage simulate FILE`` (``-``: standard input): the answers as compact JSON and
    None, or None and the message to print after ``error: `` (the command then exits 2)."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        return None, f"{file}: {exc.strerror}"
    except UnicodeDecodeError:
        return None, f"{file}: not UTF-8 text"
    try:
        scenario = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"{file}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    try:
        return json.dumps(run_scenario(scenario)), None
    except SpecError as exc:
        return None, str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m psm.coverage.engine.simulate FILE|-", file=sys.stderr)
        return 2
    try:
        if args[0] == "-":
            scenario = json.load(sys.stdin)
        else:
            with open(args[0], encoding="utf-8") as fh:
                scenario = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"error: {args[0]}: {exc}", file=sys.stderr)
        return 2
    try:
        result = run_scenario(scenario)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
