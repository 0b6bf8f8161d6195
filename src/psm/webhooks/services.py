"""Webhook endpoints (set up, edited, rotated, disabled) and deliveries (written in the
transaction of the change, sent by the worker, retried, replayed).

Delivery is at least once: each attempt carries the delivery's ``webhook-id``, the same for
every retry, replay and redelivery after a worker died mid-request, so a receiver drops a
repeat by it."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from psm.accounts.models import Account
from psm.audit.models import record
from psm.lib import crypto
from psm.lib.bulk import insert
from psm.notifications.models import TransportKind
from psm.notifications.services import notify
from psm.team.models import Role, User
from psm.webhooks import guard, signing, transport
from psm.webhooks.catalog import EVENTS, TEST_EVENT, Announcement
from psm.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint

log = logging.getLogger(__name__)

BACKOFF_CAP = timedelta(hours=12)


# --- Endpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointSpec:
    url: str
    events: Sequence[str]
    account: Account | None = None
    description: str = ""


def clean_events(events: Iterable[str]) -> list[str]:
    chosen = [e.strip() for e in events if e.strip()]
    unknown = sorted(set(chosen) - set(EVENTS))
    if unknown:
        raise ValidationError(
            f"Unknown event type: {', '.join(unknown)}. Known: {', '.join(EVENTS)}."
        )
    if not chosen:
        raise ValidationError("Choose at least one event type.")
    return [e for e in EVENTS if e in chosen]


def clean_url(url: str) -> str:
    url = url.strip()
    try:
        guard.check_literal(url)
    except guard.Refused as exc:
        raise ValidationError(f"This URL cannot receive webhooks: {exc}.") from None
    return url


def create_endpoint(actor: User | None, spec: EndpointSpec) -> Endpoint:
    endpoint = Endpoint(
        account=spec.account,
        url=clean_url(spec.url),
        description=spec.description.strip(),
        events=clean_events(spec.events),
        created_by=actor,
    )
    endpoint.set_secret(signing.new_secret())
    with transaction.atomic():
        endpoint.save()
        record(
            actor,
            "webhook.create",
            endpoint,
            account=spec.account,
            changes={"url": endpoint.url, "events": endpoint.events},
        )
    return endpoint


def update_endpoint(actor: User | None, endpoint: Endpoint, spec: EndpointSpec) -> Endpoint:
    """Save what changed (nothing written, not even an audit entry, when nothing did)."""
    after = {
        "url": clean_url(spec.url),
        "events": clean_events(spec.events),
        "description": spec.description.strip(),
        "account_id": spec.account.pk if spec.account else None,
    }
    before = {name: getattr(endpoint, name) for name in after}
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if not changes:
        return endpoint
    with transaction.atomic():
        for name, value in after.items():
            setattr(endpoint, name, value)
        endpoint.save()
        record(actor, "webhook.update", endpoint, account=endpoint.account, changes=changes)
    return endpoint


def rotate_secret(actor: User | None, endpoint: Endpoint, now: datetime | None = None) -> str:
    """A new secret signs from now on; the old one adds a second signature for
    ``PSM_WEBHOOKS_ROTATION_HOURS`` so receivers can switch without losing a delivery."""
    now = now or timezone.now()
    until = now + timedelta(hours=settings.PSM_WEBHOOKS_ROTATION_HOURS)
    secret = signing.new_secret()
    with transaction.atomic():
        locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        olds = [o for o in locked.old_secrets if datetime.fromisoformat(o["until"]) > now]
        if settings.PSM_WEBHOOKS_ROTATION_HOURS:
            olds.insert(0, {"secret": locked.secret_encrypted, "until": until.isoformat()})
        locked.old_secrets = olds
        locked.set_secret(secret)
        locked.save(update_fields=["secret_encrypted", "old_secrets", "updated_at"])
        record(
            actor,
            "webhook.rotate",
            locked,
            account=locked.account,
            changes={"old_secret_valid_until": until.isoformat()},
        )
    endpoint.refresh_from_db()
    return secret


def disable(
    actor: User | None, endpoint: Endpoint, reason: str, *, tell_owner: bool = False
) -> bool:
    """Stop sending to it; what was still waiting is marked failed (replay it once the
    endpoint is enabled again). False when it was disabled already."""
    now = timezone.now()
    with transaction.atomic():
        won = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_reason=reason[:300], disabled_at=now, updated_at=now
        )
        if not won:
            return False
        Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED,
            last_error="Not sent: the endpoint was disabled.",
            claimed_until=None,
        )
        endpoint.refresh_from_db()
        record(
            actor, "webhook.disable", endpoint, account=endpoint.account, changes={"reason": reason}
        )
        if tell_owner:
            _tell_owner(endpoint, reason, now)
    return True


def enable(actor: User | None, endpoint: Endpoint) -> bool:
    with transaction.atomic():
        won = Endpoint.objects.filter(pk=endpoint.pk, is_active=False).update(
            is_active=True, disabled_reason="", disabled_at=None, failing_since=None
        )
        if won:
            endpoint.refresh_from_db()
            record(actor, "webhook.enable", endpoint, account=endpoint.account)
    return bool(won)


def owners(endpoint: Endpoint) -> list[User]:
    """Who is told about the endpoint: whoever set it up, else the administrators."""
    creator = endpoint.created_by
    if creator is not None and creator.is_active and creator.email:
        return [creator]
    return list(
        User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def _tell_owner(endpoint: Endpoint, reason: str, now: datetime) -> None:
    people = owners(endpoint)
    if not people:
        log.warning("webhook endpoint %s disabled (%s); nobody to tell", endpoint.pk, reason)
        return
    link = f"{settings.BASE_URL.rstrip('/')}{endpoint.get_absolute_url()}"
    about = endpoint.scope_label + (f": {endpoint.description}" if endpoint.description else "")
    body = (
        f"PSM stopped sending webhooks to {endpoint.url} ({about}).\n\n"
        f"Why: {reason}\n\n"
        "Deliveries that were still waiting are kept in the delivery log. Once the receiver "
        "works again, enable the endpoint and replay them:\n"
        f"{link}\n"
    )
    notify(
        f"webhook:{endpoint.pk}:disabled:{now.isoformat()}",
        transport=TransportKind.EMAIL,
        recipient=", ".join(p.email for p in people),
        subject=f"Webhook endpoint disabled: {endpoint.url}"[:300],
        body=body,
        user=people[0],
        account=endpoint.account,
    )


# --- Deliveries: written with the change -------------------------------------------------


def _body(type_: str, at: datetime, data: dict[str, Any]) -> str:
    return json.dumps(
        {"type": type_, "timestamp": at.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _wanting(type_: str) -> list[Endpoint]:
    endpoints = Endpoint.objects.filter(is_active=True).only("pk", "events", "account_id")
    return [e for e in endpoints if type_ in e.events]


def _for(endpoints: Sequence[Endpoint], account_id: int | None, internal: bool) -> list[Endpoint]:
    """Of ``endpoints``, those told about this account: the installation's, and the
    account's own unless the event is internal."""
    if internal or account_id is None:
        return [e for e in endpoints if e.account_id is None]
    return [e for e in endpoints if e.account_id in (None, account_id)]


