"""Teams: who covers an account at an instant (absences, substitutes) and who is on call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.values import format_local, parse_instant


def _check_span(start: datetime, end: datetime, what: str) -> None:
    for t in (start, end):
        if t.tzinfo is None or t.utcoffset() is None:
            raise SpecError(what, "start and end must be aware datetimes")
    if end <= start:
        raise SpecError(f"{what}.end", "must be after start")


@dataclass(frozen=True)
class Absence:
    """``engineer`` is away during the half-open ``[start, end)``; ``substitute`` stands in."""

    engineer: str
    start: datetime
    end: datetime
    substitute: str | None = None

    def __post_init__(self) -> None:
        _check_span(self.start, self.end, "absence")

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True)
class Override:
    """``engineer`` is on call during ``[start, end)`` whatever the rotation says."""

    engineer: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _check_span(self.start, self.end, "override")

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True)
class OnCall:
    """Who is on call at an instant and why (``until``: when that shift or override ends)."""

    engineer: str
    reason: str
    until: datetime | None


@dataclass(frozen=True)
class OnCallRotation:
    """Engineers take ``shift``-long turns in order from ``start``; overrides win, the last
    listed first. Before ``start`` nobody is on call by rotation."""

    rotation: tuple[str, ...]
    start: datetime
    shift: timedelta
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise SpecError("on_call.start", "must be an aware datetime")
        if self.shift <= timedelta(0):
            raise SpecError("on_call.shift", "must be positive")
        object.__setattr__(self, "rotation", tuple(self.rotation))
        object.__setattr__(self, "overrides", tuple(self.overrides))

    def at(self, t: datetime) -> str | None:
        found = self.explain(t)
        return None if found is None else found.engineer

    def explain(
        self, t: datetime, tz: ZoneInfo | None = None, names: Mapping[str, str] | None = None
    ) -> OnCall | None:
        zone = tz or ZoneInfo("UTC")
        name = _namer(names)
        for o in reversed(self.overrides):
            if o.contains(t):
                span = f"{format_local(o.start, zone)} – {format_local(o.end, zone)}"
                return OnCall(
                    o.engineer, f"{name(o.engineer)} is on call by override ({span})", o.end
                )
        if not self.rotation or t < self.start:
            return None
        n = (t - self.start) // self.shift
        begins = self.start + n * self.shift
        ends = begins + self.shift
        who = self.rotation[n % len(self.rotation)]
        # An override starting mid-shift ends this answer early.
        later = [o.start for o in self.overrides if t < o.start < ends]
        span = f"{format_local(begins, zone)} – {format_local(ends, zone)}"
        return OnCall(who, f"{name(who)} is on call by rotation ({span})", min([ends, *later]))


@dataclass(frozen=True)
class Cover:
    """The answer to "who covers at t": the engineer, why, and until when it holds."""

    engineer: str
    reasons: tuple[str, ...]
    until: datetime | None
    covering_for: str | None = None  # the absent primary when a stand-in covers


@dataclass(frozen=True)
class TeamSpec:
    primary: str
    substitute: str | None = None
    manager: str | None = None
    absences: tuple[Absence, ...] = ()
    on_call: OnCallRotation | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "absences", tuple(self.absences))

    def absence_of(self, engineer: str, t: datetime) -> Absence | None:
        """The absence of ``engineer`` containing ``t``; the latest-starting one wins."""
        best: Absence | None = None
        for a in self.absences:
            if a.engineer == engineer and a.contains(t) and (best is None or a.start >= best.start):
                best = a
        return best

    def next_absence_start(self, engineer: str, t: datetime) -> datetime | None:
        starts = [a.start for a in self.absences if a.engineer == engineer and a.start > t]
        return min(starts, default=None)

    def on_call_at(self, t: datetime) -> str | None:
        return None if self.on_call is None else self.on_call.at(t)

    def to_dict(self) -> dict[str, object]:
        rot = self.on_call
        return {
            "primary": self.primary,
            "substitute": self.substitute,
            "manager": self.manager,
            "absences": [
                {
                    "engineer": a.engineer,
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat(),
                    "substitute": a.substitute,
                }
                for a in self.absences
            ],
            "on_call": None
            if rot is None
            else {
                "rotation": list(rot.rotation),
                "start": rot.start.isoformat(),
                "shift_hours": rot.shift / timedelta(hours=1),
                "overrides": [
                    {"engineer": o.engineer, "start": o.start.isoformat(), "end": o.end.isoformat()}
                    for o in rot.overrides
                ],
            },
        }

    @classmethod
    def from_dict(cls, data: object, path: str = "team") -> TeamSpec:
        d = _obj(data, path, {"primary", "substitute", "manager", "absences", "on_call"})
        absences_raw = d.get("absences", [])
        if not isinstance(absences_raw, list):
            raise SpecError(f"{path}.absences", "must be a list")
        absences = []
        for i, raw in enumerate(absences_raw):
            where = f"{path}.absences[{i}]"
            a = _obj(raw, where, {"engineer", "start", "end", "substitute"})
            start, end = _span(a, where)
            absences.append(
                Absence(
                    _name(a.get("engineer"), f"{where}.engineer"),
                    start,
                    end,
                    _opt_name(a.get("substitute"), f"{where}.substitute"),
                )
            )
        on_call = None
        if d.get("on_call") is not None:
            on_call = _rotation(d["on_call"], f"{path}.on_call")
        return cls(
            primary=_name(d.get("primary"), f"{path}.primary"),
            substitute=_opt_name(d.get("substitute"), f"{path}.substitute"),
            manager=_opt_name(d.get("manager"), f"{path}.manager"),
            absences=tuple(absences),
            on_call=on_call,
        )


def who_covers(
    team: TeamSpec,
    t: datetime,
    tz: ZoneInfo | None = None,
    names: Mapping[str, str] | None = None,
) -> Cover:
    """Primary unless absent at t; else the absence's named substitute if not absent; else the
    assignment's substitute if not absent; else the manager (the primary if there is none).
    ``until`` is when this answer may next change."""
    zone = tz or ZoneInfo("UTC")
    name = _namer(names)
    away = team.absence_of(team.primary, t)
    if away is None:
        until = team.next_absence_start(team.primary, t)
        return Cover(
            team.primary, (f"{name(team.primary)} is the primary PSM and is not absent",), until
        )
    reasons = [f"{name(team.primary)} is absent until {format_local(away.end, zone)}"]
    bounds = [away.end]
    for candidate, role in (
        (away.substitute, "the absence's named substitute"),
        (team.substitute, "the assignment's substitute"),
    ):
        if candidate is None or candidate == team.primary:
            continue
        gone = team.absence_of(candidate, t)
        if gone is None:
            reasons.append(f"{name(candidate)} is {role} and is not absent")
            nxt = team.next_absence_start(candidate, t)
            until = min([*bounds, nxt] if nxt is not None else bounds)
            return Cover(candidate, tuple(reasons), until, covering_for=team.primary)
        reasons.append(f"{name(candidate)} ({role}) is absent until {format_local(gone.end, zone)}")
        bounds.append(gone.end)
    if team.manager is None:
        reasons.append(f"no manager is set; {name(team.primary)} stays the contact")
        return Cover(team.primary, tuple(reasons), min(bounds))
    reasons.append(f"{name(team.manager)} is the PSM manager and takes over")
    return Cover(team.manager, tuple(reasons), min(bounds), covering_for=team.primary)


def _namer(names: Mapping[str, str] | None) -> Callable[[str], str]:
    """Usernames become display names in the reasons when the caller knows them."""
    known = names or {}
    return lambda username: known.get(username, username)


# -- parsing helpers --------------------------------------------------------------------------


def _obj(raw: object, path: str, known: set[str]) -> Mapping[str, object]:
    if not isinstance(raw, Mapping):
        raise SpecError(path, "must be an object")
    for key in raw:
        if key not in known:
            raise SpecError(f"{path}.{key}", "unknown field")
    return raw


def _name(raw: object, path: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise SpecError(path, "must be a username")
    return raw


def _opt_name(raw: object, path: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise SpecError(path, "must be a username or null")
    return raw


def _span(d: Mapping[str, object], path: str) -> tuple[datetime, datetime]:
    for key in ("start", "end"):
        if key not in d:
            raise SpecError(f"{path}.{key}", "is required")
    start = parse_instant(d["start"], f"{path}.start")
    end = parse_instant(d["end"], f"{path}.end")
    if end <= start:
        raise SpecError(f"{path}.end", "must be after start")
    return start, end


def _rotation(raw: object, path: str) -> OnCallRotation:
    d = _obj(raw, path, {"rotation", "start", "shift_hours", "overrides"})
    names = d.get("rotation", [])
    if not isinstance(names, list):
        raise SpecError(f"{path}.rotation", "must be a list of usernames")
    rotation = tuple(_name(n, f"{path}.rotation[{i}]") for i, n in enumerate(names))
    if "start" not in d:
        raise SpecError(f"{path}.start", "is required")
    start = parse_instant(d["start"], f"{path}.start")
    hours = d.get("shift_hours", 168)
    # At most a year per shift; also refuses NaN (and overflowing timedeltas: fuzzing).
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 8784:
        raise SpecError(
            f"{path}.shift_hours", f"{hours!r} is not a number of hours from 1 to 8784 (a year)"
        )
    raw_overrides = d.get("overrides", [])
    if not isinstance(raw_overrides, list):
        raise SpecError(f"{path}.overrides", "must be a list")
    overrides = []
    for i, item in enumerate(raw_overrides):
        where = f"{path}.overrides[{i}]"
        o = _obj(item, where, {"engineer", "start", "end"})
        o_start, o_end = _span(o, where)
        overrides.append(Override(_name(o.get("engineer"), f"{where}.engineer"), o_start, o_end))
    return OnCallRotation(rotation, start, timedelta(hours=hours), tuple(overrides))
