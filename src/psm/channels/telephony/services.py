"""What a call or a text message does, once ``rules`` has said what it means: ask the
coverage engine who covers, log it on the account, turn a voicemail into a case and a
keyword into a page."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from psm.accounts.models import Priority
from psm.cases.models import Origin
from psm.cases.services import open_case
from psm.channels.telephony import rules
from psm.channels.telephony.models import CallLog, Kind, Outcome
from psm.channels.telephony.phones import normalize
from psm.coverage import adapters
from psm.coverage.engine.routing import Route
from psm.paging import services as paging
from psm.paging.models import PageSource
from psm.team.models import Engineer, User

log = logging.getLogger("psm.telephony")


def engineer_number(user: User | None) -> str:
    if user is None:
        return ""
    profile = Engineer.objects.filter(user=user).first()
    return normalize(profile.phone) if profile else ""


def _earlier(kind: str, sid: str) -> CallLog | None:
    """The row of an earlier delivery of this provider request (the provider retries). A
    refused request never counts: it was not the provider's, whatever id it claimed."""
    if not sid:
        return None
    return (
        CallLog.objects.filter(kind=kind, provider_sid=sid)
        .exclude(outcome=Outcome.REFUSED)
        .order_by("id")
        .first()
    )


def log_call(sid: str, from_number: str, to_number: str, at: datetime | None = None) -> CallLog:
    """The call's log row, once per provider call id (the provider retries webhooks)."""
    now = at or timezone.now()
    existing = _earlier(Kind.VOICE, sid)
    if existing is not None:
        return existing
    contact = rules.identify(from_number)
    return CallLog.objects.create(
        kind=Kind.VOICE,
        provider_sid=sid[:64],
        account=contact.account if contact else None,
        contact=contact,
        from_number=from_number[:40],
        to_number=to_number[:40],
        outcome=Outcome.RINGING if contact else Outcome.UNKNOWN,
        created_at=now,
    )


@dataclass(frozen=True)
class Forward:
    """Where a call goes: ``number`` to dial (may be empty: voicemail), what the caller hears."""

    route: Route | None
    engineer: User | None
    number: str
    say: str


def route_call(call: CallLog, priority: str, at: datetime | None = None) -> Forward:
    """Ask the coverage engine who covers the caller's account now and record the answer."""
    now = at or timezone.now()
    assert call.account is not None
    route = adapters.route_for(call.account, priority, now)
    engineer: User | None = None
    number = ""
    if route is None:
        say = "Your account has no engineer assigned yet. Please leave a message."
        number = normalize(settings.PSM_BASIC_SUPPORT_PHONE)
    elif route.channel == "fallback":
        say = route.client_message
        number = normalize(settings.PSM_BASIC_SUPPORT_PHONE)
    elif route.channel == "queue":
        say = f"{route.client_message}. Please leave a message after the tone."
    else:
        engineer = User.objects.filter(username=route.target, is_active=True).first()
        number = engineer_number(engineer)
        name = engineer.display_name if engineer else route.target
        say = f"Connecting you to {name}." if number else f"{name} cannot take calls right now."
    call.priority = priority
    call.route = route.explain() if route else {"reasons": ["the account has no PSM"]}
    call.engineer = engineer
    call.outcome = Outcome.FORWARDED if number else Outcome.VOICEMAIL
    call.detail = (say if not number else f"forwarded to {number}")[:300]
    call.save(update_fields=["priority", "route", "engineer", "outcome", "detail", "updated_at"])
    return Forward(route, engineer, number, say)


def dial_finished(call: CallLog, status: str) -> bool:
    """True when the call was answered; otherwise it goes to voicemail."""
    answered = status == "completed"
    call.dial_status = status[:20]
    call.outcome = Outcome.ANSWERED if answered else Outcome.VOICEMAIL
    call.save(update_fields=["dial_status", "outcome", "updated_at"])
    return answered


def voicemail_recorded(
    call: CallLog, recording_url: str, recording_sid: str, seconds: int | None
) -> str:
    """Open a case for the voicemail, once per recording; returns the case reference."""
    if call.account is None:
        return ""
    with transaction.atomic():
        claimed = CallLog.objects.filter(pk=call.pk, recording_sid="").update(
            recording_sid=recording_sid[:64] or "recorded",
            recording_url=recording_url[:500],
            recording_seconds=seconds,
            outcome=Outcome.VOICEMAIL,
        )
        if claimed != 1:
            call.refresh_from_db()
            return call.case_reference
        who = call.contact.name if call.contact else call.from_number
        case = open_case(
            None,
            call.account,
            title=f"Voicemail from {who}",
            text=(
                f"{who} called from {call.from_number} and left a "
                f"{seconds or 0}-second voicemail.\nRecording: {recording_url}\n"
            ),
            priority=call.priority or None,
            contact=call.contact,
            origin=Origin.PHONE,
        )
        CallLog.objects.filter(pk=call.pk).update(case_reference=case.reference)
        call.refresh_from_db()
        return case.reference


def sms_received(
    sid: str, from_number: str, to_number: str, body: str, at: datetime | None = None
) -> tuple[CallLog, str]:
    """A text message: "ACK 12" from an engineer acknowledges a page; "PAGE …" or "P1 …"
    from a contact opens one. Returns the log row and the reply to text back."""
    now = at or timezone.now()
    existing = _earlier(Kind.SMS, sid)
    if existing is not None:
        return existing, existing.detail  # the provider retried: the same answer again
    row = CallLog(
        kind=Kind.SMS,
        provider_sid=sid[:64],
        from_number=from_number[:40],
        to_number=to_number[:40],
        body=body[:2000],
        created_at=now,
    )
    decision = rules.classify_sms(from_number, body)
    if decision.action == "acknowledge":
        assert decision.engineer is not None
        page = paging.acknowledge_by_reply(decision.engineer, decision.page_id, now)
        row.engineer = decision.engineer
        if page is None:
            row.outcome, reply = Outcome.REPLIED, "No page of yours is waiting; nothing changed."
        else:
            row.account, row.page, row.outcome = page.account, page, Outcome.ACKNOWLEDGED
            reply = f"Page #{page.pk} ({page.account.name}) is acknowledged by you."
        row.detail = reply[:300]
        row.save()
        return row, reply
    contact = decision.contact
    if contact is None:
        row.outcome = Outcome.UNKNOWN
        reply = (
            "We could not recognise this number. Please text from the number your PSM has on "
            "file, or call us."
        )
        row.detail = reply
        row.save()
        return row, reply
    row.account, row.contact = contact.account, contact
    if decision.action == "help":
        row.outcome = Outcome.REPLIED
        reply = "To page your PSM, text PAGE followed by what is happening (or P1 … P4)."
        row.detail = reply
        row.save()
        return row, reply
    priority, message = decision.priority, decision.message
    page = paging.page_psm(
        contact.account,
        priority=priority if priority in Priority.values else Priority.P1,
        message=message,
        contact=contact,
        opened_by=contact.user,
        source=PageSource.SMS,
        at=now,
    )
    row.page, row.priority, row.outcome = page, page.priority, Outcome.PAGED
    link = f"{settings.BASE_URL}{page.get_absolute_url()}"
    reply = f"{page.client_message}. Page #{page.pk}: {link}"
    row.detail = reply[:300]
    row.save()
    return row, reply
