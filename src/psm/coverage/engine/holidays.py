"""Provider holiday calendars: a `holidays` library country plus added and removed dates."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import holidays as holidays_lib

from psm.coverage.engine.errors import SpecError


@dataclass(frozen=True)
class HolidaySpec:
    """Holiday dates, each a whole local date in the zone of the calendar that uses them.

    ``country``/``subdiv`` select the `holidays` library's calendar with its defaults (observed
    days included); ``add`` and ``remove`` are the administrator's edits, applied in that order.
    """

    country: str | None = None
    subdiv: str | None = None
    add: frozenset[date] = field(default_factory=frozenset)
    remove: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        validate_country(self.country, self.subdiv, "holidays")
        # Accept any iterable of dates but keep the hashable frozenset we promise.
        object.__setattr__(self, "add", frozenset(self.add))
        object.__setattr__(self, "remove", frozenset(self.remove))

    def dates(self, year: int) -> frozenset[date]:
        """All holiday dates of ``year``."""
        return frozenset(_names(self, year))

    def names(self, year: int) -> Mapping[date, str]:
        """Holiday dates of ``year`` with their names (added dates are "Provider holiday")."""
        return _names(self, year)

    def name(self, day: date) -> str | None:
        """The holiday's name if ``day`` is a holiday, else None."""
        return _names(self, day.year).get(day)

    def is_holiday(self, day: date) -> bool:
        return day in _names(self, day.year)

    def with_added(self, days: Iterable[date]) -> HolidaySpec:
        """A copy with more dates added (and no longer removed)."""
        new = frozenset(days)
        return HolidaySpec(self.country, self.subdiv, self.add | new, self.remove - new)

    def to_dict(self) -> dict[str, object]:
        return {
            "country": self.country,
            "subdiv": self.subdiv,
            "add": sorted(d.isoformat() for d in self.add),
            "remove": sorted(d.isoformat() for d in self.remove),
        }

    @classmethod
    def from_dict(cls, data: object, path: str = "holidays") -> HolidaySpec:
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise SpecError(path, "must be an object with country, subdiv, add, remove")
        unknown = set(data) - {"country", "subdiv", "add", "remove"}
        if unknown:
            raise SpecError(f"{path}.{sorted(unknown)[0]}", "unknown field")
        country = data.get("country")
        subdiv = data.get("subdiv")
        for key, value in (("country", country), ("subdiv", subdiv)):
            if value is not None and not isinstance(value, str):
                raise SpecError(f"{path}.{key}", "must be a string or null")
        assert country is None or isinstance(country, str)
        assert subdiv is None or isinstance(subdiv, str)
        validate_country(country, subdiv, path)
        return cls(
            country,
            subdiv,
            _parse_dates(data.get("add", []), f"{path}.add"),
            _parse_dates(data.get("remove", []), f"{path}.remove"),
        )


def validate_country(country: str | None, subdiv: str | None, path: str) -> None:
    """Raise SpecError unless the `holidays` library knows this country and subdivision."""
    if country is None:
        if subdiv is not None:
            raise SpecError(f"{path}.subdiv", "a subdivision needs a country")
        return
    supported = _supported()
    if country not in supported:
        raise SpecError(f"{path}.country", f"unknown country {country!r} (ISO 3166-1 code)")
    if subdiv is not None and subdiv not in supported[country]:
        raise SpecError(f"{path}.subdiv", f"{country} has no subdivision {subdiv!r}")


@functools.cache
def _supported() -> Mapping[str, frozenset[str]]:
    lib = holidays_lib.list_supported_countries(include_aliases=True)
    return {c: frozenset(subs) for c, subs in lib.items()}


@functools.lru_cache(maxsize=4096)
def _names(spec: HolidaySpec, year: int) -> Mapping[date, str]:
    found: dict[date, str] = {}
    if spec.country is not None:
        lib = holidays_lib.country_holidays(spec.country, subdiv=spec.subdiv, years=year)
        found = {d: str(n) for d, n in lib.items() if d.year == year}
    for d in spec.add:
        if d.year == year:
            found.setdefault(d, "Provider holiday")
    for d in spec.remove:
        found.pop(d, None)
    return found


def _parse_dates(raw: object, path: str) -> frozenset[date]:
    if not isinstance(raw, list):
        raise SpecError(path, "must be a list of YYYY-MM-DD dates")
    out: set[date] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, str):
            raise SpecError(f"{path}[{i}]", "must be a YYYY-MM-DD string")
        try:
            out.add(date.fromisoformat(item))
        except ValueError:
            raise SpecError(f"{path}[{i}]", f"{item!r} is not a YYYY-MM-DD date") from None
    return frozenset(out)
