"""Cadence maths: RRULEs in the client's zone across DST changes and month ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psm.engagement.cadence import Cadence, RuleError, validate_rule

NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def test_weekly_check_in_keeps_local_wall_time_across_spring_forward() -> None:
    cadence = Cadence(
        "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0",
        "America/New_York",
        anchor=local("America/New_York", 2024, 3, 1, 9),
    )
    got = list(_take(cadence.occurrences(utc(2024, 3, 1)), 3))
    # 10:00 EST is 15:00 UTC; after 10 March 10:00 EDT is 14:00 UTC.
    assert got == [utc(2024, 3, 5, 15), utc(2024, 3, 12, 14), utc(2024, 3, 19, 14)]
    assert all(t.astimezone(NY).hour == 10 for t in got)


def test_europe_fall_back_moves_utc_not_wall_time() -> None:
    cadence = Cadence(
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
        "Europe/Berlin",
        anchor=local("Europe/Berlin", 2024, 10, 1, 8),
    )
    got = list(_take(cadence.occurrences(utc(2024, 10, 20)), 2))
    assert got == [utc(2024, 10, 21, 7), utc(2024, 10, 28, 8)]


def test_wall_time_in_spring_gap_reads_with_offset_before_gap() -> None:
    # 02:30 on 10 March 2024 does not exist in New York: RFC 5545 reads it as 03:30 EDT.
    cadence = Cadence(
        "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
        "America/New_York",
        anchor=local("America/New_York", 2024, 3, 8, 0),
    )
    got = list(_take(cadence.occurrences(utc(2024, 3, 9, 12)), 2))
    assert got == [utc(2024, 3, 10, 7, 30), utc(2024, 3, 11, 6, 30)]
    assert got[0].astimezone(NY).hour == 3


def test_twice_occurring_wall_time_means_the_first() -> None:
    cadence = Cadence(
        "FREQ=DAILY;BYHOUR=1;BYMINUTE=30",
        "America/New_York",
        anchor=local("America/New_York", 2024, 11, 1, 0),
    )
    got = list(_take(cadence.occurrences(utc(2024, 11, 3)), 1))
    assert got == [utc(2024, 11, 3, 5, 30)]  # 01:30 EDT, not 01:30 EST (06:30 UTC)


def test_monthly_on_the_31st_skips_short_months_as_rfc_5545_says() -> None:
    cadence = Cadence(
        "FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0", "UTC", anchor=utc(2024, 1, 1)
    )
    got = [t.date().isoformat() for t in _take(cadence.occurrences(utc(2024, 1, 1)), 4)]
    assert got == ["2024-01-31", "2024-03-31", "2024-05-31", "2024-07-31"]


def test_last_day_of_month_with_negative_monthday() -> None:
    cadence = Cadence(
        "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=9;BYMINUTE=0",
        "Asia/Kolkata",
        anchor=local("Asia/Kolkata", 2024, 1, 1, 0),
    )
    got = [
        t.astimezone(ZoneInfo("Asia/Kolkata")).date().isoformat()
        for t in _take(cadence.occurrences(utc(2024, 1, 1)), 4)
    ]
    assert got == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]


def test_quarterly_site_visit_keeps_anchor_day_and_year_end() -> None:
    cadence = Cadence(
        "FREQ=MONTHLY;INTERVAL=3",
        "Australia/Sydney",
        anchor=local("Australia/Sydney", 2024, 11, 15, 9),
    )
    got = [
        t.astimezone(ZoneInfo("Australia/Sydney"))
        for t in _take(cadence.occurrences(utc(2024, 11, 20)), 2)
    ]
    assert [(t.year, t.month, t.day, t.hour) for t in got] == [(2025, 2, 15, 9), (2025, 5, 15, 9)]


def test_next_due_is_first_occurrence_not_covered_by_last_done() -> None:
    cadence = Cadence(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0",
        "UTC",
        anchor=utc(2024, 1, 1),
        tolerance=timedelta(days=2),
    )
    assert cadence.next_due(None) == utc(2024, 1, 2, 10)
    # Done the Sunday before (within 2 days of Tuesday): counts for that Tuesday.
    assert cadence.next_due(utc(2024, 1, 14, 12)) == utc(2024, 1, 30, 10)
    # Done four days early: does not count, the Tuesday is still due.
    assert cadence.next_due(utc(2024, 1, 12, 12)) == utc(2024, 1, 16, 10)
    # Done late (Thursday): that occurrence is covered, the next one is due.
    assert cadence.next_due(utc(2024, 1, 18, 9)) == utc(2024, 1, 30, 10)


def test_overdue_only_after_tolerance() -> None:
    cadence = Cadence("FREQ=WEEKLY", "UTC", anchor=utc(2024, 1, 1), tolerance=timedelta(days=1))
    due = utc(2024, 1, 8)
    assert not cadence.is_overdue(due, utc(2024, 1, 9))
    assert cadence.is_overdue(due, utc(2024, 1, 9, 0, 0, 1))
    assert not cadence.is_overdue(None, utc(2030, 1, 1))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "empty"),
        ("FREQ=HOURLY", "FREQ must be"),
        ("FREQ=WEEKLY;COUNT=3", "COUNT"),
        ("FREQ=WEEKLY;UNTIL=20250101T000000Z", "UNTIL"),
        ("DTSTART:20240101T000000\nRRULE:FREQ=WEEKLY", "DTSTART"),
        ("FREQ=SOMETIMES", "valid"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "no occurrence"),
    ],
)
def test_unusable_rules_are_refused_with_a_reason(rule: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        validate_rule(rule)


def test_prefix_is_accepted_and_dropped() -> None:
    assert validate_rule("RRULE:FREQ=MONTHLY;INTERVAL=3") == "FREQ=MONTHLY;INTERVAL=3"


ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "UTC",
]
RULES = [
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0",
    "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=2;BYMINUTE=30",
    "FREQ=MONTHLY;INTERVAL=3",
    "FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=30",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
]
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    rule=st.sampled_from(RULES),
    anchor=instants,
    after=instants,
    tolerance_days=st.integers(0, 10),
)
def test_occurrences_are_increasing_and_next_due_is_consistent(
    zone: str, rule: str, anchor: datetime, after: datetime, tolerance_days: int
) -> None:
    tolerance = timedelta(days=tolerance_days)
    cadence = Cadence(rule, zone, anchor=anchor, tolerance=tolerance)
    got = list(_take(cadence.occurrences(after), 6))
    assert all(t > after for t in got)
    assert got == sorted(set(got))
    due = cadence.next_due(after)
    if due is not None:
        # Not covered by the last time it was done, and nothing in between is skipped.
        assert due - tolerance > after
        assert due > anchor
        earlier = [t for t in _take(cadence.occurrences(max(after, anchor)), 50) if t < due]
        assert all(t - tolerance <= after for t in earlier)
        # Wall time in the client's zone matches the rule where it fixes the minute.
        if "BYMINUTE=30" in rule:
            assert due.astimezone(ZoneInfo(zone)).minute == 30


def _take(iterator, n: int) -> list[datetime]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) == n:
            break
    return out


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0", "every other Tuesday at 10:00"),
        ("FREQ=WEEKLY;BYDAY=MO,WE", "every Monday and Wednesday"),
        ("FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9", "the first Monday of every month at 09:00"),
        (
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=+2WE;BYHOUR=10;BYMINUTE=0",
            "every 3 months on the second Wednesday at 10:00",
        ),
        ("FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=15;BYHOUR=11", "every 6 months on the 15th at 11:00"),
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1", "every year on the 1st of March"),
        ("FREQ=DAILY;INTERVAL=2", "every 2 days"),
        # What it cannot say well, it leaves as the rule.
        ("FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO", "FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO"),
    ],
)
def test_rules_in_words(rule: str, words: str) -> None:
    from psm.engagement.cadence import rule_in_words

    assert rule_in_words(rule) == words