def subscribers(type_: str, account_id: int | None, *, internal: bool = False) -> list[Endpoint]:
    """The enabled endpoints that want ``type_`` about this account."""
    return _for(_wanting(type_), account_id, internal)


Build = Callable[[], Announcement]


def announce(type_: str, account_id: int | None, build: Build, *, internal: bool = False) -> int:
    """Write one delivery per subscribed endpoint (in the caller's transaction) and queue
    their sending; ``build`` makes the body only when someone listens. An announcement
    naming a ``fact`` already announced adds nothing."""
    return announce_many(type_, [(account_id, build, internal)])


def announce_many(type_: str, items: Sequence[tuple[int | None, Build, bool]]) -> int:
    """``announce`` for a batch of events of one type (a sweep's ``send_many``): one query
    for the endpoints, one INSERT for the deliveries, one task to send them."""
    if not items:
        return 0
    wanting = _wanting(type_)
    if not wanting:
        return 0
    batch = []
    for account_id, build, internal in items:
        endpoints = _for(wanting, account_id, internal)
        if endpoints:
            batch.append((build(), endpoints))
    return write(batch)


def write(batch: Sequence[tuple[Announcement, Sequence[Endpoint]]]) -> int:
    now = timezone.now()
    until = now + timedelta(hours=settings.PSM_WEBHOOKS_RETRY_HOURS)
    rows: list[Delivery] = []
    ids: list[str] = []
    for announcement, endpoints in batch:
        if announcement.fact:
            msg_id = "msg_" + hashlib.sha256(announcement.fact.encode()).hexdigest()[:24]
        else:
            msg_id = signing.new_message_id()
        ids.append(msg_id)
        body = _body(announcement.type, announcement.at, announcement.data)
        rows += [
            Delivery(
                endpoint_id=endpoint.pk,
                key=f"{endpoint.pk}:{announcement.fact or msg_id}",
                msg_id=msg_id,
                event_type=announcement.type,
                account_id=announcement.account_id,
                body=body,
                next_attempt_at=now,
                retry_until=until,
                created_at=now,
            )
            for endpoint in endpoints
        ]
    if not rows:
        return 0
    insert(rows, returning=False, ignore_conflicts=True)
    from psm.webhooks.tasks import deliver_messages

    deliver_messages.enqueue(ids)
    return len(rows)


