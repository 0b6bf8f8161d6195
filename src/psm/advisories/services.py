"""The PSM's work on advisories, one verb each: re-match, review, deliver, mark not
relevant, edit the client's text, acknowledge, set an install's status, remind.

Every change writes, audits and notifies (through the outbox) in one transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from psm.accounts.models import Account, Contact
from psm.advisories import matching
from psm.advisories.events import AdvisoryDelivered, advisory_delivered
from psm.advisories.models import (
    AccountAdvisory,
    Advisory,
    AdvisoryPolicy,
    InstallAction,
    InstallState,
    ItemState,
    Match,
    ReviewState,
    Statement,
)
from psm.advisories.versions import Unreadable, parse_vers
from psm.audit.models import record
from psm.notifications.models import TransportKind
from psm.notifications.services import collected, notify
from psm.team.models import Assignment, AssignmentRole, User

log = logging.getLogger(__name__)
ACK_SALT = "psm.advisories.ack"
MAX_ACK_AGE = timedelta(days=90)
DEFAULT_REMIND_DAYS = 14
DEFAULT_REPEAT_DAYS = 7
OPEN_INSTALL_STATES = (InstallState.PENDING, InstallState.DEFERRED)


# --- matching and the work items it moves -----------------------------------------------


def rematch_advisories(advisory_ids: Iterable[int], *, revised: bool = False) -> matching.Changes:
    """After an import or a person's reading of a range: re-match and move the work items."""
    ids = list(advisory_ids)
    changes = matching.match_advisories(ids)
    pairs = set(changes.pairs)
    if revised:
        # A revision may drop every match of an account: look at the open items too.
        pairs |= set(
            AccountAdvisory.objects.filter(
                advisory_id__in=ids, state__in=[ItemState.REVIEW, ItemState.DELIVERED]
            ).values_list("account_id", "advisory_id")
        )
    refresh_items(pairs)
    return changes


def rematch_accounts(account_ids: Iterable[int]) -> matching.Changes:
    """After an inventory change (``accounts.installs_changed``)."""
    ids = list(account_ids)
    changes = matching.match_accounts(ids)
    pairs = set(changes.pairs) | set(
        AccountAdvisory.objects.filter(
            account_id__in=ids, state__in=[ItemState.REVIEW, ItemState.DELIVERED]
        ).values_list("account_id", "advisory_id")
    )
    refresh_items(pairs)
    return changes


def rematch_product(product_id: int) -> matching.Changes:
    """After a catalog change (``accounts.product_changed``)."""
    from psm.accounts.models import Product

    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return matching.Changes()
    return rematch_advisories(matching.resolve_product(product), revised=True)


def rematch_everything() -> matching.Changes:
    changes = matching.match_all()
    pairs = set(changes.pairs) | set(
        AccountAdvisory.objects.filter(
            state__in=[ItemState.REVIEW, ItemState.DELIVERED]
        ).values_list("account_id", "advisory_id")
    )
    refresh_items(pairs)
    return changes


