"""Named calendar cases: every 2026 DST change in New York, London and Sydney, Kathmandu,
year ends, holidays on a Friday, observed holidays, split shifts and API edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from psm.coverage.engine.calendar import Calendar, NeverOpenError, parse_hours
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec

NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)


def every_day(a: int, b: int) -> tuple[tuple[tuple[int, int], ...], ...]:
    return (((a, b),),) * 7


def whole_days(zone: str) -> Calendar:
    return Calendar(zone, every_day(0, 1440))


def day_length(cal: Calendar, zone: str, d: date) -> timedelta:
    tz = ZoneInfo(zone)
    start = datetime(d.year, d.month, d.day, tzinfo=tz)
    nxt = d + timedelta(days=1)
    return cal.covered_between(start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz))


# -- DST changes of 2026 --------------------------------------------------------------------

DST_DAYS = [
    ("America/New_York", date(2026, 3, 8), 23),
    ("America/New_York", date(2026, 11, 1), 25),
    ("Europe/London", date(2026, 3, 29), 23),
    ("Europe/London", date(2026, 10, 25), 25),
    ("Australia/Sydney", date(2026, 4, 5), 25),
    ("Australia/Sydney", date(2026, 10, 4), 23),
    ("Asia/Kathmandu", date(2026, 3, 8), 24),
    ("Australia/Lord_Howe", date(2026, 4, 5), 24.5),
]


@pytest.mark.parametrize(("zone", "day", "hours"), DST_DAYS)
def test_whole_day_lasts_its_real_length(zone: str, day: date, hours: float) -> None:
    assert day_length(whole_days(zone), zone, day) == timedelta(hours=hours)
    # The 24:00 end and the next 00:00 start touch, so the open stretch runs on.
    always = Calendar(zone, None)
    assert day_length(always, zone, day) == timedelta(hours=hours)


def test_new_york_spring_forward_interval_spanning_the_gap() -> None:
    # 2026-03-08 02:00 EST jumps to 03:00 EDT; 01:30–03:30 wall covers one real hour.
    cal = Calendar("America/New_York", ((),) * 6 + (((90, 210),),))
    start = local("America/New_York", 2026, 3, 8, 1, 30)
    assert start == utc(2026, 3, 8, 6, 30)
    assert cal.covered_between(start, start + 5 * H) == H
    assert cal.next_close(start) == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
    assert cal.add(start, timedelta(minutes=45)) == utc(2026, 3, 8, 7, 15)  # 03:15 EDT


def test_new_york_spring_forward_interval_starting_in_the_gap() -> None:
    # 02:30 never shows on the wall; at 03:00 EDT the wall is inside 02:30–04:00.
    cal = Calendar("America/New_York", ((),) * 6 + (((150, 240),),))
    day = utc(2026, 3, 8)
    assert cal.next_open(day) == utc(2026, 3, 8, 7, 0)
    assert cal.covered_between(day, day + 24 * H) == H


def test_new_york_fall_back_repeated_hour_is_open_twice() -> None:
    # 2026-11-01 02:00 EDT falls back to 01:00 EST; wall 00:00–01:30 shows for two hours.
    cal = Calendar("America/New_York", ((),) * 6 + (((0, 90),),))
    day = local("America/New_York", 2026, 11, 1)
    assert cal.covered_between(day, day + 24 * H) == 2 * H
    assert cal.is_open(local("America/New_York", 2026, 11, 1, 1, 15, fold=1))
    assert not cal.is_open(local("America/New_York", 2026, 11, 1, 1, 45, fold=0))
    assert cal.next_open(utc(2026, 11, 1, 5, 45)) == utc(2026, 11, 1, 6, 0)


def test_new_york_business_day_across_spring_forward_weekend() -> None:
    cal = Calendar("America/New_York")
    # The example: Friday 16:00 EST + 240 min = Monday 11:00 EDT.
    assert cal.add(utc(2026, 3, 6, 21), timedelta(minutes=240)) == utc(2026, 3, 9, 15)
    assert cal.covered_between(utc(2026, 3, 6, 21), utc(2026, 3, 9, 15)) == 4 * H


def test_new_york_business_day_across_fall_back_weekend() -> None:
    cal = Calendar("America/New_York")
    # Friday 2026-10-30 16:00 EDT (20:00Z) + 2h = Monday 09:00 EST (14:00Z).
    assert cal.add(utc(2026, 10, 30, 20), 2 * H) == utc(2026, 11, 2, 14)


def test_london_changes() -> None:
    cal = Calendar("Europe/London", every_day(30, 150))  # 00:30–02:30 wall
    spring = local("Europe/London", 2026, 3, 29)
    # 00:30–01:00 GMT then 02:00–02:30 BST: one unbroken real hour.
    assert cal.covered_between(spring, spring + 24 * H) == H
    assert cal.next_close(spring) == utc(2026, 3, 29, 1, 30)
    assert cal.next_open(utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 29, 1, 0)  # 02:00 BST
    autumn = local("Europe/London", 2026, 10, 25)
    # 00:30 BST (23:30Z) until the second 02:30 (02:30Z): the wall never leaves the interval.
    assert cal.covered_between(autumn, autumn + 24 * H) == 3 * H
    assert cal.next_close(autumn) == utc(2026, 10, 25, 2, 30)


def test_london_business_hours_after_clocks_change() -> None:
    cal = Calendar("Europe/London")
    assert cal.add(utc(2026, 3, 27, 16), 2 * H) == utc(2026, 3, 30, 8)  # 09:00 BST
    assert cal.add(utc(2026, 10, 23, 15), 3 * H) == utc(2026, 10, 26, 10)  # 10:00 GMT


def test_sydney_changes() -> None:
    cal = Calendar("Australia/Sydney", every_day(120, 240))  # 02:00–04:00 wall
    autumn = local("Australia/Sydney", 2026, 4, 5)  # 03:00 AEDT -> 02:00 AEST
    # 02:00–03:00 AEDT, then 02:00–04:00 AEST: three real hours.
    assert cal.covered_between(autumn, autumn + 25 * H) == 3 * H
    spring = local("Australia/Sydney", 2026, 10, 4)  # 02:00 AEST -> 03:00 AEDT
    assert cal.covered_between(spring, spring + 23 * H) == H
    assert cal.next_open(spring) == utc(2026, 10, 3, 16)  # 03:00 AEDT


def test_sydney_business_hours_monday_after_change() -> None:
    cal = Calendar("Australia/Sydney")
    # Friday 2026-04-03 16:00 AEDT (05:00Z) + 2h = Monday 09:00 AEST (23:00Z Sunday).
    assert cal.add(utc(2026, 4, 3, 5), 2 * H) == utc(2026, 4, 5, 23)


def test_kathmandu_quarter_hour_offset() -> None:
    cal = Calendar("Asia/Kathmandu")
    monday = utc(2026, 3, 9)
    assert cal.next_open(monday) == utc(2026, 3, 9, 2, 15)  # 08:00 +05:45
    assert cal.next_close(monday) == utc(2026, 3, 9, 11, 15)
    assert cal.add(monday, 10 * H) == utc(2026, 3, 10, 3, 15)
    kolkata = Calendar("Asia/Kolkata")
    assert kolkata.next_open(monday) == utc(2026, 3, 9, 2, 30)


def test_year_end_with_new_years_day_holiday() -> None:
    cal = Calendar("America/New_York", holidays=HolidaySpec("US"))
    # Thu 2026-12-31 16:00 EST: 1h, Fri 1 Jan holiday, weekend, Mon 4 Jan 08:00 + 3h.
    assert cal.add(utc(2026, 12, 31, 21), 4 * H) == utc(2027, 1, 4, 16)
    assert cal.covered_between(utc(2026, 12, 31), utc(2027, 1, 5)) == 18 * H


def test_year_end_7x24_crosses_the_horizon_seamlessly() -> None:
    cal = Calendar("Pacific/Chatham", None)
    start = utc(2026, 12, 31, 20)
    assert cal.add(start, 10 * H) == utc(2027, 1, 1, 6)
    assert cal.next_close(start) is None  # open for years
    with_holiday = Calendar("Pacific/Chatham", None, HolidaySpec(add=frozenset({date(2027, 1, 1)})))
    # 1 January starts at 00:00 +13:45 = 10:15Z on 31 December.
    assert with_holiday.next_close(start - 12 * H) == utc(2026, 12, 31, 10, 15)
    assert with_holiday.add(start, H) == utc(2027, 1, 1, 11, 15)


def test_holiday_on_a_friday_observed_independence_day() -> None:
    spec = HolidaySpec("US")
    assert spec.name(date(2026, 7, 3)) == "Independence Day (observed)"
    cal = Calendar("America/New_York", holidays=spec)
    assert not cal.is_open(utc(2026, 7, 3, 15))
    # Thursday 16:00 EDT + 4h: 1h Thursday, Friday off, Monday 08:00 + 3h.
    assert cal.add(utc(2026, 7, 2, 20), 4 * H) == utc(2026, 7, 6, 15)


def test_added_and_removed_holidays() -> None:
    spec = HolidaySpec("US", None, frozenset({date(2026, 12, 24)}), frozenset({date(2026, 7, 3)}))
    cal = Calendar("America/New_York", holidays=spec)
    assert cal.is_open(utc(2026, 7, 3, 15))
    assert not cal.is_open(utc(2026, 12, 24, 15))
    assert spec.name(date(2026, 12, 24)) == "Provider holiday"
    assert spec.with_added([date(2026, 7, 3)]).is_holiday(date(2026, 7, 3))


def test_split_shift_and_midnight_merge() -> None:
    hours = parse_hours(
        {
            "mon": [["08:00", "12:00"], ["13:00", "17:00"], ["22:00", "24:00"]],
            "tue": [["00:00", "02:00"]],
        }
    )
    cal = Calendar("Europe/Berlin", hours)
    noon = local("Europe/Berlin", 2026, 6, 1, 12, 30)
    assert not cal.is_open(noon)
    assert cal.next_open(noon) == local("Europe/Berlin", 2026, 6, 1, 13)
    late = local("Europe/Berlin", 2026, 6, 1, 23)
    assert cal.next_close(late) == local("Europe/Berlin", 2026, 6, 2, 2)  # merged over midnight
    assert cal.add(local("Europe/Berlin", 2026, 6, 1, 11), 2 * H) == local(
        "Europe/Berlin", 2026, 6, 1, 14
    )


def test_pauses_stop_the_clock() -> None:
    cal = Calendar("America/New_York")
    t = utc(2026, 3, 6, 21)
    pause = (utc(2026, 3, 9, 12), utc(2026, 3, 9, 14))  # Monday 08:00–10:00 EDT
    assert cal.add(t, 4 * H, [pause]) == utc(2026, 3, 9, 17)
    assert cal.covered_between(t, utc(2026, 3, 9, 17), [pause]) == 4 * H
    # A pause in closed time changes nothing; overlapping pauses count once.
    assert cal.add(t, 4 * H, [(utc(2026, 3, 7), utc(2026, 3, 8))]) == utc(2026, 3, 9, 15)
    both = [pause, (utc(2026, 3, 9, 13), utc(2026, 3, 9, 14))]
    assert cal.add(t, 4 * H, both) == utc(2026, 3, 9, 17)
    # Ending exactly at a pause's start is the answer; zero duration skips the pause.
    assert cal.add(t, H, [(utc(2026, 3, 6, 22), utc(2026, 3, 9, 13))]) == utc(2026, 3, 6, 22)
    assert cal.add(utc(2026, 3, 9, 12), timedelta(0), [pause]) == utc(2026, 3, 9, 14)


def test_microsecond_instants_are_exact() -> None:
    cal = Calendar("UTC", (((480, 1020),),) + ((),) * 6)
    t = utc(2025, 12, 1, 8) + timedelta(microseconds=3)
    assert cal.add(t, timedelta(hours=9) - timedelta(microseconds=3)) == utc(2025, 12, 1, 17)
    assert cal.add(t, timedelta(microseconds=1)) == t + timedelta(microseconds=1)
    assert cal.covered_between(t, utc(2025, 12, 8, 9)) == timedelta(hours=10, microseconds=-3)


def test_epoch_fast_path_matches_datetime_api() -> None:
    cal = Calendar("America/St_Johns", holidays=HolidaySpec("CA", "NL"))
    s = int(utc(2026, 3, 6, 21).timestamp())
    for k in range(200):
        t = s + k * 3607
        assert (
            cal.add_epoch(t, 5400)
            == cal.add(utc(1970, 1, 1) + timedelta(seconds=t), 90 * H / 60).timestamp()
        )


def test_queries_far_from_the_first_one_extend_the_horizon() -> None:
    cal = Calendar("Australia/Lord_Howe", holidays=HolidaySpec("AU", "NSW"))
    assert cal.is_open(local("Australia/Lord_Howe", 2031, 6, 2, 9))
    assert cal.is_open(local("Australia/Lord_Howe", 2019, 6, 3, 9))
    assert not cal.is_open(local("Australia/Lord_Howe", 2030, 12, 25, 9))
    assert cal.covered_between(utc(2019, 1, 1), utc(2032, 1, 1)) > timedelta(days=1000)
    # Hundreds of business days ahead, computed across several years.
    due = cal.add(utc(2026, 1, 5), timedelta(hours=9 * 500))
    assert due.year == 2027
    assert cal.covered_between(utc(2026, 1, 5), due) == timedelta(hours=9 * 500)


def test_never_open_and_bad_input() -> None:
    closed = Calendar("UTC", ((),) * 7)
    t = utc(2026, 1, 1)
    assert closed.next_open(t) is None
    assert closed.next_close(t) is None
    assert not closed.is_open(t)
    with pytest.raises(NeverOpenError):
        closed.add(t, H)
    assert closed.covered_between(t, t + 1000 * H) == timedelta(0)
    cal = Calendar("UTC")
    with pytest.raises(ValueError, match="naive"):
        cal.is_open(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="negative"):
        cal.add(t, -H)
    assert cal.covered_between(t + H, t) == timedelta(0)
    with pytest.raises(SpecError, match="unknown time zone"):
        Calendar("Mars/Olympus")
    with pytest.raises(SpecError, match=r"hours.tue\[0\]"):
        Calendar("UTC", ((), ((600, 500),), (), (), (), (), ()))


def test_calendars_are_hashable_values_sharing_one_timeline() -> None:
    a = Calendar("Asia/Kolkata", holidays=HolidaySpec("IN"))
    b = Calendar("Asia/Kolkata", holidays=HolidaySpec("IN"))
    assert a == b
    assert hash(a) == hash(b)
    assert a._tl is b._tl
    assert len({a, b, Calendar("Asia/Kolkata")}) == 2
