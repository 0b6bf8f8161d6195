"""Periods in the client's zone: months, quarters, ISO weeks and custom spans, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from psm.reports.periods import PeriodError, last_complete, parse

NY = "America/New_York"


def test_october_in_new_york_runs_from_edt_midnight_to_edt_midnight() -> None:
    october = parse("2026-10", NY)
    assert october.start == datetime(2026, 10, 1, 4, tzinfo=UTC)  # 00:00 EDT
    assert october.end == datetime(2026, 11, 1, 4, tzinfo=UTC)  # 00:00 EDT, DST ends later
    # 31 October 23:30 local (EDT) is 1 November 03:30 UTC: still October's.
    late = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)
    assert october.start <= late < october.end
    november = parse("2026-11", NY)
    assert november.start == october.end
    assert november.end == datetime(2026, 12, 1, 5, tzinfo=UTC)  # 00:00 EST


def test_written_forms_read_back() -> None:
    assert parse("2026-Q4", NY).first == date(2026, 10, 1)
    assert parse("2026-Q4", NY).after == date(2027, 1, 1)
    week = parse("2026-W43", "Europe/Berlin")
    assert (week.first, week.last) == (date(2026, 10, 19), date(2026, 10, 25))
    # The Berlin week holds the autumn change (25 October): 7 days of wall time, 169 hours.
    assert (week.end - week.start).total_seconds() == 169 * 3600
    custom = parse("2026-10-01..2026-10-15", NY)
    assert (custom.first, custom.last, custom.kind) == (
        date(2026, 10, 1),
        date(2026, 10, 15),
        "custom",
    )
    for text in ("2026-10", "2026-Q4", "2026-W44", "2026-10-01..2026-10-15"):
        assert parse(text, NY).code == text
    assert parse("2020-W53", NY).first == date(2020, 12, 28)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-13", "not a real period"),
        ("2026-Q5", "not a period"),
        ("2026-W54", "not a real period"),
        ("2026-10-15..2026-10-01", "end is before the start"),
        ("2026-01-01..2027-06-01", "at most 366 days"),
        ("last month", "use YYYY-MM"),
        ("2026-10-01..tomorrow", "ISO days"),
    ],
)
def test_bad_periods_say_why(text: str, words: str) -> None:
    with pytest.raises(PeriodError, match=words):
        parse(text, NY)


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(PeriodError, match="Unknown time zone"):
        parse("2026-10", "Mars/Olympus")


def test_last_complete_period_is_the_one_before_the_local_day() -> None:
    # 1 November 02:00 UTC is still 31 October 22:00 in New York: the last whole month is
    # September there, October in Berlin.
    at = datetime(2026, 11, 1, 2, tzinfo=UTC)
    assert last_complete("month", at, NY).code == "2026-09"
    assert last_complete("month", at, "Europe/Berlin").code == "2026-10"
    assert last_complete("quarter", at, "Europe/Berlin").code == "2026-Q3"
    assert last_complete("week", at, "Europe/Berlin").code == "2026-W43"
    custom = last_complete("custom", at, "Europe/Berlin", days=7)
    assert (custom.first, custom.last) == (date(2026, 10, 25), date(2026, 10, 31))
    with pytest.raises(PeriodError):
        last_complete("custom", at, NY, days=0)


def test_a_half_hour_zone_and_a_year_end() -> None:
    december = parse("2026-12", "Asia/Kolkata")
    assert december.start == datetime(2026, 11, 30, 18, 30, tzinfo=UTC)
    assert december.end == datetime(2026, 12, 31, 18, 30, tzinfo=UTC)
    assert december.previous().code == "2026-11"
    assert parse("2027-01", "Asia/Kolkata").previous().code == "2026-12"
