"""Property tests: the calendar against a deliberately naive minute-by-minute model.

The model converts every UTC minute of a bounded window to local wall time with zoneinfo and
asks "is the local date a holiday, is the wall time inside that weekday's intervals?". All
boundaries in these tests are whole minutes (hours on a 15-minute grid, zones with whole-minute
offsets), so a per-minute model is exact.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from psm.coverage.engine.calendar import Calendar, WeeklyHours
from psm.coverage.engine.holidays import HolidaySpec

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Europe/Berlin",
    "Pacific/Kiritimati",
    "America/Adak",
]
MIN = 60
WINDOW_BEFORE = 2 * 1440  # minutes of model before the base instant
WINDOW_AFTER = 14 * 1440  # and after it
PROFILE = settings(max_examples=120, deadline=None)


@functools.cache
def interesting_instants(zone: str) -> tuple[int, ...]:
    """Offset changes of 2026 and 2027 found by an hourly scan, plus the turn of the year."""
    tz = ZoneInfo(zone)
    start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    found = [int(datetime(2026, 12, 31, 12, tzinfo=UTC).timestamp())]
    prev = datetime.fromtimestamp(start, tz).utcoffset()
    for h in range(1, 2 * 366 * 24):
        off = datetime.fromtimestamp(start + h * 3600, tz).utcoffset()
        if off != prev:
            found.append(start + h * 3600)
        prev = off
    return tuple(found)


@st.composite
def day_spans(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    n = draw(st.integers(0, 3))
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * n, max_size=2 * n)))
    # Consecutive pairs of distinct grid points: split shifts, 00:00 starts, 24:00 ends.
    return tuple((points[i] * 15, points[i + 1] * 15) for i in range(0, len(points), 2))


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours | None:
    if draw(st.integers(0, 9)) == 0:
        return None  # always open
    hours = tuple(draw(day_spans()) for _ in range(7))
    if not any(hours):
        hours = (((8 * 60, 17 * 60),), *hours[1:])
    return hours


@dataclass
class Case:
    cal: Calendar
    base: int  # epoch seconds, whole minute
    open_: list[bool]  # per minute of the window
    prefix: list[int]  # prefix[k] = open minutes before minute k

    @property
    def lo(self) -> int:
        return self.base - WINDOW_BEFORE * MIN

    def index(self, s: int) -> int:
        return (s - self.lo) // MIN

    def at(self, k: int) -> int:
        return self.lo + k * MIN

    def covered(self, a: int, b: int) -> int:
        return (self.prefix[self.index(b)] - self.prefix[self.index(a)]) * MIN

    def add(self, a: int, minutes: int) -> int | None:
        """Model of add: first instant with ``minutes`` open minutes since ``a``."""
        k = self.index(a)
        if minutes == 0:
            while k < len(self.open_) and not self.open_[k]:
                k += 1
            return self.at(k) if k < len(self.open_) else None
        want = self.prefix[k] + minutes
        j = bisect_left(self.prefix, want)
        return self.at(j) if j < len(self.prefix) else None


def model(zone: str, hours: WeeklyHours | None, holidays: frozenset[date], base: int) -> Case:
    tz = ZoneInfo(zone)
    lo = base - WINDOW_BEFORE * MIN
    open_: list[bool] = []
    for k in range(WINDOW_BEFORE + WINDOW_AFTER):
        local = datetime.fromtimestamp(lo + k * MIN, tz)
        minute = local.hour * 60 + local.minute
        ok = local.date() not in holidays and (
            hours is None or any(a <= minute < b for a, b in hours[local.weekday()])
        )
        open_.append(ok)
    prefix = [0]
    for ok in open_:
        prefix.append(prefix[-1] + ok)
    cal = Calendar(zone, hours, HolidaySpec(add=holidays))
    return Case(cal, base, open_, prefix)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    hours = draw(weekly_hours())
    anchors = interesting_instants(zone) or (int(datetime(2026, 6, 1, tzinfo=UTC).timestamp()),)
    anchor = draw(st.sampled_from(anchors))
    base = anchor + draw(st.integers(-3 * 1440, 3 * 1440)) * MIN
    base -= base % MIN
    first = datetime.fromtimestamp(base, UTC).date() - timedelta(days=3)
    holidays = frozenset(
        first + timedelta(days=k) for k in draw(st.sets(st.integers(0, 20), max_size=6))
    )
    return model(zone, hours, holidays, base)


def offsets_within(case: Case, draw: st.DrawFn, after: int = 3 * 1440) -> int:
    """An instant near the base; sometimes with seconds so non-minute instants are exercised."""
    k = draw(st.integers(-WINDOW_BEFORE + 1, after))
    return case.base + k * MIN


@PROFILE
@given(cases(), st.data())
def test_is_open_and_next_open_match_model(case: Case, data: st.DataObject) -> None:
    for _ in range(5):
        s = offsets_within(case, data.draw)
        k = case.index(s)
        assert case.cal.is_open_epoch(s) == case.open_[k]
        t = datetime.fromtimestamp(s, UTC)
        assert case.cal.is_open(t) == case.open_[k]
        expected = case.add(s, 0)
        got = case.cal.next_open(t)
        if expected is not None:
            assert got == datetime.fromtimestamp(expected, UTC)
            # next_close: the model's first closed minute after the open stretch.
            j = case.index(expected)
            while j < len(case.open_) and case.open_[j]:
                j += 1
            close = case.cal.next_close(t)
            if j < len(case.open_):
                assert close == datetime.fromtimestamp(case.at(j), UTC)
            else:
                assert close is None or close >= datetime.fromtimestamp(case.at(j), UTC)


@PROFILE
@given(cases(), st.data())
def test_add_and_covered_between_match_model(case: Case, data: st.DataObject) -> None:
    for _ in range(5):
        s = offsets_within(case, data.draw)
        minutes = data.draw(st.integers(0, 3 * 1440))
        expected = case.add(s, minutes)
        t = datetime.fromtimestamp(s, UTC)
        if expected is not None:
            due = case.cal.add(t, timedelta(minutes=minutes))
            assert due == datetime.fromtimestamp(expected, UTC)
            assert case.cal.add_epoch(s, minutes * MIN) == expected
        e = s + data.draw(st.integers(0, 5 * 1440)) * MIN
        if case.index(e) <= len(case.open_):
            got = case.cal.covered_between(t, datetime.fromtimestamp(e, UTC))
            assert got == timedelta(seconds=case.covered(s, e))


@PROFILE
@given(cases(), st.data())
def test_pauses_match_model(case: Case, data: st.DataObject) -> None:
    s = offsets_within(case, data.draw)
    pauses: list[tuple[int, int]] = []
    for _ in range(data.draw(st.integers(0, 3))):
        a = s + data.draw(st.integers(-600, 4 * 1440)) * MIN
        pauses.append((a, a + data.draw(st.integers(0, 1440)) * MIN))
    # The model: a paused minute is a closed minute.
    open_ = list(case.open_)
    for a, b in pauses:
        for k in range(max(case.index(a), 0), min(case.index(b), len(open_))):
            open_[k] = False
    prefix = [0]
    for ok in open_:
        prefix.append(prefix[-1] + ok)
    paused = Case(case.cal, case.base, open_, prefix)
    dt_pauses = [
        (datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC)) for a, b in pauses
    ]
    t = datetime.fromtimestamp(s, UTC)
    minutes = data.draw(st.integers(0, 2 * 1440))
    expected = paused.add(s, minutes)
    if expected is not None:
        assert case.cal.add(t, timedelta(minutes=minutes), dt_pauses) == datetime.fromtimestamp(
            expected, UTC
        )
    e = s + data.draw(st.integers(0, 5 * 1440)) * MIN
    got = case.cal.covered_between(t, datetime.fromtimestamp(e, UTC), dt_pauses)
    assert got == timedelta(seconds=paused.covered(s, e))


ANY_CAL = st.builds(
    Calendar,
    st.sampled_from(ZONES),
    weekly_hours(),
    st.builds(
        HolidaySpec,
        st.none(),
        st.none(),
        st.frozensets(st.dates(date(2025, 12, 1), date(2028, 2, 1)), max_size=40),
    ),
)
INSTANT = st.datetimes(
    datetime(2025, 12, 1),
    datetime(2027, 12, 31),
    timezones=st.sampled_from([UTC, ZoneInfo("Asia/Kolkata")]),
)
DURATION = st.timedeltas(timedelta(0), timedelta(days=40))


@settings(max_examples=200, deadline=None)
@given(ANY_CAL, INSTANT, DURATION, DURATION)
def test_identities(cal: Calendar, t: datetime, d1: timedelta, d2: timedelta) -> None:
    due = cal.add(t, d1)
    assert due >= t
    assert cal.covered_between(t, due) == d1
    # add is monotone in the duration, and adding in two steps equals adding at once.
    lo, hi = sorted((d1, d2))
    assert cal.add(t, lo) <= cal.add(t, hi)
    assert cal.add(cal.add(t, lo), hi - lo) == cal.add(t, hi) or hi == lo
    # and monotone in the start instant.
    assert cal.add(t + timedelta(hours=1), d1) >= due
    # covered time is additive.
    mid, end = t + d2 / 3, t + d2
    assert cal.covered_between(t, mid) + cal.covered_between(mid, end) == cal.covered_between(
        t, end
    )
    if d1 > timedelta(0):
        assert due.tzinfo is UTC
        # The due instant lies in the closure of an open stretch.
        assert cal.is_open(due - timedelta(microseconds=1))
    nxt = cal.next_open(t)
    assert nxt is not None
    assert cal.is_open(nxt)
    assert nxt >= t
    assert cal.covered_between(t, nxt) == timedelta(0)