def refresh_items(pairs: set[tuple[int, int]], now: datetime | None = None) -> None:
    """Bring each (account, advisory) work item in line with its matches: a new relevant
    advisory waits for review; one that is no longer relevant is withdrawn; a delivered one
    gains (or loses) installs. Each change of relevance tells the PSM."""
    if not pairs:
        return
    now = now or timezone.now()
    accounts = {a for a, _ in pairs}
    advisories = {v for _, v in pairs}
    counts = {
        (row["account_id"], row["advisory_id"]): row["n"]
        for row in Match.objects.filter(account_id__in=accounts, advisory_id__in=advisories)
        .values("account_id", "advisory_id")
        .annotate(n=Count("id"))
    }
    items = {
        (i.account_id, i.advisory_id): i
        for i in AccountAdvisory.objects.filter(
            account_id__in=accounts, advisory_id__in=advisories
        ).select_related("advisory", "account")
    }
    new_items = []
    told: list[tuple[AccountAdvisory, str]] = []
    for pair in pairs:
        count = counts.get(pair, 0)
        item = items.get(pair)
        if item is None and count:
            new_items.append(
                AccountAdvisory(
                    account_id=pair[0],
                    advisory_id=pair[1],
                    state=ItemState.REVIEW,
                    relevant_since=now,
                )
            )
        elif item is None:
            continue
        elif count and item.state == ItemState.WITHDRAWN:
            item.state = ItemState.REVIEW
            item.relevant_since = now
            item.save(update_fields=["state", "relevant_since"])
            told.append((item, "relevant"))
        elif not count and item.state in (ItemState.REVIEW, ItemState.DELIVERED):
            item.state = ItemState.WITHDRAWN
            item.remind_at = None
            item.save(update_fields=["state", "remind_at"])
            record(None, "advisory.withdraw", item, account=item.account)
            told.append((item, "withdrawn"))
        elif count and item.state == ItemState.DELIVERED and _sync_actions(item, now):
            told.append((item, "changed"))
    if new_items:
        AccountAdvisory.objects.bulk_create(new_items, batch_size=1000)
        fresh = AccountAdvisory.objects.filter(
            account_id__in={i.account_id for i in new_items},
            advisory_id__in={i.advisory_id for i in new_items},
            relevant_since=now,
            state=ItemState.REVIEW,
        ).select_related("advisory", "account")
        told += [(item, "relevant") for item in fresh]
    _tell_psms(told, now)


def primary_psms(account_ids: Iterable[int]) -> dict[int, User]:
    return {
        a.account_id: a.engineer
        for a in Assignment.objects.current()
        .filter(account_id__in=list(account_ids), role=AssignmentRole.PRIMARY)
        .select_related("engineer")
    }


WHY = {
    "relevant": "is relevant to",
    "withdrawn": "is no longer relevant to",
    "changed": "now matches other installs of",
}


def _tell_psms(told: list[tuple[AccountAdvisory, str]], now: datetime) -> None:
    """One e-mail per PSM, advisory and kind of change, naming each account concerned and
    the installs matched (a big advisory tells a PSM once, not once per account)."""
    if not told:
        return
    psms = primary_psms({item.account_id for item, _ in told})
    reasons: dict[tuple[int, int], list[str]] = {}
    for account_id, advisory_id, reason, fixed in Match.objects.filter(
        account_id__in={i.account_id for i, _ in told},
        advisory_id__in={i.advisory_id for i, _ in told},
    ).values_list("account_id", "advisory_id", "reason", "fixed_in"):
        line = f"{reason} (fixed in {fixed})" if fixed else reason
        reasons.setdefault((account_id, advisory_id), []).append(line)
    groups: dict[tuple[int, int, str], list[AccountAdvisory]] = {}
    for item, kind in told:
        psm = psms.get(item.account_id)
        if psm is not None and psm.email:
            groups.setdefault((psm.pk, item.advisory_id, kind), []).append(item)
    by_pk = {psm.pk: psm for psm in psms.values()}
    with collected():
        for (psm_pk, _, kind), group in groups.items():
            psm = by_pk[psm_pk]
            group.sort(key=lambda i: i.account.name)
            advisory = group[0].advisory
            entries = [
                {
                    "account": item.account.name,
                    "url": settings.BASE_URL + item.get_absolute_url(),
                    "reasons": sorted(reasons.get((item.account_id, item.advisory_id), [])),
                }
                for item in group
            ]
            whom = group[0].account.name if len(group) == 1 else f"{len(group)} of your accounts"
            ids = ",".join(str(i.pk) for i in group)
            digest = hashlib.sha256(f"{ids}:{now.isoformat()}".encode()).hexdigest()[:20]
            notify(
                f"advisory:{advisory.pk}:{advisory.revision}:{kind}:{psm.pk}:{digest}",
                transport=TransportKind.EMAIL,
                recipient=psm.email,
                subject=f"[{advisory.tracking_id}] {WHY[kind]} {whom}"[:300],
                body=psm_email(advisory, kind, entries),
                user=psm,
                account=group[0].account if len(group) == 1 else None,
            )


