"""Telephone numbers: one canonical form (E.164) for the numbers people type in any way."""

from __future__ import annotations

import phonenumbers
from django.conf import settings


def normalize(raw: str, region: str | None = None) -> str:
    """``+16175550100`` for "(617) 555-0100" (in the default region) or "+1 617 555 0100";
    "" for anything that is not a possible number."""
    text = (raw or "").strip()
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region or settings.PSM_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
