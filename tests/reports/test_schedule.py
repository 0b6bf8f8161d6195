"""Report schedules: RRULEs evaluated in the client's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from psm.reports.schedule import DEFAULT_RULES, ScheduleError, next_run, upcoming, validate_rule

NY = "America/New_York"


def test_first_monday_at_nine_new_york_time_across_dst() -> None:
    runs = upcoming(DEFAULT_RULES["month"], NY, datetime(2026, 10, 1, tzinfo=UTC), 3)
    assert runs == [
        datetime(2026, 10, 5, 13, tzinfo=UTC),  # 09:00 EDT
        datetime(2026, 11, 2, 14, tzinfo=UTC),  # 09:00 EST, the day after DST ends
        datetime(2026, 12, 7, 14, tzinfo=UTC),
    ]


def test_next_run_is_strictly_after() -> None:
    at = datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert next_run(DEFAULT_RULES["month"], NY, at) == datetime(2026, 12, 7, 14, tzinfo=UTC)


def test_quarterly_default_runs_in_the_first_week_of_each_quarter() -> None:
    runs = upcoming(DEFAULT_RULES["quarter"], "Europe/Berlin", datetime(2026, 1, 1, tzinfo=UTC), 4)
    assert [r.month for r in runs] == [1, 4, 7, 10]


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("", "empty"),
        ("FREQ=HOURLY", "FREQ must be"),
        ("FREQ=MONTHLY;COUNT=3", "remove COUNT"),
        ("DTSTART:20260101T090000\nRRULE:FREQ=DAILY", "PSM sets DTSTART"),
        ("FREQ=MONTHLY;BYDAY=XX", "Not a valid"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no occurrence"),
    ],
)
def test_bad_rules_say_why(rule: str, words: str) -> None:
    with pytest.raises(ScheduleError, match=words):
        validate_rule(rule)


def test_prefix_is_accepted_and_dropped() -> None:
    assert validate_rule("RRULE:FREQ=WEEKLY;BYDAY=MO") == "FREQ=WEEKLY;BYDAY=MO"
