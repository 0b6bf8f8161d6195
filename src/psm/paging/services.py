"""Every change to a page, one verb each: write the page and its step, audit, notify.

``page_psm`` routes the page with the coverage engine and snapshots the escalation policy;
``escalate`` moves a page whose acknowledgement time ran out to the next engineer, claiming
the step with a conditional UPDATE so it happens once however many workers try;
``acknowledge`` stops the escalation, once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from psm.accounts.models import Account, Contact, Priority
from psm.accounts.scoping import visible_accounts
from psm.audit.models import record
from psm.cases.models import Case
from psm.coverage import adapters
from psm.coverage.adapters import Routed
from psm.coverage.engine.routing import Route
from psm.paging import events, notify
from psm.paging.models import (
    UNACKNOWLEDGED,
    WAITING,
    AckVia,
    Page,
    PageSource,
    PageStatus,
    PageStep,
    StepKind,
)
from psm.paging.policy import snapshot
from psm.team.models import User

log = logging.getLogger(__name__)


def _no_psm_route(account: Account, priority: str, at: datetime) -> Route:
    return Route(
        priority=priority,
        at=at,
        covered=False,
        target=settings.PSM_BASIC_SUPPORT,
        channel="fallback",
        first_response_due=None,
        next_covered=None,
        reasons=(f"{account.name} has no primary PSM assigned; it goes to basic support",),
        client_message="Your page has gone to our support team, who will help you right away",
    )


def dedup_key(
    account: Account,
    priority: str,
    *,
    contact: Contact | None = None,
    opened_by: User | None = None,
    source: str = "",
    case: Case | None = None,
) -> str:
    """The rule of "the same page": one waiting page per case, and one per person (or, for
    an anonymous asker, per channel) and priority on an account."""
    if case is not None:
        return f"case:{case.pk}"
    who = (
        f"contact:{contact.pk}"
        if contact
        else (f"user:{opened_by.pk}" if opened_by else f"source:{source}")
    )
    return f"ask:{account.pk}:{who}:{priority}"


def page_psm(
    account: Account,
    *,
    priority: str = Priority.P1,
    message: str = "",
    contact: Contact | None = None,
    opened_by: User | None = None,
    source: str = PageSource.PORTAL,
    case: Case | None = None,
    routed: Routed | None = None,
    at: datetime | None = None,
) -> Page:
    """Page whoever covers ``account`` now, or the basic-support queue when the coverage
    engine says so; the escalation policy is copied onto the page. ``routed`` is a routing
    decision already made (the one a case opened with), used as it is; without it the
    engine is asked now.

    Asking again while a page with the same ``dedup_key`` waits for acknowledgement returns
    that page, with the new message added to its steps: the database holds the rule, so two
    presses at the same instant still make one page."""
    now = at or timezone.now()
    if priority not in Priority.values:
        raise ValidationError(f"Unknown priority {priority!r}; use one of P1–P4.")
    if contact is not None and contact.account_id != account.pk:
        raise ValidationError("The contact belongs to another account.")
    if case is not None and case.account_id != account.pk:
        raise ValidationError("The case belongs to another account.")
    message = message.strip()[:4000]
    key = dedup_key(
        account, priority, contact=contact, opened_by=opened_by, source=source, case=case
    )
    waiting = Page.objects.filter(dedup_key=key, status__in=UNACKNOWLEDGED).first()
    if waiting is not None:
        return _asked_again(waiting, message, now)
    if routed is None:
        routed = adapters.routed_for(account, priority, now)
    route = routed.route if routed is not None else _no_psm_route(account, priority, now)
    policy = snapshot(account, routed, route, now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                page = Page.objects.create(
                    account=account,
                    contact=contact,
                    opened_by=opened_by,
                    source=source,
                    priority=priority,
                    message=message,
                    case=case,
                    case_reference=case.reference if case is not None else "",
                    dedup_key=key,
                    channel=route.channel,
                    route=route.explain(),
                    client_message=route.client_message[:300],
                    policy=policy,
                    target_name=route.target,
                    opened_at=now,
                    step=0,
                )
        except IntegrityError:
            # Someone asked at the same instant and won: this is their page.
            return _asked_again(
                Page.objects.get(dedup_key=key, status__in=UNACKNOWLEDGED), message, now
            )
        record(
            opened_by,
            "page.open",
            page,
            account=account,
            changes={"priority": priority, "channel": route.channel, "target": route.target},
        )
        if route.channel == "fallback":
            _fall_back(page, now, route.reasons[-1] if route.reasons else "basic support")
        elif route.channel == "queue" and route.next_covered and route.next_covered > now:
            _queue(page, route.next_covered, now)
        else:
            _page_from(page, 0, now)
        events.page_triggered.send(events.PageEvent(page, now))
    return page


def _asked_again(page: Page, message: str, now: datetime) -> Page:
    """A second press (or SMS, or mail on the paged case) while the page waits: no new page;
    a new message is kept on the page's steps for whoever answers."""
    if message and message != page.message:
        PageStep.objects.create(
            page=page,
            kind=StepKind.REPEATED,
            at=now,
            position=page.step,
            target_name=page.target_name,
            detail=message[:300],
        )
    return page


