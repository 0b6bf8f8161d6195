"""One timeline per account, merged from every app: the protocol and the gatherer.

An app contributes to an account's timeline by exposing, in ``<app>/timeline.py``, a function

    def timeline_entries(account, since, until=None, *, for_client=False, limit=200)

returning the account's entries from ``since`` (and before ``until`` when it takes that
parameter; the gatherer filters otherwise), newest first (at most ``limit`` when it takes
that), already scoped to that account: the caller has checked that the viewer may see it.
``for_client=True`` asks the source to leave out what a client must never read; the gatherer
also drops every entry marked ``internal``. Entries are
``Entry`` values, or any object with the same field names (``at``, ``kind``, ``title`` and
optionally ``summary``, ``url``, ``actor``, ``channel``, ``internal``). The gatherer finds each
installed app's module by name, so an app needs nothing else to appear on the account page.
"""

from __future__ import annotations

import functools
import heapq
import importlib
import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Q

if TYPE_CHECKING:
    from psm.accounts.models import Account

LIMIT = 200

# How the timeline filter names each source (an app label); others use their app's name.
SOURCE_NAMES: dict[str, str] = {
    "cases": "Cases and messages",
    "channels": "Messages",
    "paging": "Pages",
    "engagement": "Touchpoints and work",
    "insights": "Changes",
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


Source = Callable[..., Iterable[Any]]


def source_choices() -> list[tuple[str, str]]:
    """``(app label, name)`` of every source, for the timeline filter."""
    choices = []
    for label, _ in sources():
        name = SOURCE_NAMES.get(label)
        if name is None:
            config = apps.app_configs.get(label)
            name = str(config.verbose_name) if config else label
        choices.append((label, name))
    return choices


# Sources for installed apps without their own timeline module (an app's own module wins).
FALLBACKS = {"cases": "psm.insights.fallbacks.case_entries"}


@functools.cache
def sources() -> tuple[tuple[str, Source], ...]:
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
        fn: Source | None = getattr(module, "timeline_entries", None)
        if fn is not None:
            found.append((config.label, fn))
    have = {label for label, _ in found}
    for label, path in FALLBACKS.items():
        if label not in have and apps.is_installed(f"psm.{label}"):
            module_name, _, name = path.rpartition(".")
            found.append((label, getattr(importlib.import_module(module_name), name)))
    return tuple(found)


def gather(
    account: Account,
    since: datetime,
    until: datetime,
    *,
    only: Sequence[str] = (),
    include_internal: bool = True,
    limit: int = LIMIT,
) -> list[Entry]:
    """Every app's entries for ``account`` in [since, until), newest first, at most ``limit``;
    ``only``: the app labels to ask (all when empty)."""
    streams: list[list[Entry]] = []
    for label, fn in sources():
        if only and label not in only:
            continue
        entries = [
            _with_source(e, label)
            for e in (
                _coerce(raw) for raw in _call(fn, account, since, until, include_internal, limit)
            )
            if since <= e.at < until and (include_internal or not e.internal)
        ]
        entries.sort(key=lambda e: e.at, reverse=True)
        streams.append(entries[:limit])
    merged = heapq.merge(*streams, key=lambda e: e.at, reverse=True)
    return [e for _, e in zip(range(limit), merged, strict=False)]


def _call(
    fn: Callable[..., Iterable[Any]],
    account: Account,
    since: datetime,
    until: datetime,
    include_internal: bool,
    limit: int,
) -> Iterable[Any]:
    """Call a source by the parameters it declares: ``until`` (else filtered here),
    ``for_client`` (a source that can leave staff-only entries out itself) and ``limit`` (a
    source that can stop early)."""
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    if "limit" in params:
        kwargs["limit"] = limit
    if "until" in params:
        kwargs["until"] = until
    if "for_client" in params:
        kwargs["for_client"] = not include_internal
    return fn(account, since, **kwargs)


def _coerce(raw: Any) -> Entry:
    """An app's own entry type, read by field names, as an ``Entry``."""
    if isinstance(raw, Entry):
        return raw
    return Entry(
        at=raw.at,
        kind=str(raw.kind),
        title=str(raw.title),
        summary=str(getattr(raw, "summary", "") or ""),
        url=str(getattr(raw, "url", "") or ""),
        actor=str(getattr(raw, "actor", "") or ""),
        channel=str(getattr(raw, "channel", "") or ""),
        internal=bool(getattr(raw, "internal", False)),
    )


def _with_source(entry: Entry, label: str) -> Entry:
    return entry if entry.source else replace(entry, source=label)


def timeline_entries(
    account: Account, since: datetime, until: datetime, limit: int = LIMIT
) -> Iterable[Entry]:
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
        .order_by("-at", "-id")[:limit]
    )
    for row in rows:
        yield Entry(
            at=row.at,
            kind="change",
            title=f"{row.action.replace('.', ' ').replace('_', ' ')}: {row.object_repr}",
            actor=row.actor.display_name if row.actor else "system",
            internal=True,
        )