NEXT_STEP = {
    "relevant": "Each waits for your review: deliver it, edit the text for the client, or "
    "mark it not relevant.",
    "withdrawn": "Nothing more is needed unless you told the client about it.",
    "changed": "The installs on the delivered advisory have been updated.",
}


def psm_email(advisory: Advisory, kind: str, entries: list[dict[str, Any]]) -> str:
    """The PSM's e-mail about a change of relevance, in plain text. Built in Python rather
    than by a template: a big advisory tells up to every PSM at once, inside the import."""
    whom = entries[0]["account"] if len(entries) == 1 else f"{len(entries)} of your accounts"
    lines = [
        f"{advisory.tracking_id} (revision {advisory.revision}) {WHY[kind]} {whom}.",
        "",
        advisory.title,
    ]
    if advisory.severity:
        score = f" (CVSS {advisory.score})" if advisory.score else ""
        lines.append(f"Severity: {advisory.get_severity_display()}{score}")
    if advisory.cves:
        lines.append(f"CVEs: {', '.join(advisory.cves)}")
    if advisory.tlp:
        lines.append(f"TLP:{advisory.tlp}")
    for entry in entries:
        lines += ["", f"{entry['account']}:"]
        reasons = entry["reasons"] or ["it matches none of the account's installs any more"]
        lines += [f"- {reason}" for reason in reasons]
        lines.append(entry["url"])
    lines += ["", NEXT_STEP[kind], ""]
    return "\n".join(lines)


def _sync_actions(item: AccountAdvisory, now: datetime) -> bool:
    """A delivered item's per-install rows follow its matches; True when they changed."""
    matched = set(
        Match.objects.filter(account_id=item.account_id, advisory_id=item.advisory_id).values_list(
            "install_id", flat=True
        )
    )
    have = {a.install_id: a for a in item.actions.all()}
    added = [InstallAction(item=item, install_id=i) for i in matched - set(have)]
    if added:
        InstallAction.objects.bulk_create(added)
    dropped = [a.pk for i, a in have.items() if i not in matched and a.state in OPEN_INSTALL_STATES]
    if dropped:
        InstallAction.objects.filter(pk__in=dropped).update(
            state=InstallState.NOT_APPLICABLE,
            deferred_until=None,
            note=f"No longer affected (revision {item.advisory.revision}).",
        )
    if added or dropped:
        _schedule(item, now)
        item.save(update_fields=["remind_at"])
    return bool(added or dropped)


# --- the PSM's review ------------------------------------------------------------------


def deliver(
    actor: User,
    item: AccountAdvisory,
    *,
    client_text: str | None = None,
    confirm_tlp: bool = False,
    now: datetime | None = None,
) -> list[str]:
    """Deliver to the contacts who receive advisories; returns their addresses.

    TLP:AMBER and TLP:RED documents need the PSM's explicit confirmation that this client
    may receive it (they are never sent without a person's review in any case)."""
    now = now or timezone.now()
    advisory = item.advisory
    if item.state not in (ItemState.REVIEW, ItemState.DELIVERED):
        raise ValidationError(f"This advisory is {item.get_state_display().lower()}.")
    if item.state == ItemState.DELIVERED and item.delivered_revision == advisory.revision:
        raise ValidationError("This revision has already been delivered.")
    if advisory.restricted and not confirm_tlp:
        raise ValidationError(
            f"TLP:{advisory.tlp} — confirm that this client may receive it before delivering."
        )
    contacts = advisory_contacts(item.account)
    if not contacts:
        raise ValidationError(
            "No contact of this account receives advisories: tick *Receives advisories* "
            "on a contact first."
        )
    with transaction.atomic():
        if client_text is not None:
            item.client_text = client_text.strip()
        item.state = ItemState.DELIVERED
        item.delivered_at = now
        item.delivered_revision = advisory.revision
        item.reviewed_by = actor
        item.reviewed_at = now
        item.save()
        _sync_actions(item, now)
        _schedule(item, now)
        item.save(update_fields=["remind_at"])
        sent = []
        for contact in contacts:
            notify(
                f"advisory-delivery:{item.pk}:{advisory.revision}:{contact.pk}"[:200],
                transport=TransportKind.EMAIL,
                recipient=contact.primary_email,
                subject=f"[{advisory.tracking_id}] {advisory.title}"[:300],
                body=render_to_string(
                    "advisories/email/delivery.txt", delivery_context(item, contact)
                ),
                account=item.account,
            )
            sent.append(contact.primary_email)
        record(
            actor,
            "advisory.deliver",
            item,
            account=item.account,
            changes={"revision": advisory.revision, "to": sent},
        )
        advisory_delivered.send(
            AdvisoryDelivered(
                account_id=item.account_id,
                advisory_id=advisory.pk,
                item_id=item.pk,
                tracking_id=advisory.tracking_id,
                revision=advisory.revision,
                delivered_by_id=actor.pk,
            )
        )
    return sent