def _queue(page: Page, starts: datetime, now: datetime) -> None:
    """Not covered now: the target is told by e-mail, and paged when coverage starts."""
    first = page.chain[0] if page.chain else None
    user = User.objects.filter(username=first["username"]).first() if first else None
    transports: list[str] = []
    keys: list[str] = []
    page.step = -1
    page.target = user
    page.ack_deadline = starts
    page.save(update_fields=["step", "target", "ack_deadline"])
    if user is not None and user.email:
        from psm.notifications.services import notify as outbox

        key = f"page:{page.pk}:step:-1:{user.pk}:email"
        outbox(
            key,
            transport="email",
            recipient=user.email,
            subject=notify.subject_of(page),
            body=f"{page.client_message}.\n\n{page.message or '(no message)'}\n"
            f"You will be paged when coverage starts.\n",
            user=user,
            account=page.account,
        )
        transports, keys = ["email"], [key]
    PageStep.objects.create(
        page=page,
        kind=StepKind.QUEUED,
        at=now,
        position=-1,
        user=user,
        target_name=page.target_name,
        role=first["role"] if first else "",
        transports=transports,
        notification_keys=keys,
        detail=page.client_message[:300],
    )
    _schedule(page)


def _page_from(page: Page, position: int, now: datetime) -> None:
    """Page the first engineer of the chain from ``position`` on who can be paged; past the
    end of the chain, forward to basic support. ``page.step`` is already claimed."""
    chain = page.chain
    while position < len(chain):
        entry = chain[position]
        user = User.objects.filter(username=entry["username"], is_active=True).first()
        if user is not None:
            page.step = position
            page.target = user
            page.target_name = user.username
            page.ack_deadline = now + timedelta(minutes=page.ack_minutes)
            page.status = PageStatus.OPEN if position == 0 else PageStatus.ESCALATED
            page.save(update_fields=["step", "target", "target_name", "ack_deadline", "status"])
            transports, keys = notify.page_engineer(page, user, position, entry["role"])
            PageStep.objects.create(
                page=page,
                kind=StepKind.PAGED if position == 0 else StepKind.ESCALATED,
                at=now,
                position=position,
                user=user,
                target_name=user.username,
                role=entry["role"],
                transports=transports,
                notification_keys=keys,
                detail=entry.get("reason", "")[:300],
            )
            _schedule(page)
            return
        log.warning("page %s: %s cannot be paged (no active user)", page.pk, entry["username"])
        position += 1
    page.step = position
    _fall_back(page, now, "nobody in the escalation chain acknowledged in time")


def _fall_back(page: Page, now: datetime, reason: str) -> None:
    queue = page.policy.get("fallback", {}).get("queue", "basic-support")
    page.status = PageStatus.FALLBACK
    page.target = None
    page.target_name = queue
    page.ack_deadline = None
    page.save(update_fields=["status", "target", "target_name", "ack_deadline", "step"])
    transports, keys = notify.forward_to_basic_support(page, page.step, reason)
    PageStep.objects.create(
        page=page,
        kind=StepKind.FALLBACK,
        at=now,
        position=page.step,
        target_name=queue,
        role="queue",
        transports=transports,
        notification_keys=keys,
        detail=reason[:300],
    )
    record(None, "page.fallback", page, account=page.account, changes={"reason": reason})


def _schedule(page: Page) -> None:
    """A task at the deadline moves the page on to the second; the sweep is the safety net."""
    from psm.paging.tasks import escalate_page

    if page.ack_deadline is not None:
        escalate_page.using(run_after=page.ack_deadline).enqueue(page.pk, page.step)


