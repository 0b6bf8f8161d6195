"""What the portal tells a client about their service, read from the coverage engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from psm.accounts.models import Account, Contact, Priority
from psm.coverage.adapters import plan_spec
from psm.team.models import Assignment, AssignmentRole, User


@dataclass(frozen=True)
class PriorityHours:
    """Whether a priority is answered now and, if not, when it will be next."""

    priority: str
    label: str
    always: bool  # 7x24 (except provider holidays)
    open_now: bool
    closes_at: datetime | None  # when open: the end of the current covered stretch
    opens_at: datetime | None  # when closed: the next covered instant


@dataclass(frozen=True)
class ServiceNow:
    zone: str
    holiday: str | None  # today's provider holiday in the client's zone, if any
    priorities: list[PriorityHours]


LABELS = dict(Priority.choices)
AROUND_THE_CLOCK = timedelta(days=7)


def client_zone(contact: Contact) -> str:
    """The client's own time: their site's zone, else the account's."""
    return contact.site.timezone if contact.site else contact.account.timezone


def service_now(account: Account, now: datetime, zone: str) -> ServiceNow:
    plan = plan_spec(account)
    rows = []
    for priority in plan.priorities:
        calendar = plan.calendar_for(priority)
        is_open = calendar.is_open(now)
        closes = calendar.next_close(now) if is_open else None
        if closes is not None and closes - now > AROUND_THE_CLOCK:
            closes = None  # 7x24 until a holiday weeks away: "around the clock" says it
        rows.append(
            PriorityHours(
                priority=priority,
                label=LABELS.get(priority, priority),
                always=priority in plan.always_covered,
                open_now=is_open,
                closes_at=closes,
                opens_at=None if is_open else calendar.next_open(now),
            )
        )
    today = now.astimezone(ZoneInfo(plan.timezone)).date()
    return ServiceNow(zone=zone, holiday=plan.holidays.name(today), priorities=rows)


def primary_psm(account: Account) -> User | None:
    assignment = (
        Assignment.objects.current()
        .filter(account=account, role=AssignmentRole.PRIMARY)
        .select_related("engineer__engineer")
        .first()
    )
    return assignment.engineer if assignment else None
