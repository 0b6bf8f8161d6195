"""Demo calls and texts for Acme: yesterday's call forwarded to the PSM, a text answered with
the paging keywords, and a call from an unknown number."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from psm.accounts.models import Account, Contact
from psm.channels.telephony.models import CallLog, Kind, Outcome
from psm.coverage.adapters import route_for
from psm.team.models import User


def populate() -> dict[str, int]:
    account = Account.objects.filter(slug="acme").first()
    if account is None:
        return {"calls": 0}
    contact = (
        Contact.objects.filter(account=account, user__isnull=False).first()
        or Contact.objects.filter(account=account).first()
    )
    return {"calls": _calls(account, contact)}


def _calls(account: Account, contact: Contact | None) -> int:
    if CallLog.objects.filter(account=account).exists() or contact is None:
        return CallLog.objects.count()
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    route = route_for(account, contact.default_priority, yesterday)
    engineer = User.objects.filter(username=route.target).first() if route else None
    number = contact.mobile or contact.phone or "+1 617 555 0100"
    CallLog.objects.create(
        kind=Kind.VOICE,
        provider_sid="CAdemo0001",
        account=account,
        contact=contact,
        engineer=engineer,
        from_number=number,
        to_number="+1 617 555 0199",
        outcome=Outcome.ANSWERED if engineer else Outcome.VOICEMAIL,
        priority=contact.default_priority,
        route=route.explain() if route else {},
        body="menu: 2",
        dial_status="completed" if engineer else "",
        created_at=yesterday,
    )
    CallLog.objects.create(
        kind=Kind.SMS,
        provider_sid="SMdemo0001",
        account=account,
        contact=contact,
        from_number=number,
        to_number="+1 617 555 0199",
        outcome=Outcome.REPLIED,
        body="is the upgrade still on for Friday?",
        detail="To page your PSM, text PAGE followed by what is happening (or P1 … P4).",
        created_at=now - timedelta(hours=5),
    )
    CallLog.objects.create(
        kind=Kind.VOICE,
        provider_sid="CAdemo0002",
        from_number="+1 202 555 0143",
        to_number="+1 617 555 0199",
        outcome=Outcome.UNKNOWN,
        created_at=now - timedelta(hours=2),
    )
    return CallLog.objects.count()
