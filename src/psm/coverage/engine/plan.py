"""Service plans: zone, weekly hours, provider holidays, 7x24 priorities and SLA minutes."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psm.coverage.engine.calendar import (
    DEFAULT_HOURS,
    Calendar,
    WeeklyHours,
    hours_to_dict,
    parse_hours,
)
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec

SlaKind = Literal["first_response", "next_update", "resolution"]
SLA_KINDS: tuple[SlaKind, ...] = ("first_response", "next_update", "resolution")
# Ten years: longer targets are typing mistakes (and overflow date arithmetic).
MAX_SLA_MINUTES = 10 * 366 * 24 * 60


class Minutes(Mapping[str, int]):
    """An immutable, hashable priority → minutes mapping (keeps PlanSpec hashable)."""

    __slots__ = ("_items",)

    def __init__(self, data: Mapping[str, int] | None = None) -> None:
        self._items: tuple[tuple[str, int], ...] = tuple(sorted((data or {}).items()))

    def __getitem__(self, key: str) -> int:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Minutes({dict(self._items)!r})"


# Defaults a new plan starts from; P1 answers fast around the clock, P4 within two days.
DEFAULT_FIRST_RESPONSE = Minutes({"P1": 60, "P2": 240, "P3": 480, "P4": 960})
DEFAULT_NEXT_UPDATE = Minutes({"P1": 120, "P2": 480, "P3": 1440, "P4": 2880})
DEFAULT_RESOLUTION = Minutes({"P1": 480, "P2": 1440, "P3": 4800, "P4": 9600})


@dataclass(frozen=True)
class PlanSpec:
    """What a service plan promises. Immutable and hashable, so cases can snapshot it.

    ``hours=None`` means business hours are always (7x24 for every priority).
    """

    timezone: str
    hours: WeeklyHours | None = DEFAULT_HOURS
    holidays: HolidaySpec = field(default_factory=HolidaySpec)
    always_covered: frozenset[str] = frozenset({"P1"})
    first_response: Minutes = DEFAULT_FIRST_RESPONSE
    next_update: Minutes = DEFAULT_NEXT_UPDATE
    resolution: Minutes = DEFAULT_RESOLUTION

    def __post_init__(self) -> None:
        # Validates zone and hours once, and warms the calendar caches.
        self.business_calendar()
        object.__setattr__(self, "always_covered", frozenset(self.always_covered))
        for kind in SLA_KINDS:
            value = getattr(self, kind)
            if not isinstance(value, Minutes):
                object.__setattr__(self, kind, Minutes(value))
            for priority, minutes in getattr(self, kind).items():
                if minutes < 0:
                    raise SpecError(f"{kind}_minutes.{priority}", "must not be negative")
                if minutes > MAX_SLA_MINUTES:
                    raise SpecError(
                        f"{kind}_minutes.{priority}",
                        f"must be at most {MAX_SLA_MINUTES} (10 years)",
                    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # Computed once per plan (the plan is immutable): the simulator and the case clocks ask
    # for them once per query or case.
    @functools.cached_property
    def priorities(self) -> tuple[str, ...]:
        """Priorities the plan knows: those with a first-response target or 7x24 cover."""
        return tuple(sorted(set(self.first_response) | self.always_covered))

    @functools.cached_property
    def _business(self) -> Calendar:
        return Calendar(self.timezone, self.hours, self.holidays)

    @functools.cached_property
    def _always(self) -> Calendar:
        return Calendar(self.timezone, None, self.holidays)

    def business_calendar(self) -> Calendar:
        return self._business

    def always_calendar(self) -> Calendar:
        return self._always

    def calendar_for(self, priority: str) -> Calendar:
        """7x24 minus holidays for an always-covered priority, else business hours."""
        return self._always if priority in self.always_covered else self._business

    def sla_minutes(self, kind: SlaKind, priority: str) -> int | None:
        return getattr(self, kind).get(priority)  # type: ignore[no-any-return]

    # -- serialisation ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        return {
            "timezone": self.timezone,
            "hours": hours_to_dict(self.hours),
            "holidays": self.holidays.to_dict(),
            "always_covered": sorted(self.always_covered),
            **{f"{kind}_minutes": dict(getattr(self, kind)) for kind in SLA_KINDS},
        }

    @classmethod
    def from_dict(cls, data: object, path: str = "plan") -> PlanSpec:
        """Validate a plan; a problem raises SpecError naming the field, e.g.
        ``plan.hours.mon[0]: end 25:00 is not a time``. A missing ``hours`` means Mon–Fri
        08:00–17:00; present ``hours`` with a missing day means that day is closed.
        """
        if not isinstance(data, Mapping):
            raise SpecError(path, "must be an object")
        known = {"timezone", "hours", "holidays", "always_covered"}
        known |= {f"{kind}_minutes" for kind in SLA_KINDS}
        for key in data:
            if key not in known:
                raise SpecError(f"{path}.{key}", "unknown field")
        if "timezone" not in data:
            raise SpecError(f"{path}.timezone", "is required (an IANA zone such as Europe/Paris)")
        zone = data["timezone"]
        if not isinstance(zone, str):
            raise SpecError(f"{path}.timezone", "must be an IANA zone name")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "US" is a tzdata folder
            raise SpecError(f"{path}.timezone", f"unknown time zone {zone!r}") from None
        hours = parse_hours(data["hours"], f"{path}.hours") if "hours" in data else DEFAULT_HOURS
        holidays = HolidaySpec.from_dict(data.get("holidays"), f"{path}.holidays")
        always = data.get("always_covered", ["P1"])
        if not isinstance(always, list) or not all(isinstance(p, str) for p in always):
            raise SpecError(f"{path}.always_covered", 'must be a list of priorities like ["P1"]')
        defaults = {
            "first_response": DEFAULT_FIRST_RESPONSE,
            "next_update": DEFAULT_NEXT_UPDATE,
            "resolution": DEFAULT_RESOLUTION,
        }
        sla = {
            kind: _minutes(data.get(f"{kind}_minutes"), f"{path}.{kind}_minutes", defaults[kind])
            for kind in SLA_KINDS
        }
        return cls(
            timezone=zone,
            hours=hours,
            holidays=holidays,
            always_covered=frozenset(always),
            first_response=sla["first_response"],
            next_update=sla["next_update"],
            resolution=sla["resolution"],
        )


def _minutes(raw: object, path: str, default: Minutes) -> Minutes:
    if raw is None:
        return default
    if not isinstance(raw, Mapping):
        raise SpecError(path, 'must map priorities to minutes, e.g. {"P1": 60}')
    out: dict[str, int] = {}
    for priority, value in raw.items():
        if not isinstance(priority, str) or not priority:
            raise SpecError(path, "priorities must be non-empty strings")
        # bool is an int subclass; true/false are not durations.
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SpecError(f"{path}.{priority}", f"{value!r} is not a whole number of minutes")
        out[priority] = value
    return Minutes(out)
