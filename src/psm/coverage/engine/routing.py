"""Routing: for a contact at an instant, who acts, on which channel, how fast, and what the
client is told — with the rules that decided it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from psm.coverage.engine.calendar import DAY_KEYS, NeverOpenError
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.plan import PlanSpec
from psm.coverage.engine.team import Cover, TeamSpec, who_covers
from psm.coverage.engine.values import format_local, format_utc

Channel = Literal["email", "page", "fallback", "queue"]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Route:
    """The routing decision for one contact. ``reasons`` is the trace of rules applied."""

    priority: str
    at: datetime
    covered: bool
    target: str
    channel: Channel
    first_response_due: datetime | None
    next_covered: datetime | None
    reasons: tuple[str, ...]
    client_message: str
    covering_for: str | None = None  # the absent primary when a stand-in is the target
    until: datetime | None = None  # when the "who" part of this answer may change

    def to_answer(self) -> dict[str, object]:
        """The simulator's ``route`` answer."""
        return {
            "covered": self.covered,
            "target": self.target,
            "channel": self.channel,
            "first_response_due": _utc_or_none(self.first_response_due),
            "next_covered": _utc_or_none(self.next_covered),
        }

    def explain(self) -> dict[str, object]:
        """``to_answer`` plus the reasons and the client's message (for ``explain --json``)."""
        return {
            **self.to_answer(),
            "reasons": list(self.reasons),
            "client_message": self.client_message,
        }


def route(
    plan: PlanSpec,
    team: TeamSpec,
    priority: str,
    at: datetime,
    basic_support: str = "basic-support",
    names: Mapping[str, str] | None = None,
) -> Route:
    """Decide who acts on a ``priority`` contact arriving at ``at`` (see the module rules)."""
    if priority not in plan.priorities:
        known = ", ".join(plan.priorities)
        raise SpecError("priority", f"unknown priority {priority!r} (plan knows {known})")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("route needs an aware datetime")
    tz = plan.tz
    names = names or {}
    local = at.astimezone(tz)
    cal = plan.calendar_for(priority)
    always = priority in plan.always_covered
    holiday = plan.holidays.name(local.date())
    in_hours = plan.business_calendar().in_weekly_hours(at)
    covered = cal.is_open(at)

    reasons: list[str] = []
    if holiday is not None:
        reasons.append(f"{local.date().isoformat()} is a provider holiday ({holiday})")
    if always:
        reasons.append(f"{priority} is covered 7x24 except provider holidays")
    reasons.append(_hours_reason(plan, local, in_hours))

    cover: Cover | None = None
    next_covered: datetime | None = None
    channel: Channel
    if covered and in_hours:
        cover = who_covers(team, at, tz, names)
        target, channel = cover.engineer, ("page" if always else "email")
        reasons.extend(cover.reasons)
        reasons.append(
            f"{priority} within business hours goes by {channel} to {names.get(target, target)}"
        )
    elif covered:
        on_call = team.on_call.explain(at, tz, names) if team.on_call is not None else None
        if on_call is not None:
            target, channel = on_call.engineer, "page"
            reasons.append(on_call.reason)
            reasons.append(
                f"out of hours {priority} pages the on-call engineer {names.get(target, target)}"
            )
        else:
            cover = who_covers(team, at, tz, names)
            target, channel = cover.engineer, "page"
            reasons.append("nobody is on call by rotation at this instant")
            reasons.extend(cover.reasons)
            reasons.append(
                f"out of hours {priority} pages whoever covers: {names.get(target, target)}"
            )
    elif always:
        next_covered = cal.next_open(at)
        target, channel = basic_support, "fallback"
        reasons.append(f"{priority} is not covered on a provider holiday; it goes to basic support")
    else:
        next_covered = cal.next_open(at)
        cover = who_covers(team, next_covered or at, tz, names)
        target, channel = cover.engineer, "queue"
        reasons.extend(cover.reasons)
        if next_covered is None:
            reasons.append(
                f"{priority} is never covered under this plan; "
                f"queued for {names.get(target, target)}"
            )
        else:
            when = format_local(next_covered, tz)
            reasons.append(
                f"{priority} is next covered at {when}; queued for {names.get(target, target)}"
            )

    due = _first_response_due(plan, priority, at)
    minutes = plan.first_response.get(priority)
    if due is not None:
        reasons.append(
            f"first response due after {minutes} covered minutes: {format_local(due, tz)}"
        )
    message = _client_message(
        channel,
        target,
        cover,
        team,
        names,
        tz,
        local,
        holiday,
        next_covered,
        on_call_page=cover is None and channel == "page",
    )
    return Route(
        priority=priority,
        at=at,
        covered=covered,
        target=target,
        channel=channel,
        first_response_due=due,
        next_covered=next_covered,
        reasons=tuple(reasons),
        client_message=message,
        covering_for=cover.covering_for if cover is not None else None,
        until=cover.until if cover is not None else None,
    )