def escalate(page_id: int, step: int, now: datetime | None = None) -> bool:
    """Move a page whose deadline has passed from ``step`` to the next engineer (or to basic
    support). True for the one caller that did it; False when it was not due, was already
    acknowledged or someone else moved it first."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Page.objects.filter(
            pk=page_id, step=step, status__in=WAITING, ack_deadline__lte=now
        ).update(step=F("step") + 1, ack_deadline=None)
        if claimed != 1:
            return False
        page = Page.objects.select_related("account", "contact").get(pk=page_id)
        _page_from(page, step + 1, now)
        record(
            None,
            "page.escalate",
            page,
            account=page.account,
            changes={"from_step": step, "to": page.target_name, "status": page.status},
        )
        events.page_escalated.send(events.PageEvent(page, now))
    return True


def sweep(now: datetime | None = None, limit: int = 500) -> int:
    """Escalate every page whose acknowledgement time has run out; safe to run anywhere, any
    number of times at once. Returns how many steps this caller made."""
    now = now or timezone.now()
    due = Page.objects.due(now).order_by("ack_deadline").values_list("pk", "step")[:limit]
    return sum(escalate(pk, step, now) for pk, step in due)


def can_acknowledge(user: User | Any, page: Page) -> bool:
    if not isinstance(user, User) or not user.is_active or not user.is_provider_staff:
        return False
    if user.is_admin or any(c.get("username") == user.username for c in page.chain):
        return True
    return visible_accounts(user).filter(pk=page.account_id).exists()


def acknowledge(page: Page, user: User, via: str, at: datetime | None = None) -> bool:
    """Stop the escalation: True when this call acknowledged, False when the page was
    already acknowledged (or resolved). Raises PermissionDenied for someone who may not."""
    if via not in AckVia.values:
        raise ValueError(f"unknown acknowledgement channel {via!r}")
    if not can_acknowledge(user, page):
        raise PermissionDenied("Only the provider's engineers on this account can acknowledge.")
    now = at or timezone.now()
    with transaction.atomic():
        won = Page.objects.filter(pk=page.pk, status__in=UNACKNOWLEDGED).update(
            status=PageStatus.ACKNOWLEDGED,
            acknowledged_by=user,
            acknowledged_at=now,
            ack_via=via,
            ack_deadline=None,
        )
        page.refresh_from_db()
        if won != 1:
            return False
        PageStep.objects.create(
            page=page,
            kind=StepKind.ACKNOWLEDGED,
            at=now,
            position=page.step,
            user=user,
            target_name=user.username,
            via=via,
            detail=f"acknowledged by {user.display_name}",
        )
        record(user, "page.acknowledge", page, account=page.account, changes={"via": via})
        notify.tell_client_acknowledged(page)
        events.page_acknowledged.send(events.PageEvent(page, now))
    return True


def resolve(page: Page, user: User, note: str = "", at: datetime | None = None) -> bool:
    """Close a page (acknowledging it first if nobody had)."""
    now = at or timezone.now()
    if page.is_unacknowledged:
        acknowledge(page, user, AckVia.BUTTON, now)
    elif not can_acknowledge(user, page):
        raise PermissionDenied("Only the provider's engineers on this account can resolve.")
    with transaction.atomic():
        won = Page.objects.filter(pk=page.pk, status=PageStatus.ACKNOWLEDGED).update(
            status=PageStatus.RESOLVED, resolved_at=now
        )
        page.refresh_from_db()
        if won != 1:
            return False
        PageStep.objects.create(
            page=page,
            kind=StepKind.RESOLVED,
            at=now,
            position=page.step,
            user=user,
            target_name=user.username,
            detail=note[:300] or f"resolved by {user.display_name}",
        )
        record(user, "page.resolve", page, account=page.account, changes={"note": note[:300]})
    return True


# -- for the channels ---------------------------------------------------------------------


def acknowledge_by_reply(
    sender: User, page_id: int | None, at: datetime | None = None
) -> Page | None:
    """A reply (e-mail or SMS "ACK 12") from an engineer; without an id, the engineer's
    single waiting page. None when there is nothing they can acknowledge."""
    from psm.paging.queries import pages_waiting_for

    waiting = pages_waiting_for(sender)
    page: Page | None
    if page_id is not None:
        page = Page.objects.filter(pk=page_id).first()
    else:
        candidates = list(waiting[:2])
        page = candidates[0] if len(candidates) == 1 else None
    if page is None or not can_acknowledge(sender, page):
        return None
    acknowledge(page, sender, AckVia.REPLY, at)
    return page
