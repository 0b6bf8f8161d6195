"""Global search for the provider's staff: accounts, contacts, and cases by reference, number
or words. Everything starts from ``psm.accounts.scoping``: nobody finds what they may
not open."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q

from psm.accounts.models import Contact
from psm.accounts.scoping import scope, visible_accounts
from psm.cases.models import Case
from psm.insights.figures import HEAVY
from psm.team.models import User

PER_KIND = 8
REFERENCE = re.compile(r"[A-Za-z0-9-]+-\d+")
MIN_LENGTH = 2


@dataclass
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass
class Results:
    query: str
    groups: dict[str, list[Hit]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(hits) for hits in self.groups.values())


def search(user: User, query: str) -> Results:
    q = " ".join(query.split())[:100]
    results = Results(query=q)
    if len(q) < MIN_LENGTH:
        return results
    results.groups["Accounts"] = [
        Hit(a.name, a.get_absolute_url(), f"{a.slug} · {a.timezone}")
        for a in visible_accounts(user)
        .filter(Q(name__icontains=q) | Q(slug__icontains=q))
        .order_by("name")[:PER_KIND]
    ]
    contacts = (
        scope(Contact.objects.all(), user)
        .filter(
            Q(name__icontains=q)
            | Q(emails__address__icontains=q)
            | Q(phone__contains=q)
            | Q(mobile__contains=q)
        )
        .select_related("account")
        .order_by("name", "pk")
        .distinct()[:PER_KIND]
    )
    results.groups["Contacts"] = [
        Hit(c.name, f"{c.account.get_absolute_url()}#contacts-h", f"{c.title} · {c.account.name}")
        for c in contacts
    ]
    results.groups["Cases"] = [
        Hit(
            f"{c.reference} {c.title}",
            c.get_absolute_url(),
            f"{c.get_status_display()} · {c.priority} · {c.account.name}",
        )
        for c in find_cases(user, q)
    ]
    results.groups = {kind: hits for kind, hits in results.groups.items() if hits}
    return results


def find_cases(user: User, q: str) -> list[Case]:
    """A reference ("ACME-12") exactly, a bare number ("12", "#12") on every visible account,
    else every word in the title; newest first."""
    cases = scope(Case.objects.all(), user).select_related("account").defer(*HEAVY)
    token = q.strip().lstrip("#")
    if REFERENCE.fullmatch(token):
        found = list(cases.filter(reference=token.upper()))
        if found:
            return found
    if token.isdigit():
        return list(cases.filter(number=int(token)).order_by("-id")[:PER_KIND])
    words = Q()
    for word in q.split()[:5]:
        words &= Q(title__icontains=word)
    return list(cases.filter(words).order_by("-id")[:PER_KIND])