def _first_response_due(plan: PlanSpec, priority: str, at: datetime) -> datetime | None:
    minutes = plan.first_response.get(priority)
    if minutes is None:
        return None
    try:
        return plan.calendar_for(priority).add(at, timedelta(minutes=minutes))
    except NeverOpenError:
        return None


def _hours_reason(plan: PlanSpec, local: datetime, in_hours: bool) -> str:
    stamp = f"{_WEEKDAYS[local.weekday()][:3]} {local:%H:%M %Z}"
    if plan.hours is None:
        return f"{stamp}: business hours are 7x24"
    spans = plan.hours[local.weekday()]
    day = ", ".join(f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}" for a, b in spans)
    where = "within" if in_hours else "outside"
    hours = f"{DAY_KEYS[local.weekday()]} {day}" if day else f"none on {DAY_KEYS[local.weekday()]}"
    return f"{stamp} is {where} business hours ({hours}, {plan.timezone})"


def _client_message(
    channel: Channel,
    target: str,
    cover: Cover | None,
    team: TeamSpec,
    names: Mapping[str, str],
    tz: ZoneInfo,
    local: datetime,
    holiday: str | None,
    next_covered: datetime | None,
    on_call_page: bool,
) -> str:
    who = names.get(target, target)
    primary = names.get(team.primary, team.primary)
    if channel == "fallback":
        day = _day_month(local.date(), local.date())
        return (
            f"{day} is a provider holiday ({holiday}); your request has gone to our "
            "support team, who will help you right away"
        )
    if channel == "queue":
        if next_covered is None:
            return f"Your request is queued for {who}"
        return f"We will answer from {_when(next_covered.astimezone(tz), local)} your time"
    action = "has been paged" if channel == "page" else "has been notified by e-mail"
    if on_call_page:
        if target == team.primary:
            return f"Your PSM {who} has been paged"
        return f"On-call engineer {who} has been paged"
    if cover is not None and cover.covering_for is not None:
        until = ""
        if cover.until is not None:
            until = f" until {_last_day(cover.until.astimezone(tz), local)}"
        return f"{who} covers for {primary}{until} and {action}"
    return f"Your PSM {who} {action}"


def _day_month(d: date, ref: date) -> str:
    text = f"{d.day} {_MONTHS[d.month - 1]}"
    return text if d.year == ref.year else f"{text} {d.year}"


def _last_day(until: datetime, ref: datetime) -> str:
    """A stand-in "until 3 December" means through that day when the absence ends at 00:00."""
    if until.hour == 0 and until.minute == 0 and until.second == 0:
        return _day_month(until.date() - timedelta(days=1), ref.date())
    return f"{_day_month(until.date(), ref.date())} {until:%H:%M}"


def _when(t: datetime, ref: datetime) -> str:
    if t.date() == ref.date():
        return f"today {t:%H:%M}"
    if (t.date() - ref.date()).days < 7:
        return f"{_WEEKDAYS[t.weekday()]} {t:%H:%M}"
    return f"{_WEEKDAYS[t.weekday()]} {_day_month(t.date(), ref.date())} {t:%H:%M}"


def _utc_or_none(t: datetime | None) -> str | None:
    return None if t is None else format_utc(t)
