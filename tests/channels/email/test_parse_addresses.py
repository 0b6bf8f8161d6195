"""The parser reads plain addresses itself; it must read them as ``email.utils`` does."""

from __future__ import annotations

from email.utils import getaddresses, parseaddr

from hypothesis import example, given, settings
from hypothesis import strategies as st

from psm.channels.email.parse import _SIMPLE_ADDRESS, parse_address, parse_addresses

plain = st.from_regex(_SIMPLE_ADDRESS, fullmatch=True)
near = st.text(alphabet="ab1. -'<>@\"\t,;:()\\_%+", max_size=30)


@settings(max_examples=150)
@given(st.one_of(plain, near))
@example("user1@bench01.example")
@example("Alice Adams <alice@acme.example>")
@example("Alice  Adams <alice@acme.example>")
@example("a..b@example.com")
@example('"Adams, Alice" <alice@acme.example>')
@example("alice@acme.example (Alice)")
def test_one_address_as_parseaddr_reads_it(value: str) -> None:
    assert parse_address(value) == parseaddr(value)


@settings(max_examples=80)
@given(st.lists(st.one_of(plain, near), max_size=4))
@example(["a@example.com", "B C <b@example.com>"])
@example(["a@example.com, b@example.com"])
def test_address_lists_as_getaddresses_reads_them(values: list[str]) -> None:
    assert parse_addresses(values) == getaddresses(values)
