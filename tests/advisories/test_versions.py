"""Our dotted numeric comparator (property-tested against integer tuples) and vers ranges."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psm.advisories.versions import (
    Unreadable,
    compare_dotted,
    dotted_key,
    exact,
    parse_vers,
    same_version,
)

fields = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=6)


def text(parts: list[int]) -> str:
    return ".".join(str(p) for p in parts)


def reference(a: list[int], b: list[int]) -> int:
    """Compare as integer tuples padded with zeros to the same length."""
    n = max(len(a), len(b))
    pa, pb = tuple(a + [0] * (n - len(a))), tuple(b + [0] * (n - len(b)))
    return (pa > pb) - (pa < pb)


@given(fields, fields)
def test_dotted_order_is_integer_tuple_order(a: list[int], b: list[int]) -> None:
    assert compare_dotted(text(a), text(b)) == reference(a, b)


@given(fields, st.integers(min_value=1, max_value=4))
def test_trailing_zeros_do_not_matter(a: list[int], zeros: int) -> None:
    assert compare_dotted(text(a), text(a + [0] * zeros)) == 0
    assert dotted_key(text(a)) == dotted_key(text(a + [0] * zeros))


@given(fields, fields, fields)
def test_dotted_order_is_transitive(a: list[int], b: list[int], c: list[int]) -> None:
    if compare_dotted(text(a), text(b)) <= 0 and compare_dotted(text(b), text(c)) <= 0:
        assert compare_dotted(text(a), text(c)) <= 0


@given(fields, fields, fields)
def test_range_membership_matches_tuples(low: list[int], high: list[int], v: list[int]) -> None:
    found = parse_vers(f"vers:generic/>={text(low)}|<{text(high)}")
    expected = reference(v, low) >= 0 and reference(v, high) < 0
    if reference(low, high) < 0:
        assert found.contains(text(v)) is expected


def test_the_cases_univers_gets_wrong() -> None:
    assert compare_dotted("9.0.2.10", "9.0.2.3") == 1
    assert compare_dotted("9.1", "9.1.0") == 0
    assert compare_dotted("10.0", "9.99.99.99") == 1
    assert parse_vers("vers:generic/>=9.0.0|<9.0.2.3").contains("9.0.2.10") is False
    assert parse_vers("vers:generic/>=9.0.0|<9.0.2.3").contains("9.0.2.2") is True


@pytest.mark.parametrize(
    ("vers", "inside", "outside"),
    [
        ("vers:generic/>=9.0.0|<9.0.2.3", ["9.0", "9.0.1", "9.0.2.2"], ["8.9", "9.0.2.3", "9.1"]),
        ("vers:generic/<=7.2", ["7.2", "7.2.0", "1"], ["7.2.0.1", "8"]),
        ("vers:generic/>7.2", ["7.2.1", "10"], ["7.2", "7.1"]),
        ("vers:generic/!=9.1", ["9.0", "9.2"], ["9.1", "9.1.0"]),
        ("vers:generic/*", ["0.1", "99"], []),
        ("vers:generic/9.0.1|9.0.3", ["9.0.1", "9.0.3"], ["9.0.2"]),
        ("vers:generic/<1.0|>=2.0|<3.0", ["0.9", "2.5"], ["1.5", "3.0"]),
        ("vers:semver/>=1.2.0|<2.0.0", ["1.10.0", "1.2.0", "2.0.0-rc.1"], ["2.0.0", "1.1.9"]),
        ("vers:pypi/>=2.0rc1|<2.1", ["2.0", "2.0.post1"], ["1.9", "2.1"]),
        ("vers:all/*", ["1", "anything"], []),
    ],
)
def test_vers_ranges(vers: str, inside: list[str], outside: list[str]) -> None:
    found = parse_vers(vers)
    for v in inside:
        assert found.contains(v), v
    for v in outside:
        assert not found.contains(v), v


@pytest.mark.parametrize(
    "text",
    [
        "< V7.2",
        "<=1.14.0",
        "vers:all/*_installed_on_CP200_devices",
        "vers:generic/>=V7.0",
        "vers:generic/",
        "vers:nosuch/1.0",
        "all versions before 7.2",
        "vers:generic/*|<1.0",
    ],
)
def test_free_text_is_never_guessed(text: str) -> None:
    with pytest.raises(Unreadable):
        parse_vers(text)


def test_generic_ranges_follow_the_products_scheme() -> None:
    found = parse_vers("vers:generic/<2.0.0", "semver")
    assert found.contains("2.0.0-rc.1", "semver")
    assert not found.contains("2.0.0", "semver")
    with pytest.raises(Unreadable):
        parse_vers("vers:generic/<2.0.0-rc.1")  # not dotted numeric


def test_exact_versions() -> None:
    assert exact("9.1", "dotted").contains("9.1.0")
    assert same_version("1.0.0", "1.0.0", "semver")
    with pytest.raises(Unreadable):
        exact("12.2(55)SE", "dotted")
