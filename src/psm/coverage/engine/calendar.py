"""Coverage calendars: weekly wall-clock hours in one IANA zone, minus holiday dates.

Semantics (the one rule everything else follows): an instant ``t`` is *open* when the local
date of ``t`` in the calendar's zone is not a holiday and the local wall-clock time of ``t``
lies in one of that weekday's half-open intervals ``[start, end)``. So on a spring-forward day
a 01:30–03:30 interval covers only the real elapsed time (one hour in New York), wall times
inside the gap simply never occur, and on a fall-back day the repeated hour is open twice when
it lies inside an interval (both passes show an open wall clock). This per-instant rule is what
``is_open`` and routing mean by "within business hours", and what the reference model in the
tests checks minute by minute.

Speed: for each calendar the open set is materialised lazily, one UTC year at a time, as sorted
lists of epoch seconds (``starts``/``ends``) with cumulative covered seconds, and answered by
``bisect``. Touching intervals (e.g. ``24:00`` followed by ``00:00``, or 7x24 days) merge.
"""

from __future__ import annotations

import functools
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec

# Seven days, Monday first; each a tuple of (start_minute, end_minute), 0 <= start < end <= 1440.
WeeklyHours = tuple[tuple[tuple[int, int], ...], ...]
Pause = tuple[datetime, datetime]

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_BUSINESS_DAY = ((8 * 60, 17 * 60),)
DEFAULT_HOURS: WeeklyHours = (_BUSINESS_DAY,) * 5 + ((), ())

MIN_YEAR = 1900
MAX_YEAR = 9998
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_DAY = 86400
_MICRO = timedelta(microseconds=1)
_M = 1_000_000
# How far forward to look for the next open instant before declaring "never open again".
_SEARCH_YEARS = 60
# A transition finer than this sampling step would be missed; tzdata has none since 1900.
_SAMPLE = 3 * 3600


if TYPE_CHECKING:  # array is generic only for the type checker on Python 3.11
    _Fast = tuple[float, float, array[int], array[int], array[int], array[int], int]


class NeverOpenError(ValueError):
    """The calendar has no open time at or after the instant asked about."""


