"""The simulator contract: answers in order, UTC instants, errors that name the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.simulate import main, run_scenario

BUSINESS = [["08:00", "17:00"]]
SCENARIO: dict[str, Any] = {
    "plan": {
        "timezone": "America/New_York",
        "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), BUSINESS),
        "holidays": {"country": "US", "subdiv": None, "add": ["2026-12-24"], "remove": []},
        "always_covered": ["P1"],
        "first_response_minutes": {"P1": 60, "P2": 240, "P3": 480, "P4": 960},
    },
    "team": {
        "primary": "jane",
        "substitute": "bob",
        "manager": "max",
        "absences": [
            {
                "engineer": "jane",
                "start": "2026-12-01T00:00:00-05:00",
                "end": "2026-12-04T00:00:00-05:00",
                "substitute": "carol",
            }
        ],
        "on_call": {
            "rotation": ["bob", "carol"],
            "start": "2026-01-05T09:00:00-05:00",
            "shift_hours": 168,
            "overrides": [
                {"engineer": "max", "start": "2026-03-07T00:00:00Z", "end": "2026-03-08T00:00:00Z"}
            ],
        },
    },
    "queries": [
        {"op": "route", "priority": "P1", "at": "2026-12-25T08:00:00Z"},
        {"op": "due", "priority": "P2", "at": "2026-03-06T21:00:00Z", "minutes": 240},
        {
            "op": "due",
            "priority": "P2",
            "at": "2026-03-06T21:00:00Z",
            "pauses": [{"start": "2026-03-09T12:00:00Z", "end": "2026-03-09T14:00:00Z"}],
        },
        {
            "op": "covered_between",
            "priority": "P3",
            "start": "2026-03-06T00:00:00Z",
            "end": "2026-03-10T00:00:00Z",
        },
        {"op": "route", "priority": "P2", "at": "2026-12-02T15:00:00Z"},
        {"op": "route", "priority": "P1", "at": "2026-03-07T15:00:00Z"},
        {"op": "route", "priority": "P2", "at": "2026-12-25T15:00:00Z"},
        {"op": "due", "priority": "P3", "at": "2026-03-06T21:00:00.500000+00:00"},
    ],
}


def test_answers_in_order() -> None:
    answers = run_scenario(SCENARIO)["answers"]
    assert answers == [
        {
            "covered": False,
            "target": "basic-support",
            "channel": "fallback",
            "first_response_due": "2026-12-26T06:00:00Z",
            "next_covered": "2026-12-26T05:00:00Z",
        },
        {"due": "2026-03-09T15:00:00Z"},  # the example
        {"due": "2026-03-09T17:00:00Z"},
        {"seconds": 18 * 3600},
        {
            "covered": True,
            "target": "carol",
            "channel": "email",
            "first_response_due": "2026-12-02T19:00:00Z",
            "next_covered": None,
        },
        {
            "covered": True,
            "target": "max",
            "channel": "page",
            "first_response_due": "2026-03-07T16:00:00Z",
            "next_covered": None,
        },
        {
            "covered": False,
            "target": "jane",
            "channel": "queue",
            "first_response_due": "2026-12-28T17:00:00Z",
            "next_covered": "2026-12-28T13:00:00Z",
        },
        {"due": "2026-03-09T19:00:00Z"},  # 480 minutes, sub-seconds dropped
    ]


def test_hours_absent_means_business_default_and_24x7_means_always() -> None:
    scenario = copy.deepcopy(SCENARIO)
    del scenario["plan"]["hours"]
    assert run_scenario(scenario)["answers"][1] == {"due": "2026-03-09T15:00:00Z"}
    scenario["plan"]["hours"] = "24x7"
    assert run_scenario(scenario)["answers"][1] == {"due": "2026-03-07T01:00:00Z"}
    scenario["plan"]["hours"] = {"mon": BUSINESS}  # a missing day is closed
    assert run_scenario(scenario)["answers"][1] == {"due": "2026-03-09T16:00:00Z"}


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    scenario = copy.deepcopy(SCENARIO)
    node: Any = scenario
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return scenario


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["plan", "hours", "mon", 0, 1], "25:00", "plan.hours.mon[0]"),
        (["plan", "timezone"], "Nowhere/Land", "plan.timezone"),
        (["plan", "holidays", "country"], "ZZ", "plan.holidays.country"),
        (["team", "absences", 0, "end"], "2026-11-01T00:00:00Z", "team.absences[0].end"),
        (
            ["team", "on_call", "overrides", 0, "start"],
            "tomorrow",
            "team.on_call.overrides[0].start",
        ),
        (["queries", 0, "op"], "explode", "queries[0].op"),
        (["queries", 0, "priority"], "P7", "queries[0].priority"),
        (["queries", 1, "at"], "2026-03-06T21:00:00", "queries[1].at"),
        (["queries", 1, "minutes"], -1, "queries[1].minutes"),
        (["queries", 2, "pauses", 0, "end"], "2026-03-09T11:00:00Z", "queries[2].pauses[0].end"),
        (["queries", 3, "end"], KeyError, "queries[3].end"),
        (["queries", 3, "colour"], "red", "queries[3].colour"),
        (["queries"], {}, "queries"),
        (["plan"], KeyError, "plan"),
    ],
)
def test_bad_scenario_names_the_field(path: list[Any], value: Any, field: str) -> None:
    with pytest.raises(SpecError) as exc:
        run_scenario(_broken(path, value))
    assert exc.value.field == field
    assert str(exc.value).startswith(f"{field}: ")


def test_route_needs_a_team() -> None:
    scenario = copy.deepcopy(SCENARIO)
    del scenario["team"]
    with pytest.raises(SpecError, match=r"^team: is required"):
        run_scenario(scenario)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(SCENARIO))
    assert main([str(good)]) == 0
    assert json.loads(capsys.readouterr().out)["answers"][1] == {"due": "2026-03-09T15:00:00Z"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_broken(["plan", "hours", "mon", 0, 1], "25:00")))
    assert main([str(bad)]) == 2
    assert capsys.readouterr().err == "error: plan.hours.mon[0]: end 25:00 is not a time\n"
    (tmp_path / "junk.json").write_text("{")
    assert main([str(tmp_path / "junk.json")]) == 2
