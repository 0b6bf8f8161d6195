"""Events in batches: ``send_many`` reaches plain and batch subscribers alike, in order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from psm.lib.events import Event, after, coalesced, listen_all


@pytest.fixture
def event() -> Iterator[Event[int]]:
    e = Event[int]("test.numbers")
    yield e
    del Event.registry["test.numbers"]


def test_send_many_calls_a_plain_subscriber_once_per_payload_and_a_batch_one_once(
    event: Event[int],
) -> None:
    calls: list[Any] = []
    event.subscribe(lambda n: calls.append(("one", n)))
    event.subscribe_many(lambda ns: calls.append(("many", list(ns))))
    event.send_many([1, 2, 3])
    assert calls == [("one", 1), ("one", 2), ("one", 3), ("many", [1, 2, 3])]


def test_subscribers_run_in_the_order_they_subscribed_whatever_their_kind(
    event: Event[int],
) -> None:
    calls: list[str] = []

    def batch(ns: Sequence[int]) -> None:
        calls.append(f"batch{list(ns)}")

    event.subscribe_many(batch)
    event.subscribe(lambda n: calls.append(f"a{n}"))
    event.subscribe_many(batch)  # twice is once
    event.subscribe(lambda n: calls.append(f"b{n}"))
    event.send(7)
    assert calls == ["batch[7]", "a7", "b7"]
    assert len(event.subscribers) == 3


def test_send_hands_a_batch_subscriber_a_list_of_one(event: Event[int]) -> None:
    seen: list[list[int]] = []
    event.subscribe_many(lambda ns: seen.append(list(ns)))
    event.send(5)
    event.send_many([])
    assert seen == [[5]]


def test_the_reader_of_everything_sees_each_payload_of_a_batch(event: Event[int]) -> None:
    seen: list[tuple[str, int]] = []

    def reader(e: Event[Any], payload: Any) -> None:
        if e is event:
            seen.append((e.name, payload))

    listen_all(reader)
    try:
        event.send_many([1, 2])
    finally:
        Event._everything.remove(reader)
    assert seen == [("test.numbers", 1), ("test.numbers", 2)]


def test_a_subscriber_that_raises_stops_the_batch(event: Event[int]) -> None:
    after: list[int] = []

    def fail(n: int) -> None:
        raise RuntimeError(n)

    event.subscribe(fail)
    event.subscribe(after.append)
    with pytest.raises(RuntimeError):
        event.send_many([1, 2])
    assert after == []


def test_deferred_work_runs_at_once_outside_a_coalesced_block() -> None:
    calls: list[tuple[set[int], set[str]]] = []
    after("k", lambda a, b: calls.append((a, b)), {1}, {"x"})
    assert calls == [({1}, {"x"})]


def test_inside_a_coalesced_block_each_key_runs_once_with_the_union_at_the_end() -> None:
    calls: list[tuple[str, set[int]]] = []
    with coalesced():
        after("a", lambda s: calls.append(("a", s)), {1, 2})
        with coalesced():  # nested: joins the outer block
            after("a", lambda s: calls.append(("a", s)), {3})
        after("b", lambda s: calls.append(("b", s)), {9})
        assert calls == []
    assert calls == [("a", {1, 2, 3}), ("b", {9})]


def test_a_failing_block_still_runs_its_deferred_work_and_raises_its_own_error() -> None:
    calls: list[set[int]] = []

    def broken(s: set[int]) -> None:
        raise ValueError("also broken")

    def sweep() -> None:
        with coalesced():
            after("done", calls.append, {1})
            after("broken", broken, {2})
            raise RuntimeError("chunk 2")

    with pytest.raises(RuntimeError, match="chunk 2"):
        sweep()
    assert calls == [{1}]
