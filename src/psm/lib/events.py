"""Events: how a lower layer lets a higher one react without importing it.

The app where something happens declares the event next to its services
(``psm/cases/events.py``: ``case_opened = Event[CaseOpened]("case.opened")``) and its service
sends it inside the transaction of the change. Apps above subscribe in their
``AppConfig.ready()`` (``case_opened.subscribe(page_if_7x24)``).

Subscribers run synchronously, in the order they subscribed, inside that same transaction.
They only write rows (a page, an outbox notification, a webhook delivery, a task), so what
they cause commits or rolls back with the change that caused it: a committed case always
has its page, a rolled-back one never has. Anything that talks to the outside world goes
through the outbox or a task, never from a subscriber. A subscriber that raises rolls the
change back: keeping a promise is part of the change, not an afterthought.

``listen_all`` is for the one reader of every event (outgoing webhooks).

Batches: a sweep that settles thousands of things at once sends them with ``send_many``. Each
subscriber, in order, gets the whole batch: a plain subscriber is called once per payload, as
``send`` would; one added with ``subscribe_many`` is called once with the list, so it can
write its rows in one statement (``send`` hands it a list of one).

Derived work that a subscriber may put off — recomputing figures that a periodic task would
also heal, such as a day's rollup — goes through ``after(key, fn, *sets)``: it runs at once,
or, inside ``coalesced()`` (a sweep that commits many chunks), once when the block ends, with
the union of the sets given under the same key. So a storm of 10,000 breaches in 20 chunks
recomputes each day's figures once, not 20 times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, Generic, TypeVar

P = TypeVar("P")


class Event(Generic[P]):
    """A named thing that happened; ``P`` is its payload (a frozen dataclass)."""

    registry: ClassVar[dict[str, Event[Any]]] = {}
    _everything: ClassVar[list[Callable[[Event[Any], Any], None]]] = []

    def __init__(self, name: str, doc: str = "") -> None:
        if name in Event.registry:
            raise ValueError(f"event {name!r} is declared twice")
        self.name = name
        self.doc = doc
        self._subscribers: list[Callable[[P], None]] = []
        # Subscribers taking a list, by their place among all subscribers.
        self._batch: list[tuple[int, Callable[[Sequence[P]], None]]] = []
        Event.registry[name] = self

    def __repr__(self) -> str:
        return f"Event({self.name!r})"

    def subscribe(self, subscriber: Callable[[P], None]) -> Callable[[P], None]:
        """Add a subscriber (once: ``ready()`` may run again in tests). Usable as a decorator."""
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)
        return subscriber

    def subscribe_many(
        self, subscriber: Callable[[Sequence[P]], None]
    ) -> Callable[[Sequence[P]], None]:
        """Add a subscriber that takes a list of payloads (once, as ``subscribe``)."""
        if all(s is not subscriber for _, s in self._batch):
            self._batch.append((len(self._subscribers) + len(self._batch), subscriber))
        return subscriber

    def _in_order(self) -> list[tuple[bool, Callable[..., None]]]:
        """(takes a list?, subscriber), in the order they subscribed."""
        out: list[tuple[bool, Callable[..., None]]] = [(False, s) for s in self._subscribers]
        for place, subscriber in self._batch:
            out.insert(place, (True, subscriber))
        return out

    def send(self, payload: P) -> None:
        if self._batch:
            self.send_many([payload])
            return
        for subscriber in list(self._subscribers):
            subscriber(payload)
        for listener in list(Event._everything):
            listener(self, payload)

    def send_many(self, payloads: Sequence[P]) -> None:
        """Send every payload of a batch: each subscriber in turn sees all of them."""
        if not payloads:
            return
        for takes_list, subscriber in self._in_order():
            if takes_list:
                subscriber(payloads)
            else:
                for payload in payloads:
                    subscriber(payload)
        for listener in list(Event._everything):
            for payload in payloads:
                listener(self, payload)

    @property
    def subscribers(self) -> tuple[Callable[..., None], ...]:
        return tuple(s for _, s in self._in_order())


def listen_all(listener: Callable[[Event[Any], Any], None]) -> None:
    """Call ``listener(event, payload)`` for every event sent (after its own subscribers)."""
    if listener not in Event._everything:
        Event._everything.append(listener)


log = logging.getLogger(__name__)
_Work = dict[Hashable, tuple[Callable[..., None], tuple[set[Any], ...]]]
_deferred: ContextVar[_Work | None] = ContextVar("deferred_work", default=None)


@contextmanager
def coalesced() -> Iterator[None]:
    """Put off ``after`` work until the block ends, then run each key's once (also when the
    block fails: the work recomputes from what was committed). Nested blocks join the
    outermost."""
    if _deferred.get() is not None:
        yield
        return
    work: _Work = {}
    token = _deferred.set(work)
    failed = True
    try:
        yield
        failed = False
    finally:
        _deferred.reset(token)
        for key, (fn, sets) in work.items():
            try:
                fn(*sets)
            except Exception:
                if not failed:
                    raise
                log.exception("deferred work %r failed after an error", key)


def after(key: Hashable, fn: Callable[..., None], *sets: set[Any]) -> None:
    """``fn(*sets)`` now, or once at the end of the enclosing ``coalesced()`` block with, for
    each position, the union of the sets given under ``key``."""
    work = _deferred.get()
    if work is None:
        fn(*sets)
        return
    if key in work:
        for mine, more in zip(work[key][1], sets, strict=True):
            mine |= more
    else:
        work[key] = (fn, tuple(set(s) for s in sets))