@dataclass(frozen=True)
class Calendar:
    """Open hours of one IANA zone minus holiday dates; ``hours=None`` means always open.

    Immutable and hashable: equal calendars share one cached timeline. All methods take aware
    datetimes and return UTC-aware datetimes; the ``*_epoch`` variants take and return POSIX
    seconds (int when exact, float when the input had a fraction) and are the hot path.
    """

    zone: str
    hours: WeeklyHours | None = DEFAULT_HOURS
    holidays: HolidaySpec = field(default_factory=HolidaySpec)
    _tl: _Timeline = field(init=False, repr=False, compare=False, hash=False)
    # The timeline's current snapshot unpacked into one tuple: the hot path reads it with a
    # single attribute load. It may lag the shared timeline; the slow path refreshes it.
    _fast: _Fast = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "US" is a tzdata folder
            raise SpecError("timezone", f"unknown time zone {self.zone!r}") from None
        if self.hours is not None:
            object.__setattr__(self, "hours", _check_hours(self.hours))
        # Equal calendars share one timeline, so a rebuilt plan reuses earlier work.
        object.__setattr__(self, "_tl", _timeline_for(self))
        self._refresh()

    def _refresh(self) -> None:
        st = self._tl.state
        total = st.cumend[-1] if st.cumend else -1
        fast = (st.lo, st.hi, st.starts, st.ends, st.offs, st.cumend, total)
        object.__setattr__(self, "_fast", fast)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def always_open(self) -> bool:
        return self.hours is None

    def with_holidays(self, holidays: HolidaySpec) -> Calendar:
        return Calendar(self.zone, self.hours, holidays)

    def is_holiday(self, t: datetime) -> bool:
        """Whether ``t``'s local date (in this zone) is a holiday."""
        return self.holidays.is_holiday(_aware(t).astimezone(self.tz).date())

    def in_weekly_hours(self, t: datetime) -> bool:
        """Whether ``t``'s local wall time is inside the weekly hours, ignoring holidays."""
        if self.hours is None:
            return True
        local = _aware(t).astimezone(self.tz)
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        return any(a <= minute < b for a, b in self.hours[local.weekday()])

    # -- datetime API ---------------------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        return self.is_open_epoch(to_epoch(t))

    def next_open(self, t: datetime) -> datetime | None:
        """``t`` itself if open, else the next instant the calendar opens; None if never."""
        s = to_epoch(t)
        r = self._tl.next_open(s)
        if r is None:
            return None
        return t.astimezone(UTC) if r == s else from_epoch(r)

    def next_close(self, t: datetime) -> datetime | None:
        """End of the open stretch containing ``t`` (or of the next one if ``t`` is closed).

        None when the calendar never opens again, or stays open for years (a 7x24 calendar
        without holidays).
        """
        s = self._tl.next_close(to_epoch(t))
        return None if s is None else from_epoch(s)

    def add(self, t: datetime, duration: timedelta, pauses: Sequence[Pause] = ()) -> datetime:
        """The instant when ``duration`` of covered time has elapsed, the clock starting at
        ``t`` (or the next open instant) and stopped during ``pauses`` (half-open intervals).

        A zero duration gives the first instant at or after ``t`` when the clock runs.
        Raises NeverOpenError when that instant does not exist.
        """
        d = duration // _MICRO
        if d < 0:
            raise ValueError("duration must not be negative")
        s = to_us(t)
        r = self._add_paused(s, d, _merge_pauses(pauses)) if pauses else self._add_us(s, d)
        return _EPOCH + timedelta(microseconds=r)

    def covered_between(self, a: datetime, b: datetime, pauses: Sequence[Pause] = ()) -> timedelta:
        """Covered time in ``[a, b)`` outside ``pauses``; zero when ``b <= a``."""
        s, e = to_us(a), to_us(b)
        total = self._tl.covered_us(s, e)
        for ps, pe in _merge_pauses(pauses):
            total -= self._tl.covered_us(max(s, ps), min(e, pe))
        return timedelta(microseconds=total)

    # -- epoch-seconds API (hot path) ----------------------------------------------------

    def is_open_epoch(self, s: float) -> bool:
        st = self._tl.state
        if not st.lo <= s < st.hi:
            st = self._tl.cover(s, s)
        i = bisect_right(st.starts, s) - 1
        return i >= 0 and s < st.ends[i]

    def add_epoch(self, s: float, d: float) -> float:
        """``add`` on POSIX seconds: ``d`` covered seconds from ``s``. No datetimes built.

        Exact for int arguments (the result is then an int); float arguments are subject to
        float rounding, so sub-second instants should go through ``add``, which is exact to
        the microsecond.
        """
        lo, hi, starts, ends, offs, cumend, total = self._fast
        if lo <= s < hi:
            i = bisect_right(ends, s)
            try:
                a = starts[i]
            except IndexError:  # no open interval left in the horizon
                return self._add_slow(s, d)
            target = (s if s > a else a) - offs[i] + d
            if target <= total:
                return target + offs[bisect_left(cumend, target, i)]
        return self._add_slow(s, d)

    def _add_slow(self, s: float, d: float) -> float:
        result = self._tl.add_slow(s, d)
        self._refresh()
        return result

    def covered_epoch(self, s: float, e: float) -> float:
        """Covered seconds in ``[s, e)``."""
        if e <= s:
            return 0
        st = self._tl.state
        if not (st.lo <= s and e < st.hi):
            st = self._tl.cover(s, e)
        return st.cum(e) - st.cum(s)

    def _add_us(self, s: int, d: int) -> int:
        """``add`` in integer microseconds; whole seconds take the fast path."""
        if s % _M == 0 and d % _M == 0:
            return int(self.add_epoch(s // _M, d // _M)) * _M
        return self._tl.add_us(s, d)

    def _add_paused(self, s: int, d: int, pauses: list[tuple[int, int]]) -> int:
        cur, rem = s, d
        for ps, pe in pauses:
            if pe <= cur:
                continue
            r = self._add_us(cur, rem)
            # Ending exactly at a pause's start is fine unless nothing has been counted yet.
            if r < ps or (r == ps and rem > 0):
                return r
            if ps > cur:
                rem -= self._tl.covered_us(cur, ps)
            cur = pe
        return self._add_us(cur, rem)


# -- timeline -------------------------------------------------------------------------------


class _State:
    """One immutable snapshot of a timeline: open intervals within ``[lo, hi)``.

    ``offs[i] = starts[i] - covered seconds before interval i`` and ``cumend[i]`` = covered
    seconds up to the end of interval i, so ``add`` is two bisects and an addition.
    """

    __slots__ = ("cumend", "ends", "hi", "hi_year", "lo", "lo_year", "offs", "starts")

    def __init__(self, lo_year: int, hi_year: int, starts: list[int], ends: list[int]) -> None:
        self.lo_year, self.hi_year = lo_year, hi_year
        self.lo: float = _year_start(lo_year) if lo_year <= hi_year else 0
        self.hi: float = _year_start(hi_year + 1) if lo_year <= hi_year else 0
        offs: list[int] = []
        cumend: list[int] = []
        total = 0
        for a, b in zip(starts, ends, strict=True):
            offs.append(a - total)
            total += b - a
            cumend.append(total)
        # Packed int64 arrays: bisect over 200 calendars stays in cache (~1.4x faster than
        # lists of int objects in the benchmark).
        self.starts, self.ends = array("q", starts), array("q", ends)
        self.offs, self.cumend = array("q", offs), array("q", cumend)

    def cum(self, x: float) -> float:
        """Covered seconds from the first interval of the horizon up to ``x``."""
        i = bisect_right(self.starts, x) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return (x if x < end else end) - self.offs[i]


class _Timeline:
    """Lazily extended open intervals of one calendar; readers see immutable snapshots."""

    def __init__(self, cal: Calendar) -> None:
        self.tz = ZoneInfo(cal.zone)
        self.hours = cal.hours
        self.holidays = cal.holidays
        self.never_open = cal.hours is not None and not any(cal.hours)
        self.lock = threading.Lock()
        self.state = _State(1, 0, [], [])

    def cover(self, s: float, e: float) -> _State:
        """A snapshot whose horizon contains ``[s, e]``."""
        y0, y1 = _utc_year(s), _utc_year(e)
        with self.lock:
            st = self.state
            if st.lo_year > st.hi_year:
                # First use: also build the next year, since most questions look forward.
                lo, hi = y0, max(y1, y0 + 1)
            else:
                lo, hi = min(st.lo_year, y0), max(st.hi_year, y1)
            if (lo, hi) != (st.lo_year, st.hi_year):
                st = self._extend(st, lo, hi)
            return st

    def _extend(self, st: _State, lo: int, hi: int) -> _State:
        starts: list[int] = []
        ends: list[int] = []
        chunks: list[tuple[list[int], list[int]]] = []
        for y in range(lo, hi + 1):
            if st.lo_year <= y <= st.hi_year:
                if y == st.lo_year:
                    chunks.append((st.starts.tolist(), st.ends.tolist()))
            else:
                chunks.append(self._year(y))
        for cs, ce in chunks:
            for a, b in zip(cs, ce, strict=True):
                if ends and ends[-1] == a:
                    ends[-1] = b  # stretch continues across the year boundary
                else:
                    starts.append(a)
                    ends.append(b)
        new = _State(lo, hi, starts, ends)
        self.state = new
        return new

    def _year(self, year: int) -> tuple[list[int], list[int]]:
        """Open UTC intervals within UTC year ``year``."""
        if self.never_open:
            return [], []
        u0, u1 = _year_start(year), _year_start(year + 1)
        wall_s, wall_e = self._wall_intervals(year)
        starts: list[int] = []
        ends: list[int] = []
        for a, b, off in _segments(self.tz, year):
            lo_w, hi_w = a + off, b + off
            k = bisect_right(wall_e, lo_w)
            while k < len(wall_s) and wall_s[k] < hi_w:
                ps = max(wall_s[k], lo_w) - off
                pe = min(wall_e[k], hi_w) - off
                if pe > ps:
                    if ends and ends[-1] == ps:
                        ends[-1] = pe
                    else:
                        starts.append(ps)
                        ends.append(pe)
                k += 1
        assert not starts or (u0 <= starts[0] and ends[-1] <= u1)
        return starts, ends

    def _wall_intervals(self, year: int) -> tuple[list[int], list[int]]:
        """Open intervals in "wall epoch" seconds (local time read as if UTC), merged."""
        first = date(year, 1, 1).toordinal() - 2
        last = date(year + 1, 1, 1).toordinal() + 2
        off_days: set[int] = set()
        for y in (year - 1, year, year + 1):
            off_days.update(d.toordinal() for d in self.holidays.dates(y))
        day_hours = self.hours
        starts: list[int] = []
        ends: list[int] = []
        for ordinal in range(first, last):
            if ordinal in off_days:
                continue
            base = (ordinal - _EPOCH_ORD) * _DAY
            spans = ((0, 1440),) if day_hours is None else day_hours[(ordinal - 1) % 7]
            for a, b in spans:
                ws, we = base + a * 60, base + b * 60
                if ends and ws <= ends[-1]:
                    ends[-1] = max(ends[-1], we)
                else:
                    starts.append(ws)
                    ends.append(we)
        return starts, ends

    # -- slow paths that may extend the horizon -------------------------------------------

    def next_open(self, s: float) -> float | None:
        if self.never_open:
            return None
        st = self.cover(s, s)
        limit = _utc_year(s) + _SEARCH_YEARS
        while True:
            i = bisect_right(st.ends, s)
            if i < len(st.ends):
                a = st.starts[i]
                return s if s > a else a
            if st.hi_year >= min(limit, MAX_YEAR):
                return None
            st = self.cover(s, st.hi)

    def next_close(self, s: float) -> float | None:
        start = self.next_open(s)
        if start is None:
            return None
        st = self.cover(start, start)
        for _ in range(3):
            i = bisect_right(st.starts, start) - 1
            if st.ends[i] < st.hi:
                return st.ends[i]
            if st.hi_year >= MAX_YEAR:
                break
            st = self.cover(start, st.hi)
        return None

    def add_slow(self, s: float, d: float) -> float:
        if isinstance(s, int) and isinstance(d, int):
            return self.add_us(s * _M, d * _M) // _M
        return _q(self.add_us(round(s * _M), round(d * _M)))

    def add_us(self, s_us: int, d_us: int) -> int:
        """Exact ``add`` in integer microseconds (all interval bounds are whole seconds)."""
        s = _q(s_us)
        start = self.next_open(s)
        if start is None:
            raise NeverOpenError("the calendar never opens at or after this instant")
        start_us = s_us if start == s else int(start) * _M
        st = self.cover(start, start)
        while True:
            i = bisect_right(st.ends, start)
            # Recomputed each round: offsets are relative to the horizon's first interval.
            target = start_us - st.offs[i] * _M + d_us
            if target <= st.cumend[-1] * _M:
                return target + st.offs[bisect_left(st.cumend, _q(target), i)] * _M
            if st.hi_year >= MAX_YEAR:
                raise NeverOpenError("the duration runs past the supported years")
            st = self.cover(start, st.hi)

    def covered_us(self, a_us: int, b_us: int) -> int:
        if b_us <= a_us:
            return 0
        a, b = _q(a_us), _q(b_us)
        st = self.state
        if not (st.lo <= a and b < st.hi):
            st = self.cover(a, b)
        return _cum_us(st, b_us, b) - _cum_us(st, a_us, a)


def _q(us: int) -> float:
    """Seconds for comparing with whole-second bounds: exact int, or a float that is at least
    a microsecond away from any integer, so its order against whole seconds is right."""
    whole, frac = divmod(us, _M)
    return whole if frac == 0 else us / _M


def _cum_us(st: _State, x_us: int, x: float) -> int:
    i = bisect_right(st.starts, x) - 1
    if i < 0:
        return 0
    end = st.ends[i] * _M
    return (x_us if x_us < end else end) - st.offs[i] * _M


@functools.lru_cache(maxsize=4096)
def _timeline_for(cal: Calendar) -> _Timeline:
    return _Timeline(cal)


@functools.lru_cache(maxsize=4096)
def _segments(tz: ZoneInfo, year: int) -> tuple[tuple[int, int, int], ...]:
    """UTC year split at offset changes: (start, end, utc offset seconds), in order."""
    u0, u1 = _year_start(year), _year_start(year + 1)
    out: list[tuple[int, int, int]] = []
    seg_start, seg_off = u0, _offset(tz, u0)
    u = u0
    while u < u1:
        nxt = min(u + _SAMPLE, u1)
        off = _offset(tz, nxt) if nxt < u1 else seg_off
        if off != seg_off:
            lo, hi = u, nxt  # offset(lo) == seg_off, offset(hi) != seg_off
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(tz, mid) == seg_off:
                    lo = mid
                else:
                    hi = mid
            out.append((seg_start, hi, seg_off))
            seg_start, seg_off = hi, _offset(tz, hi)
        u = nxt
    out.append((seg_start, u1, seg_off))
    return tuple(out)


def _offset(tz: ZoneInfo, u: int) -> int:
    delta = datetime.fromtimestamp(u, tz).utcoffset()
    assert delta is not None
    return int(delta.total_seconds())


def _year_start(year: int) -> int:
    return (date(year, 1, 1).toordinal() - _EPOCH_ORD) * _DAY


def _utc_year(s: float) -> int:
    year = 1970 + int(s // (365.2425 * _DAY))
    # The estimate can be a year off near 1 January; correct it exactly.
    while _year_start(year) > s:
        year -= 1
    while _year_start(year + 1) <= s:
        year += 1
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"instants must fall in the years {MIN_YEAR}..{MAX_YEAR}")
    return year


# -- conversions ----------------------------------------------------------------------------


def _aware(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t.isoformat()} (only aware datetimes are accepted)")
    return t


def to_us(t: datetime) -> int:
    """POSIX microseconds of an aware datetime."""
    return (_aware(t) - _EPOCH) // _MICRO


def to_epoch(t: datetime) -> float:
    """POSIX seconds of an aware datetime: an int when whole, else a float."""
    return _q(to_us(t))


def from_epoch(s: float) -> datetime:
    """UTC-aware datetime for POSIX seconds, rounded to the microsecond."""
    if isinstance(s, int):
        return _EPOCH + timedelta(seconds=s)
    return _EPOCH + timedelta(microseconds=round(s * 1_000_000))


def _merge_pauses(pauses: Sequence[Pause]) -> list[tuple[int, int]]:
    spans = sorted((to_us(a), to_us(b)) for a, b in pauses)
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


# -- hours: validation and parsing ----------------------------------------------------------


def _check_hours(hours: WeeklyHours) -> WeeklyHours:
    if len(hours) != 7:
        raise SpecError("hours", "needs exactly seven days, Monday first")
    days: list[tuple[tuple[int, int], ...]] = []
    for key, spans in zip(DAY_KEYS, hours, strict=True):
        for i, (a, b) in enumerate(spans):
            if not (0 <= a < b <= 1440):
                raise SpecError(f"hours.{key}[{i}]", "needs 00:00 <= start < end <= 24:00")
        days.append(tuple(sorted((int(a), int(b)) for a, b in spans)))
    return tuple(days)


def parse_time(text: object, path: str, what: str) -> int:
    """Minutes since midnight of an ``HH:MM`` string (``24:00`` allowed)."""
    if not isinstance(text, str):
        raise SpecError(path, f"{what} must be an HH:MM string")
    parts = text.split(":")
    ok = len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts)
    if ok:
        h, m = int(parts[0]), int(parts[1])
        if (h < 24 and m < 60) or (h == 24 and m == 0):
            return h * 60 + m
    raise SpecError(path, f"{what} {text} is not a time")


def parse_hours(raw: object, path: str = "hours") -> WeeklyHours | None:
    """Weekly hours from ``{"mon": [["08:00","17:00"]], ...}``; a missing day is closed.

    ``None``, ``"24x7"`` or ``"always"`` mean always open.
    """
    if raw is None or raw in ("24x7", "always"):
        return None
    if not isinstance(raw, Mapping):
        raise SpecError(path, 'must map mon..sun to [["HH:MM","HH:MM"], ...] or be "24x7"')
    unknown = [k for k in raw if k not in DAY_KEYS]
    if unknown:
        raise SpecError(f"{path}.{unknown[0]}", "unknown day (use mon, tue, ..., sun)")
    days: list[tuple[tuple[int, int], ...]] = []
    for key in DAY_KEYS:
        spans = raw.get(key, [])
        if not isinstance(spans, list):
            raise SpecError(f"{path}.{key}", 'must be a list of ["HH:MM","HH:MM"] pairs')
        day: list[tuple[int, int]] = []
        for i, pair in enumerate(spans):
            where = f"{path}.{key}[{i}]"
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise SpecError(where, 'must be a ["HH:MM","HH:MM"] pair')
            a = parse_time(pair[0], where, "start")
            b = parse_time(pair[1], where, "end")
            if a == 1440:
                raise SpecError(where, "start 24:00 is not a time")
            if b <= a:
                raise SpecError(where, f"end {pair[1]} is not after start {pair[0]}")
            day.append((a, b))
        days.append(tuple(sorted(day)))
    return tuple(days)


def hours_to_dict(hours: WeeklyHours | None) -> dict[str, list[list[str]]] | str:
    if hours is None:
        return "24x7"
    return {
        key: [[_fmt(a), _fmt(b)] for a, b in spans]
        for key, spans in zip(DAY_KEYS, hours, strict=True)
    }


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