def send_test(actor: User | None, endpoint: Endpoint) -> Delivery:
    """A ``webhook.test`` delivery to this endpoint alone (the staff page's button)."""
    now = timezone.now()
    data = {
        "endpoint": endpoint.pk,
        "account": (
            {
                "id": endpoint.account.pk,
                "slug": endpoint.account.slug,
                "name": endpoint.account.name,
            }
            if endpoint.account
            else None
        ),
        "sent_by": actor.username if actor else None,
    }
    with transaction.atomic():
        write([(Announcement(TEST_EVENT, endpoint.account_id, data, now), [endpoint])])
    return endpoint.deliveries.filter(event_type=TEST_EVENT).latest("created_at", "id")


def replay(actor: User | None, delivery: Delivery) -> None:
    """Send a delivery again (same ``webhook-id`` and body), with a fresh round of retries."""
    endpoint = Endpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.is_active:
        raise ValidationError("The endpoint is disabled: enable it first, then replay.")
    now = timezone.now()
    with transaction.atomic():
        won = (
            Delivery.objects.filter(pk=delivery.pk)
            .exclude(status=DeliveryStatus.SENDING, claimed_until__gte=now)
            .update(
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                retry_until=now + timedelta(hours=settings.PSM_WEBHOOKS_RETRY_HOURS),
                claimed_until=None,
            )
        )
        if not won:
            raise ValidationError("It is being sent right now.")
        record(
            actor,
            "webhook.replay",
            endpoint,
            account=endpoint.account,
            changes={"delivery": delivery.pk, "webhook_id": delivery.msg_id},
        )
        from psm.webhooks.tasks import deliver_messages

        deliver_messages.enqueue([delivery.msg_id])
    delivery.refresh_from_db()


