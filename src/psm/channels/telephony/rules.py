"""What a call or a text message means, separate from what is then done about it
(``services``): who is calling (a client's contact, one of our engineers, or nobody we
know), and what a text asks for ("ACK 12", "PAGE the server room is flooded", "P2 …")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from psm.accounts.models import Contact, Priority
from psm.channels.telephony.phones import normalize
from psm.team.models import Engineer, User

PAGE_RE = re.compile(r"^\s*(PAGE|P[1-4])\b[\s:,.-]*(.*)$", re.IGNORECASE | re.DOTALL)
ACK_RE = re.compile(r"^\s*ACK(?:NOWLEDGE)?\s*#?(\d+)?\s*$", re.IGNORECASE)


def identify(number: str) -> Contact | None:
    """The active contact calling from ``number``; None when unknown, or when the number is
    shared by contacts of different accounts (we never guess between two clients)."""
    e164 = normalize(number)
    if not e164:
        return None
    contacts = list(
        Contact.objects.filter(
            phone_numbers__number=e164, is_active=True, account__status__in=("active", "onboarding")
        )
        .select_related("account", "site", "user")
        .order_by("-phone_numbers__field", "pk")  # a mobile number first
        .distinct()
    )
    if len({c.account_id for c in contacts}) != 1:
        return None
    return contacts[0]


def identify_engineer(number: str) -> User | None:
    e164 = normalize(number)
    if not e164:
        return None
    for profile in Engineer.objects.exclude(phone="").select_related("user"):
        if profile.user.is_active and normalize(profile.phone) == e164:
            return profile.user
    return None


def parse_page(text: str) -> tuple[str, str] | None:
    """``("P1", "message")`` for "PAGE message" or "P1 message"; None for anything else."""
    found = PAGE_RE.match(text or "")
    if found is None:
        return None
    word = found.group(1).upper()
    return (Priority.P1 if word == "PAGE" else word), found.group(2).strip()


@dataclass(frozen=True)
class SmsDecision:
    """What a text asks for: ``acknowledge`` (an engineer's ACK, ``page_id`` or their one
    waiting page), ``page`` (a contact's keyword), ``help`` (a contact's other text) or
    ``unknown`` (a number we do not know)."""

    action: str
    engineer: User | None = None
    page_id: int | None = None
    contact: Contact | None = None
    priority: str = Priority.P1
    message: str = ""


def classify_sms(from_number: str, body: str) -> SmsDecision:
    engineer = identify_engineer(from_number)
    acked = ACK_RE.match(body or "")
    if engineer is not None and acked is not None:
        page_id = int(acked.group(1)) if acked.group(1) else None
        return SmsDecision("acknowledge", engineer=engineer, page_id=page_id)
    contact = identify(from_number)
    if contact is None:
        return SmsDecision("unknown")
    parsed = parse_page(body)
    if parsed is None:
        return SmsDecision("help", contact=contact)
    priority, message = parsed
    return SmsDecision("page", contact=contact, priority=priority, message=message)
