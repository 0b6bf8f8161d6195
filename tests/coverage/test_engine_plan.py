"""Plans: defaults, calendars per priority, validation naming the field, round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from psm.coverage.engine.calendar import DEFAULT_HOURS
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec
from psm.coverage.engine.plan import PlanSpec


def test_defaults() -> None:
    plan = PlanSpec("Europe/Paris")
    assert plan.hours == DEFAULT_HOURS
    assert plan.always_covered == {"P1"}
    assert dict(plan.first_response) == {"P1": 60, "P2": 240, "P3": 480, "P4": 960}
    assert plan.sla_minutes("resolution", "P1") == 480
    assert plan.sla_minutes("next_update", "P9") is None
    assert plan.priorities == ("P1", "P2", "P3", "P4")
    assert hash(plan) == hash(PlanSpec("Europe/Paris"))


def test_calendar_for_priority() -> None:
    plan = PlanSpec("Europe/Paris", holidays=HolidaySpec("FR"))
    assert plan.calendar_for("P1").hours is None
    assert plan.calendar_for("P1").holidays == HolidaySpec("FR")
    assert plan.calendar_for("P2") == plan.business_calendar()
    sunday_night = datetime(2026, 3, 8, 23, tzinfo=UTC)
    assert plan.calendar_for("P1").is_open(sunday_night)
    assert not plan.calendar_for("P2").is_open(sunday_night)
    assert not plan.calendar_for("P1").is_open(datetime(2026, 7, 14, 12, tzinfo=UTC))


def test_from_dict_and_round_trip() -> None:
    plan = PlanSpec.from_dict(
        {
            "timezone": "America/New_York",
            "hours": {"mon": [["08:00", "12:00"], ["13:00", "24:00"]], "sat": [["10:00", "14:00"]]},
            "holidays": {"country": "US", "subdiv": "NY", "add": ["2026-12-24"], "remove": []},
            "always_covered": ["P1", "P2"],
            "first_response_minutes": {"P1": 30, "P2": 120},
        }
    )
    assert plan.hours is not None
    assert plan.hours[0] == ((480, 720), (780, 1440))
    assert plan.hours[1] == ()  # a day missing from present hours is closed
    assert plan.holidays.add == {date(2026, 12, 24)}
    assert plan.always_covered == {"P1", "P2"}
    assert plan.first_response["P2"] == 120
    assert PlanSpec.from_dict(plan.to_dict()) == plan
    assert PlanSpec.from_dict({"timezone": "UTC"}).hours == DEFAULT_HOURS
    assert PlanSpec.from_dict({"timezone": "UTC", "hours": "24x7"}).hours is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("nope", "plan: must be an object"),
        ({}, "plan.timezone: is required"),
        ({"timezone": "Mars/Base"}, "plan.timezone: unknown time zone 'Mars/Base'"),
        (
            {"timezone": "UTC", "hours": {"mon": [["08:00", "25:00"]]}},
            "plan.hours.mon[0]: end 25:00 is not a time",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": [["8:00", "17:00"]]}},
            "plan.hours.mon[0]: start 8:00 is not a time",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": [["17:00", "08:00"]]}},
            "plan.hours.mon[0]: end 08:00 is not after",
        ),
        (
            {"timezone": "UTC", "hours": {"mon": [["24:00", "24:00"]]}},
            "plan.hours.mon[0]: start 24:00",
        ),
        ({"timezone": "UTC", "hours": {"monday": []}}, "plan.hours.monday: unknown day"),
        ({"timezone": "UTC", "hours": {"tue": [["08:00"]]}}, "plan.hours.tue[0]: must be a"),
        (
            {"timezone": "UTC", "holidays": {"country": "XX"}},
            "plan.holidays.country: unknown country",
        ),
        (
            {"timezone": "UTC", "holidays": {"country": "US", "subdiv": "ZZ"}},
            "plan.holidays.subdiv: US has no",
        ),
        (
            {"timezone": "UTC", "holidays": {"add": ["2026-13-01"]}},
            "plan.holidays.add[0]: '2026-13-01' is not",
        ),
        ({"timezone": "UTC", "always_covered": "P1"}, "plan.always_covered: must be a list"),
        (
            {"timezone": "UTC", "first_response_minutes": {"P1": -5}},
            "plan.first_response_minutes.P1: -5",
        ),
        (
            {"timezone": "UTC", "first_response_minutes": {"P1": True}},
            "plan.first_response_minutes.P1",
        ),
        ({"timezone": "UTC", "colour": "red"}, "plan.colour: unknown field"),
    ],
)
def test_bad_plan_names_the_field(data: object, message: str) -> None:
    with pytest.raises(SpecError) as exc:
        PlanSpec.from_dict(data)
    assert str(exc.value).startswith(message)


def test_holiday_spec_validation() -> None:
    with pytest.raises(SpecError, match="subdivision needs a country"):
        HolidaySpec(None, "NY")
    assert HolidaySpec("GB", "ENG").name(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert HolidaySpec("US", remove=frozenset({date(2026, 12, 25)})).dates(2026) == HolidaySpec(
        "US"
    ).dates(2026) - {date(2026, 12, 25)}
