"""Private calendar feeds: a secret URL per engineer or per account, revocable at any time.

The token is 256 random bits; only its SHA-256 is stored. A feed answers only while it is not
revoked, its owner is active, and the owner may still see what it shows (scoping is checked
on every fetch, so losing an account's assignment empties that account's feed at once).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from psm.accounts.models import Account
from psm.accounts.scoping import visible_accounts
from psm.audit.models import record
from psm.engagement import ical
from psm.engagement.models import CalendarFeed, FeedScope, Touchpoint, hash_token
from psm.engagement.services.cadences import due_states
from psm.team.models import User

PAST = timedelta(days=90)
FUTURE_DUE = timedelta(days=120)


def create_feed(
    actor: User, scope: str, account: Account | None = None
) -> tuple[CalendarFeed, str]:
    if scope == FeedScope.ENGINEER:
        if not actor.is_provider_staff:
            raise PermissionDenied("Personal feeds are for the provider's staff.")
        account = None
    elif scope == FeedScope.ACCOUNT:
        if account is None or not visible_accounts(actor).filter(pk=account.pk).exists():
            raise PermissionDenied("No such account.")
    else:
        raise ValidationError(f"Unknown feed scope {scope!r}.")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        owner=actor,
        scope=scope,
        account=account,
        token_hash=hash_token(token),
        token_hint=token[-4:],
    )
    record(actor, "calendar_feed.create", feed, account=account)
    return feed, token


def revoke_feed(actor: User, feed: CalendarFeed) -> None:
    if feed.owner_id != actor.pk and not actor.is_admin:
        raise PermissionDenied("Only the feed's owner can revoke it.")
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record(actor, "calendar_feed.revoke", feed, account=feed.account)


def feed_url(token: str) -> str:
    return settings.BASE_URL + reverse("engagement:feed", args=[token])


def resolve_feed(token: str) -> CalendarFeed | None:
    """The live feed for a token, or None (unknown, revoked, owner gone or lost access)."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("owner", "account")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if feed is None:
        return None
    if feed.scope == FeedScope.ACCOUNT:
        if not visible_accounts(feed.owner).filter(pk=feed.account_id or 0).exists():
            return None
    elif not feed.owner.is_provider_staff:
        return None
    return feed


def feed_ics(feed: CalendarFeed, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    user = feed.owner
    touchpoints = Touchpoint.objects.filter(starts_at__gte=now - PAST).select_related(
        "account", "owner", "site"
    )
    due: list[tuple[str, str, object]] = []
    if feed.scope == FeedScope.ACCOUNT:
        assert feed.account is not None
        touchpoints = touchpoints.filter(account=feed.account)
        name = f"PSM — {feed.account.name}"
    else:
        touchpoints = touchpoints.filter(account__in=visible_accounts(user)).filter(
            Q(owner=user) | Q(attendees__user=user)
        )
        name = f"PSM — {user.display_name}"
        for state in due_states(
            owner=user, accounts=visible_accounts(user), within=FUTURE_DUE, now=now
        ):
            assert state.next_due is not None
            local = state.next_due.astimezone(ZoneInfo(state.account.timezone)).date()
            label = "overdue" if state.overdue else "due"
            due.append(
                (
                    f"due-{state.pk}-{state.next_due:%Y%m%d}@psm",
                    f"{state.get_kind_display()} {label}: {state.account.name}",
                    local,
                )
            )
    private = user.is_provider_staff
    data = ical.feed(
        name,
        touchpoints.distinct().order_by("starts_at"),
        due,  # type: ignore[arg-type]
        private_details=private,
    )
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return data