def advisory_contacts(account: Account) -> list[Contact]:
    contacts = account.contacts.filter(is_active=True, receives_advisories=True).prefetch_related(
        "emails"
    )
    return [c for c in contacts if c.primary_email]


def delivery_context(item: AccountAdvisory, contact: Contact | None) -> dict[str, object]:
    advisory = item.advisory
    return {
        "item": item,
        "advisory": advisory,
        "contact": contact,
        "account": item.account,
        "text": item.client_text or advisory.summary,
        "matches": list(
            Match.objects.filter(account_id=item.account_id, advisory=advisory)
            .select_related("install__product", "install__site")
            .order_by("reason")
        ),
        "remediations": [r for r in advisory.remediations if r.get("details")][:5],
        "ack_url": ack_url(item, contact) if contact is not None else "",
        "portal_url": settings.BASE_URL + reverse("advisories:portal-item", args=[item.pk]),
    }


def mark_not_relevant(actor: User, item: AccountAdvisory, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why it is not relevant to this client.")
    if item.state != ItemState.REVIEW:
        raise ValidationError("Only an advisory waiting for review can be marked not relevant.")
    with transaction.atomic():
        item.state = ItemState.NOT_RELEVANT
        item.not_relevant_reason = reason
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.save()
        record(actor, "advisory.not_relevant", item, account=item.account, changes={"why": reason})


def edit_client_text(actor: User, item: AccountAdvisory, text: str) -> None:
    if text.strip() == item.client_text:
        return
    with transaction.atomic():
        before = item.client_text
        item.client_text = text.strip()
        item.save(update_fields=["client_text"])
        record(
            actor,
            "advisory.edit_text",
            item,
            account=item.account,
            changes={"client_text": [before, item.client_text]},
        )


# --- the client's side -----------------------------------------------------------------


class AckLinkError(Exception):
    """``reason``: invalid (forged, unknown, not delivered) or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=ACK_SALT)


def ack_token(item: AccountAdvisory, contact: Contact) -> str:
    return _signer().sign(f"{item.pk}.{item.nonce}.{contact.pk}")


def ack_url(item: AccountAdvisory, contact: Contact) -> str:
    return settings.BASE_URL + reverse("advisories:ack", args=[ack_token(item, contact)])


def read_ack_token(token: str) -> tuple[AccountAdvisory, Contact]:
    try:
        value = _signer().unsign(token, max_age=MAX_ACK_AGE)
    except signing.SignatureExpired:
        raise AckLinkError("expired") from None
    except signing.BadSignature:
        raise AckLinkError("invalid") from None
    item_id, nonce, contact_id = [*value.split("."), "", "", ""][:3]
    item = (
        AccountAdvisory.objects.select_related("advisory", "account")
        .filter(pk=int(item_id) if item_id.isdigit() else 0, nonce=nonce)
        .first()
    )
    contact = (
        Contact.objects.filter(
            pk=int(contact_id) if contact_id.isdigit() else 0, account_id=item.account_id
        ).first()
        if item is not None
        else None
    )
    if item is None or contact is None or item.state != ItemState.DELIVERED:
        raise AckLinkError("invalid")
    return item, contact


def acknowledge(item: AccountAdvisory, contact: Contact | None, actor: User | None) -> bool:
    """Record the client's acknowledgement once; False when it was already acknowledged."""
    if item.state != ItemState.DELIVERED:
        raise ValidationError("Only a delivered advisory can be acknowledged.")
    now = timezone.now()
    with transaction.atomic():
        won = AccountAdvisory.objects.filter(pk=item.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=contact
        )
        if not won:
            return False
        item.acknowledged_at, item.acknowledged_by = now, contact
        record(
            actor,
            "advisory.acknowledge",
            item,
            account=item.account,
            changes={"by": contact.name if contact else ""},
        )
    return True


@dataclass(frozen=True)
class InstallUpdate:
    state: str
    deferred_until: date | None = None
    note: str = ""


def set_install_state(actor: User, action: InstallAction, update: InstallUpdate) -> None:
    """Pending, applied, deferred until a date, or not applicable (staff or the client)."""
    if update.state not in InstallState.values:
        raise ValidationError(f"Unknown status {update.state!r}.")
    item = action.item
    if item.state != ItemState.DELIVERED:
        raise ValidationError("Only a delivered advisory's installs have a status.")
    deferred_until = update.deferred_until if update.state == InstallState.DEFERRED else None
    note = update.note.strip()[:500]
    if (action.state, action.deferred_until, action.note) == (update.state, deferred_until, note):
        return  # saved unchanged: nothing to write or audit
    if update.state == InstallState.DEFERRED:
        if deferred_until is None:
            raise ValidationError("Give the date it is deferred until.")
        if deferred_until <= timezone.localdate():
            raise ValidationError("A deferral ends on a future date.")
    with transaction.atomic():
        before = action.state
        action.state = update.state
        action.deferred_until = deferred_until
        action.note = note
        action.updated_by = actor
        action.save()
        _schedule(item, timezone.now())
        item.save(update_fields=["remind_at"])
        record(
            actor,
            "advisory.install_state",
            item,
            account=item.account,
            changes={
                "install": str(action.install),
                "state": [before, action.state],
                "deferred_until": action.deferred_until,
            },
        )


# --- reminders -------------------------------------------------------------------------


def policy_days(account: Account) -> tuple[int, int]:
    found = AdvisoryPolicy.objects.filter(plan_id=account.service_plan_id).first()
    if found is None:
        return DEFAULT_REMIND_DAYS, DEFAULT_REPEAT_DAYS
    return found.remind_after_days, found.repeat_days


def _schedule(item: AccountAdvisory, now: datetime) -> None:
    """``remind_at``: the first reminder N days after delivery, then every ``repeat_days``;
    a deferral that ends brings its install back at 09:00 the client's time that day."""
    actions = list(item.actions.all())
    if item.state != ItemState.DELIVERED or item.delivered_at is None:
        item.remind_at = None
        return
    first_days, repeat_days = policy_days(item.account)
    candidates = []
    if any(a.state == InstallState.PENDING for a in actions):
        if item.reminders_sent == 0:
            candidates.append(item.delivered_at + timedelta(days=first_days))
        elif repeat_days:
            candidates.append(max(now, item.delivered_at) + timedelta(days=repeat_days))
    zone = ZoneInfo(item.account.timezone)
    for action in actions:
        if action.state == InstallState.DEFERRED and action.deferred_until:
            candidates.append(datetime.combine(action.deferred_until, time(9), tzinfo=zone))
    item.remind_at = min(candidates) if candidates else None


def sweep_reminders(now: datetime | None = None) -> int:
    """Send every due reminder once: each item is claimed with a conditional UPDATE on its
    ``remind_at``, so two sweeps at once (or twice) remind once."""
    now = now or timezone.now()
    sent = 0
    due = AccountAdvisory.objects.filter(
        state=ItemState.DELIVERED, remind_at__lte=now
    ).select_related("advisory", "account")
    for item in due[:500]:
        with transaction.atomic():
            claimed = AccountAdvisory.objects.filter(
                pk=item.pk, remind_at=item.remind_at, state=ItemState.DELIVERED
            ).update(remind_at=None, reminders_sent=F("reminders_sent") + 1)
            if not claimed:
                continue
            item.reminders_sent += 1
            # Deferrals that ended are pending again.
            item.actions.filter(state=InstallState.DEFERRED, deferred_until__lte=now.date()).update(
                state=InstallState.PENDING, deferred_until=None
            )
            pending = list(
                item.actions.filter(state=InstallState.PENDING).select_related(
                    "install__product", "install__site"
                )
            )
            if pending:
                _remind(item, pending, now)
                sent += 1
            _schedule(item, now)
            item.save(update_fields=["remind_at"])
    return sent


def _remind(item: AccountAdvisory, pending: list[InstallAction], now: datetime) -> None:
    advisory = item.advisory
    psm = primary_psms([item.account_id]).get(item.account_id)
    for contact in advisory_contacts(item.account):
        context = {**delivery_context(item, contact), "pending": pending}
        notify(
            f"advisory-reminder:{item.pk}:{item.reminders_sent}:{contact.pk}"[:200],
            transport=TransportKind.EMAIL,
            recipient=contact.primary_email,
            subject=f"Reminder: [{advisory.tracking_id}] {advisory.title}"[:300],
            body=render_to_string("advisories/email/reminder.txt", context),
            account=item.account,
        )
    if psm is not None and psm.email:
        notify(
            f"advisory-reminder:{item.pk}:{item.reminders_sent}:psm"[:200],
            transport=TransportKind.EMAIL,
            recipient=psm.email,
            subject=f"[{advisory.tracking_id}] still pending at {item.account.name}"[:300],
            body=render_to_string(
                "advisories/email/reminder_psm.txt",
                {
                    "item": item,
                    "advisory": advisory,
                    "pending": pending,
                    "url": settings.BASE_URL + item.get_absolute_url(),
                },
            ),
            user=psm,
            account=item.account,
        )
    record(None, "advisory.remind", item, account=item.account, changes={"pending": len(pending)})


# --- a person reads a free-text range ---------------------------------------------------


def read_range(actor: User, statement: Statement, vers: str) -> None:
    """The PSM writes the range a free-text one means (``vers:generic/<7.2``); it matches
    from now on, and survives a revision that repeats the same text."""
    scheme = statement.catalog_product.version_scheme if statement.catalog_product else "dotted"
    try:
        parsed = parse_vers(vers, scheme)
    except Unreadable as exc:
        raise ValidationError(f"{exc}. Write it as e.g. vers:generic/>=7.0|<7.2") from None
    with transaction.atomic():
        statement.vers = parsed.vers()
        statement.review_state = ReviewState.RESOLVED
        statement.reviewed_by = actor
        statement.reviewed_at = timezone.now()
        statement.save()
        record(
            actor,
            "advisory.read_range",
            statement.advisory,
            changes={"text": statement.range_text, "vers": statement.vers},
        )
        rematch_advisories([statement.advisory_id], revised=True)


def ignore_range(actor: User, statement: Statement) -> None:
    with transaction.atomic():
        statement.review_state = ReviewState.IGNORED
        statement.reviewed_by = actor
        statement.reviewed_at = timezone.now()
        statement.save(update_fields=["review_state", "reviewed_by", "reviewed_at"])
        record(
            actor,
            "advisory.ignore_range",
            statement.advisory,
            changes={"text": statement.range_text},
        )
