"""Other proactive work that falls due, kept by apps above engagement: the registry.

Engagement tracks its own cadences (check-ins, visits, reviews, surveys). An app above it
whose work also falls due on a schedule (checklists: "re-validate the backup procedure every
six months") registers a ``DueSource`` from its ``AppConfig.ready()``; engagement then shows
those rows wherever it shows its own due touchpoints (``psm engagement due``, "my day" through
``due_things``) and its sweep runs the source's own reminders and overdue notices::

    from psm.engagement import due

    due.register(due.DueSource("checklist", "Checklist re-validations", rows, sweep))

``rows(account=…, accounts=…, owner=…, within=…, now=…)`` returns the source's ``DueThing``s
due within ``within`` of ``now`` or overdue; ``sweep(now)`` sends what is due (claiming each
row with a conditional update) and returns ``(reminders, overdue notices)`` sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True)
class DueThing:
    """One piece of proactive work that is due soon or overdue."""

    account: Any  # psm.accounts.models.Account
    kind: str  # the source's name, e.g. "checklist"
    title: str  # what is due, as people read it
    due: datetime
    overdue: bool
    owner: Any  # the User who should act, or None
    url: str  # the staff page to act on it
    last_done: datetime | None = None


class Rows(Protocol):
    def __call__(
        self,
        *,
        account: Any = None,
        accounts: Any = None,
        owner: Any = None,
        within: timedelta,
        now: datetime,
    ) -> list[DueThing]: ...


@dataclass(frozen=True)
class DueSource:
    name: str  # the DueThing.kind of its rows
    label: str
    rows: Rows
    sweep: Callable[[datetime], tuple[int, int]] | None = None


_SOURCES: dict[str, DueSource] = {}


def register(source: DueSource) -> DueSource:
    """Add (or, when ``ready()`` runs again, replace) the source called ``source.name``."""
    _SOURCES[source.name] = source
    return source


def sources() -> tuple[DueSource, ...]:
    return tuple(_SOURCES.values())


def due_things(
    *,
    account: Any = None,
    accounts: Any = None,
    owner: Any = None,
    within: timedelta = timedelta(days=7),
    now: datetime,
) -> list[DueThing]:
    """Every source's rows, soonest due first."""
    found: list[DueThing] = []
    for source in sources():
        found.extend(
            source.rows(account=account, accounts=accounts, owner=owner, within=within, now=now)
        )
    return sorted(found, key=lambda t: (t.due, t.account.slug, t.title))


def sweep(now: datetime) -> tuple[int, int]:
    """Run every source's sweep; ``(reminders, overdue notices)`` added up."""
    reminders = notices = 0
    for source in sources():
        if source.sweep is not None:
            sent, late = source.sweep(now)
            reminders += sent
            notices += late
    return reminders, notices
