"""The subject words that set a new case's priority (``PSM_MAIL_PRIORITY_WORDS``).

Format: ``P1=p1,urgent,emergency;P2=p2,high;P4=low`` — priority, ``=``, comma-separated
words; ``;`` between priorities. Words match whole words, case-insensitively; the most
urgent priority whose word appears wins.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

PRIORITIES = ("P1", "P2", "P3", "P4")
DEFAULT = "P1=p1,urgent,emergency,critical,sev1;P2=p2,high,sev2;P3=p3,sev3;P4=p4,low,sev4"


def parse(value: str, name: str = "PSM_MAIL_PRIORITY_WORDS") -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        priority, sep, words = part.partition("=")
        priority = priority.strip().upper()
        if not sep or priority not in PRIORITIES:
            raise ImproperlyConfigured(
                f"{name}: {part.strip()!r} should look like P1=urgent,emergency "
                f"(priorities {', '.join(PRIORITIES)})"
            )
        cleaned = tuple(w.strip().lower() for w in words.split(",") if w.strip())
        if not cleaned:
            raise ImproperlyConfigured(f"{name}: {priority} has no words")
        out[priority] = cleaned
    return out


def priority_in(subject: str, words: dict[str, tuple[str, ...]]) -> str | None:
    found = set(re.findall(r"[\w-]+", subject.lower()))
    for priority in PRIORITIES:
        if any(w in found for w in words.get(priority, ())):
            return priority
    return None
