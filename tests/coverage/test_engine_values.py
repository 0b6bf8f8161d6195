"""Instants formatted by table read exactly as strftime would write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from psm.coverage.engine.plan import PlanSpec
from psm.coverage.engine.values import format_epoch, format_utc

instants = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(3010, 12, 31), timezones=st.just(UTC)
)


@given(instants)
def test_format_utc_writes_what_strftime_writes(t: datetime) -> None:
    assert format_utc(t) == t.strftime("%Y-%m-%dT%H:%M:%SZ")


@given(instants, st.sampled_from(["Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe"]))
def test_format_utc_of_a_local_instant_is_its_utc_instant(t: datetime, zone: str) -> None:
    local = t.astimezone(ZoneInfo(zone))
    assert format_utc(local) == t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_sub_seconds_are_dropped_not_rounded() -> None:
    t = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5)))
    assert format_utc(t) == "2027-01-01T04:59:59Z"
    assert format_epoch(-1) == "1969-12-31T23:59:59Z"


def test_a_plan_builds_each_calendar_once() -> None:
    plan = PlanSpec("Europe/Paris")
    assert plan.calendar_for("P2") is plan.calendar_for("P3") is plan.business_calendar()
    assert plan.calendar_for("P1") is plan.always_calendar()
    assert plan.priorities is plan.priorities
