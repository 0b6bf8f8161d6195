"""One timeline per account, merged from every app: the protocol and the gatherer.

An app contributes to an account's timeline by exposing, in ``<app>/timeline.py``, a function

    def timeline_entries(account: Account, since: datetime, until: datetime) -> Iterable[Entry]

that returns the account's entries with ``since <= at < until``, newest first, already scoped
to that account (the caller has checked the viewer may see it). Entries are plain typed values;
``internal=True`` marks what only the provider's staff may read (internal notes): the client
portal never shows those. The gatherer finds each installed app's module by name, so an app
needs nothing else to appear on the account page, and a missing module simply contributes
nothing.
"""

from __future__ import annotations

import heapq
import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.apps import apps
from django.db.models import Q

if TYPE_CHECKING:
    from psm.accounts.models import Account

LIMIT = 200

# Kinds a filter can pick; an app may use another kind, it is then shown under "other".
KINDS: dict[str, str] = {
    "case": "Cases",
    "message": "Messages",
    "page": "Pages",
    "touchpoint": "Touchpoints",
    "change": "Changes",
}


@dataclass(frozen=True)
class Entry:
    """One thing that happened on an account."""

    at: datetime
    kind: str  # one of KINDS (or another word, shown as is)
    title: str
    summary: str = ""
    url: str = ""
    actor: str = ""  # who did it, as people read it ("Jane Doe", "Alma Client", "system")
    channel: str = ""  # e-mail, phone, pager, portal, visit, … ("" when not a contact)
    internal: bool = False  # staff-only (an internal note); never shown to clients
    source: str = field(default="", compare=False)  # app label, filled in by the gatherer


class Source(Protocol):
    def __call__(self, account: Account, since: datetime, until: datetime) -> Iterable[Entry]: ...


def sources() -> list[tuple[str, Source]]:
    """``(app label, timeline_entries)`` of each installed app that has a timeline module."""
    found: list[tuple[str, Source]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("psm."):
            continue
        module_name = f"{config.name}.timeline"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise  # the module exists but imports something missing: a real bug
            continue
        fn: Callable[..., Iterable[Entry]] | None = getattr(module, "timeline_entries", None)
        if fn is not None:
            found.append((config.label, fn))
    return found


def gather(
    account: Account,
    since: datetime,
    until: datetime,
    *,
    kinds: Sequence[str] = (),
    include_internal: bool = True,
    limit: int = LIMIT,
) -> list[Entry]:
    """Every app's entries for ``account`` in [since, until), newest first, at most ``limit``."""
    streams: list[list[Entry]] = []
    for label, fn in sources():
        entries = [
            _with_source(e, label)
            for e in fn(account, since, until)
            if (include_internal or not e.internal) and (not kinds or e.kind in kinds)
        ]
        entries.sort(key=lambda e: e.at, reverse=True)
        streams.append(entries[:limit])
    merged = heapq.merge(*streams, key=lambda e: e.at, reverse=True)
    return [e for _, e in zip(range(limit), merged, strict=False)]


def _with_source(entry: Entry, label: str) -> Entry:
    return entry if entry.source else replace(entry, source=label)


def timeline_entries(account: Account, since: datetime, until: datetime) -> Iterable[Entry]:
    """This app's own contribution: the audit log's changes to the account (staff only).

    Changes to objects of an app that has its own timeline (a case, a touchpoint) are left to
    that app, which tells them better.
    """
    from psm.audit.models import AuditEntry

    told_elsewhere = Q(pk__in=[])
    for label, _ in sources():
        if label != "insights":
            told_elsewhere |= Q(object_type__startswith=f"{label}.")
    rows = (
        AuditEntry.objects.filter(account=account, at__gte=since, at__lt=until)
        .exclude(told_elsewhere)
        .select_related("actor")
        .order_by("-at", "-id")[:LIMIT]
    )
    for row in rows:
        yield Entry(
            at=row.at,
            kind="change",
            title=f"{row.action.replace('.', ' ').replace('_', ' ')}: {row.object_repr}",
            actor=row.actor.display_name if row.actor else "system",
            internal=True,
        )
