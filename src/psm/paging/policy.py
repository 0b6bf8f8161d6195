"""The escalation policy a page starts with: who is paged first, who next, how long each has.

The first engineer is whoever the coverage engine routes the contact to. The chain then goes
to the substitute or the on-call engineer (on call first out of hours, the substitute first
in business hours; never someone absent at that instant), then to the PSM manager. The
result is plain JSON and is copied onto the page, so later edits don't change it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from psm.accounts.models import Account
from psm.coverage.adapters import Routed
from psm.coverage.engine.routing import Route
from psm.coverage.engine.team import TeamSpec, who_covers
from psm.paging.models import PagingPolicy
from psm.team.models import Engineer


def ack_minutes_for(account: Account) -> tuple[int, bool]:
    """The plan's acknowledgement time and whether the manager ends the chain."""
    policy = PagingPolicy.objects.filter(plan_id=account.service_plan_id).first()
    if policy is None:
        return settings.PSM_PAGE_ACK_MINUTES, True
    return policy.ack_minutes, policy.escalate_to_manager


def basic_support() -> dict[str, str]:
    return {"queue": settings.PSM_BASIC_SUPPORT, "email": settings.PSM_BASIC_SUPPORT_EMAIL}


def snapshot(account: Account, routed: Routed | None, route: Route, at: datetime) -> dict[str, Any]:
    """The policy for a page routed by ``route`` (``routed``: the decision with the plan and
    team it was made from; None while the account has no PSM):
    ``{ack_minutes, chain, fallback, ...}``."""
    ack_minutes, with_manager = ack_minutes_for(account)
    policy: dict[str, Any] = {
        "ack_minutes": ack_minutes,
        "chain": [],
        "fallback": basic_support(),
        "taken_at": at.isoformat(),
        "plan": account.service_plan.name,
    }
    if route.channel == "fallback" or routed is None:
        return policy
    team = routed.team
    chain: list[dict[str, Any]] = []

    def add(username: str | None, role: str, reason: str) -> None:
        if not username or any(c["username"] == username for c in chain):
            return
        if team.absence_of(username, at) is not None:
            return
        chain.append({"username": username, "role": role, "reason": reason})

    on_call = team.on_call_at(at)
    first_role = "on-call" if on_call == route.target else "target"
    if route.covering_for:
        first_role = "stand-in"
    chain.append(
        {"username": route.target, "role": first_role, "reason": route.client_message[:200]}
    )
    in_hours = routed.plan.business_calendar().in_weekly_hours(at)
    stand_ins = _stand_ins(team, at, account)
    if in_hours:
        for who in stand_ins:
            add(who, "substitute", f"{who} stands in for {team.primary}")
        add(on_call, "on-call", f"{on_call} is on call")
    else:
        add(on_call, "on-call", f"{on_call} is on call")
        for who in stand_ins:
            add(who, "substitute", f"{who} stands in for {team.primary}")
    # At most one engineer between the target and the manager: the chain is short.
    chain[2:] = []
    if with_manager:
        manager = team.manager or _line_manager(team.primary)
        add(manager, "manager", f"{manager} is the PSM manager")
    policy["chain"] = chain
    return policy


def _stand_ins(team: TeamSpec, at: datetime, account: Account) -> list[str]:
    """Who stands in for the primary: the one covering now if not the primary, the absence's
    substitute, then the assignment's substitute."""
    from zoneinfo import ZoneInfo

    found: list[str] = []
    cover = who_covers(team, at, ZoneInfo(account.timezone))
    if cover.engineer != team.primary and cover.engineer != team.manager:
        found.append(cover.engineer)
    away = team.absence_of(team.primary, at)
    if away is not None and away.substitute:
        found.append(away.substitute)
    if team.substitute:
        found.append(team.substitute)
    return found


def _line_manager(username: str) -> str | None:
    profile = Engineer.objects.filter(user__username=username).select_related("manager").first()
    return profile.manager.username if profile and profile.manager else None