# --- Deliveries: sent by the worker -------------------------------------------------------


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential from ``PSM_WEBHOOKS_BACKOFF_SECONDS`` (30 s, 1 min, 2 min … capped at 12
    hours), with equal jitter: half the step fixed, half random, so receivers that came back
    are not hit by every sender at once."""
    base = float(settings.PSM_WEBHOOKS_BACKOFF_SECONDS)
    step = min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP.total_seconds())
    return timedelta(seconds=step / 2 + (rng or random).uniform(0, step / 2))


def _error_for(outcome: transport.Outcome) -> str:
    if outcome.error:
        return outcome.error
    code = outcome.status_code
    if code is not None and 300 <= code < 400:
        where = f" to {outcome.location}" if outcome.location else ""
        return f"The receiver answered {code} (a redirect{where}); redirects are not followed."
    return f"The receiver answered {code}."


def deliver(delivery: Delivery) -> bool:
    """One attempt, if this caller wins the claim. True when the receiver took it now."""
    now = timezone.now()
    if not delivery.claim(now, timedelta(seconds=settings.PSM_WEBHOOKS_LEASE_SECONDS)):
        return False
    mine = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_until=delivery.claimed_until
    )
    endpoint = Endpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.is_active:
        mine.update(
            status=DeliveryStatus.FAILED,
            last_error="Not sent: the endpoint is disabled.",
            claimed_until=None,
        )
        return False
    body = delivery.body.encode()
    started = timezone.now()
    address = ""
    try:
        target = guard.resolve(endpoint.url)
    except guard.Refused as exc:
        outcome = transport.Outcome(None, f"Refused: {exc}", "", 0)
    else:
        address = target.address
        stamp = int(started.timestamp())
        headers = signing.headers(endpoint.signing_secrets(started), delivery.msg_id, stamp, body)
        outcome = transport.post(
            target, body, headers, float(settings.PSM_WEBHOOKS_TIMEOUT_SECONDS)
        )
    finished = timezone.now()
    error = "" if outcome.ok else _error_for(outcome)
    attempt = Attempt(
        delivery=delivery,
        at=started,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=error[:500],
        response=outcome.response,
        address=address,
    )
    if outcome.ok:
        with transaction.atomic():
            attempt.save()
            mine.update(
                status=DeliveryStatus.DELIVERED,
                delivered_at=finished,
                claimed_until=None,
                last_status_code=outcome.status_code,
                last_error="",
            )
            if endpoint.failing_since is not None:
                Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return True
    attempt.save()
    log.warning(
        "webhook %s to %s attempt %s: %s", delivery.msg_id, endpoint.url, delivery.attempts, error
    )
    # The attempt's start, as its log entry: "failing since" compares with the log below.
    Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=started
    )
    failed = {"last_status_code": outcome.status_code, "last_error": error, "claimed_until": None}
    if outcome.status_code == 410:
        mine.update(status=DeliveryStatus.FAILED, **failed)
        disable(
            None,
            endpoint,
            "The receiver answered 410 Gone: it no longer accepts these webhooks.",
            tell_owner=True,
        )
        return False
    next_at = finished + backoff(delivery.attempts)
    if next_at <= delivery.retry_until:
        mine.update(status=DeliveryStatus.PENDING, next_attempt_at=next_at, **failed)
        return False
    mine.update(status=DeliveryStatus.FAILED, **failed)
    # Persistent failure: nothing reached this endpoint since this delivery's first attempt
    # of its round (a success in between clears ``failing_since``).
    window_start = delivery.retry_until - timedelta(hours=settings.PSM_WEBHOOKS_RETRY_HOURS)
    first = delivery.log.filter(at__gte=window_start).order_by("at").values_list("at", flat=True)
    endpoint.refresh_from_db()
    if endpoint.failing_since is not None and first and endpoint.failing_since <= first[0]:
        disable(
            None,
            endpoint,
            f"No delivery has succeeded for {settings.PSM_WEBHOOKS_RETRY_HOURS} hours "
            f"(last error: {error})",
            tell_owner=True,
        )
    return False


def deliver_messages(msg_ids: Sequence[str]) -> int:
    """Send these events' deliveries (one per endpoint each), as the task queued with them
    does."""
    now = timezone.now()
    rows = Delivery.objects.filter(Delivery.claimable(now), msg_id__in=msg_ids).order_by("pk")
    return sum(deliver(row) for row in rows)


def deliver_due(limit: int = 500) -> int:
    """Retries whose time has come, and rows a dead worker left (their lease ran out)."""
    now = timezone.now()
    rows = Delivery.objects.filter(Delivery.claimable(now)).order_by("next_attempt_at")[:limit]
    return sum(deliver(row) for row in rows)


def secret_shown(endpoint: Endpoint) -> str:
    """The endpoint's current secret, for its owner's page (decrypted on request)."""
    try:
        return endpoint.secret
    except crypto.UnreadableSecret as exc:
        return str(exc)
