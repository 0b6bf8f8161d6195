"""One timeline per account, merged from every app: the entry, the source registry and the
gatherer.

An app contributes to an account's timeline by registering, from its ``AppConfig.ready()``,
one function of this fixed shape (``Source``):

    def entries(account, since, until, *, for_client, limit) -> Iterable[Entry]

It returns the account's entries in [since, until), newest first, at most ``limit``, already
scoped to that account (the caller has checked that the viewer may see it). With
``for_client=True`` it leaves out what a client must never read; the gatherer also drops
every entry marked ``internal`` then.

    timeline.register("paging", "Pages", entries)
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

LIMIT = 200


@dataclass(frozen=True)
class Entry:
    """One thing that happened on an account."""

    at: datetime
    kind: str  # case, message, note, page, call, touchpoint, change, … (shown as an icon)
    title: str
    summary: str = ""
    url: str = ""
    actor: str = ""  # who did it, as people read it ("Jane Doe", "Alma Client", "system")
    channel: str = ""  # e-mail, phone, pager, portal, visit, … ("" when not a contact)
    internal: bool = False  # staff-only (an internal note); never shown to clients
    source: str = field(default="", compare=False)  # the source's label, set by the gatherer


class Source(Protocol):
    def __call__(
        self, account: Any, since: datetime, until: datetime, *, for_client: bool, limit: int
    ) -> Iterable[Entry]: ...


@dataclass(frozen=True)
class Registered:
    label: str  # the filter's value, e.g. "paging"
    name: str  # what the filter shows, e.g. "Pages"
    entries: Source


_SOURCES: dict[str, Registered] = {}


def register(label: str, name: str, entries: Source) -> None:
    """Add (or, when ``ready()`` runs again, replace) the source called ``label``."""
    _SOURCES[label] = Registered(label, name, entries)


def sources() -> tuple[Registered, ...]:
    return tuple(_SOURCES.values())


def source_choices() -> list[tuple[str, str]]:
    """``(label, name)`` of every source, for the timeline filter."""
    return [(s.label, s.name) for s in sources()]


def gather(
    account: Any,
    since: datetime,
    until: datetime,
    *,
    only: Sequence[str] = (),
    include_internal: bool = True,
    limit: int = LIMIT,
) -> list[Entry]:
    """Every source's entries for ``account`` in [since, until), newest first, at most
    ``limit``; ``only``: the labels to ask (all when empty)."""
    streams: list[list[Entry]] = []
    for source in sources():
        if only and source.label not in only:
            continue
        found = source.entries(account, since, until, for_client=not include_internal, limit=limit)
        streams.append(
            [
                replace(e, source=source.label)
                for e in found
                if since <= e.at < until and (include_internal or not e.internal)
            ][:limit]
        )
    merged = heapq.merge(*streams, key=lambda e: e.at, reverse=True)
    return [e for _, e in zip(range(limit), merged, strict=False)]
