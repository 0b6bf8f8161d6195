"""Routing rules one by one, with the client's message and the reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec
from psm.coverage.engine.plan import PlanSpec
from psm.coverage.engine.routing import route
from psm.coverage.engine.team import Absence, OnCallRotation, Override, TeamSpec


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


PLAN = PlanSpec(
    "America/New_York",
    holidays=HolidaySpec("US", add=frozenset({date(2026, 12, 24)})),
)
ROTATION = OnCallRotation(("bob", "carol"), utc(2026, 1, 5, 14), timedelta(hours=168))
ABSENCE = Absence("jane", utc(2026, 12, 1, 5), utc(2026, 12, 4, 5), "carol")
TEAM = TeamSpec("jane", "bob", "max", (ABSENCE,), ROTATION)
NAMES = {"jane": "Jane Doe", "bob": "Bob Roe", "carol": "Carol Cole", "max": "Max Moe"}


def test_business_hours_p2_emails_the_primary() -> None:
    r = route(PLAN, TEAM, "P2", utc(2026, 3, 4, 15), names=NAMES)  # Wed 10:00 EST
    assert (r.covered, r.target, r.channel) == (True, "jane", "email")
    assert r.first_response_due == utc(2026, 3, 4, 19)
    assert r.next_covered is None
    assert r.client_message == "Your PSM Jane Doe has been notified by e-mail"
    assert "Wed 10:00 EST is within business hours (mon 08:00–17:00" not in r.reasons
    assert any("within business hours (wed 08:00–17:00, America/New_York)" in x for x in r.reasons)


def test_business_hours_p1_pages_the_primary() -> None:
    r = route(PLAN, TEAM, "P1", utc(2026, 3, 4, 15), names=NAMES)
    assert (r.covered, r.target, r.channel) == (True, "jane", "page")
    assert r.first_response_due == utc(2026, 3, 4, 16)
    assert r.client_message == "Your PSM Jane Doe has been paged"


def test_after_hours_p1_pages_the_on_call_engineer() -> None:
    r = route(PLAN, TEAM, "P1", utc(2026, 3, 7, 15), names=NAMES)  # Saturday
    assert (r.covered, r.target, r.channel) == (True, "bob", "page")
    assert r.first_response_due == utc(2026, 3, 7, 16)
    assert r.client_message == "On-call engineer Bob Roe has been paged"
    assert any(x.startswith("Bob Roe is on call by rotation") for x in r.reasons)
    nxt = route(PLAN, TEAM, "P1", utc(2026, 3, 14, 15))
    assert nxt.target == "carol"


def test_after_hours_p1_without_rotation_pages_who_covers() -> None:
    team = TeamSpec("jane", "bob", "max", (ABSENCE,))
    r = route(PLAN, team, "P1", utc(2026, 3, 7, 15), names=NAMES)
    assert (r.covered, r.target, r.channel) == (True, "jane", "page")
    assert r.client_message == "Your PSM Jane Doe has been paged"
    during = route(PLAN, team, "P1", utc(2026, 12, 2, 3), names=NAMES)  # 22:00 EST
    assert during.target == "carol"
    assert (
        during.client_message
        == "Carol Cole covers for Jane Doe until 3 December and has been paged"
    )


def test_on_call_override_last_listed_wins() -> None:
    rot = OnCallRotation(
        ROTATION.rotation,
        ROTATION.start,
        ROTATION.shift,
        (
            Override("max", utc(2026, 3, 7), utc(2026, 3, 9)),
            Override("dave", utc(2026, 3, 7, 12), utc(2026, 3, 7, 18)),
        ),
    )
    team = TeamSpec("jane", "bob", "max", (), rot)
    assert route(PLAN, team, "P1", utc(2026, 3, 7, 15)).target == "dave"
    assert route(PLAN, team, "P1", utc(2026, 3, 7, 19)).target == "max"


def test_holiday_p1_falls_back_to_basic_support() -> None:
    r = route(PLAN, TEAM, "P1", utc(2026, 12, 25, 8), names=NAMES)
    assert (r.covered, r.target, r.channel) == (False, "basic-support", "fallback")
    assert r.next_covered == utc(2026, 12, 26, 5)  # midnight EST after Christmas
    assert r.first_response_due == utc(2026, 12, 26, 6)
    assert "2026-12-25 is a provider holiday (Christmas Day)" in r.reasons
    assert r.client_message.startswith("25 December is a provider holiday (Christmas Day)")
    custom = route(PLAN, TEAM, "P1", utc(2026, 12, 25, 8), basic_support="helpdesk")
    assert custom.target == "helpdesk"


def test_added_holiday_p1_falls_back_too() -> None:
    r = route(PLAN, TEAM, "P1", utc(2026, 12, 24, 15))
    assert r.channel == "fallback"
    assert "2026-12-24 is a provider holiday (Provider holiday)" in r.reasons


def test_holiday_p2_is_queued_for_the_next_covered_instant() -> None:
    r = route(PLAN, TEAM, "P2", utc(2026, 12, 25, 15), names=NAMES)
    assert (r.covered, r.target, r.channel) == (False, "jane", "queue")
    assert r.next_covered == utc(2026, 12, 28, 13)  # Monday 08:00 EST
    assert r.first_response_due == utc(2026, 12, 28, 17)
    assert r.client_message == "We will answer from Monday 08:00 your time"


def test_out_of_hours_p2_queues_for_whoever_covers_next() -> None:
    # Monday 30 Nov 23:00 EST; Tuesday 08:00 Jane is on leave, so Carol gets it.
    r = route(PLAN, TEAM, "P2", utc(2026, 12, 1, 4), names=NAMES)
    assert (r.channel, r.target, r.next_covered) == ("queue", "carol", utc(2026, 12, 1, 13))
    assert r.client_message == "We will answer from Tuesday 08:00 your time"
    early = route(PLAN, TEAM, "P3", utc(2026, 3, 4, 11), names=NAMES)  # 06:00 EST
    assert early.client_message == "We will answer from today 08:00 your time"


def test_absent_primary_routes_to_the_absence_substitute() -> None:
    r = route(PLAN, TEAM, "P2", utc(2026, 12, 2, 15), names=NAMES)
    assert (r.target, r.channel, r.covering_for) == ("carol", "email", "jane")
    assert r.until == utc(2026, 12, 4, 5)
    assert r.client_message == (
        "Carol Cole covers for Jane Doe until 3 December and has been notified by e-mail"
    )


def test_absence_chain_down_to_the_manager() -> None:
    team = TeamSpec(
        "jane",
        "bob",
        "max",
        (
            ABSENCE,
            Absence("carol", utc(2026, 12, 1), utc(2026, 12, 3)),
            Absence("bob", utc(2026, 12, 2), utc(2026, 12, 10)),
        ),
    )
    assert route(PLAN, team, "P2", utc(2026, 12, 1, 15)).target == "bob"
    assert route(PLAN, team, "P2", utc(2026, 12, 2, 15)).target == "max"
    assert route(PLAN, team, "P2", utc(2026, 12, 3, 15)).target == "carol"
    assert route(PLAN, team, "P2", utc(2026, 12, 4, 15)).target == "jane"


def test_plan_with_more_always_covered_priorities() -> None:
    plan = PlanSpec("Asia/Kathmandu", always_covered=frozenset({"P1", "P2"}))
    r = route(plan, TeamSpec("jane"), "P2", utc(2026, 3, 7, 15))
    assert (r.covered, r.channel, r.target) == (True, "page", "jane")


def test_unknown_priority_and_naive_instant() -> None:
    with pytest.raises(SpecError, match="unknown priority 'P9'"):
        route(PLAN, TEAM, "P9", utc(2026, 3, 4))
    with pytest.raises(ValueError, match="aware"):
        route(PLAN, TEAM, "P1", datetime(2026, 3, 4))


def test_explain_adds_reasons_and_message() -> None:
    data = route(PLAN, TEAM, "P1", utc(2026, 12, 2, 15)).explain()
    assert data["target"] == "carol"
    assert isinstance(data["reasons"], list)
    assert "jane is absent until 2026-12-04 00:00 EST" in data["reasons"]
    assert data["client_message"] == "carol covers for jane until 3 December and has been paged"


def test_reasons_use_display_names_only_when_given() -> None:
    named = route(PLAN, TEAM, "P2", utc(2026, 3, 6, 15), names=NAMES)
    plain = route(PLAN, TEAM, "P2", utc(2026, 3, 6, 15))
    assert "Jane Doe is the primary PSM and is not absent" in named.reasons
    assert "jane is the primary PSM and is not absent" in plain.reasons
