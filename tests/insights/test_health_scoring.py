"""The health score's arithmetic: properties that hold for any components and weights."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psm.insights.health.scoring import (
    BAND_RANGES,
    BANDS,
    NO_DATA,
    Part,
    band_of,
    combine,
    is_worse,
    weights_for,
)
from psm.lib.health import ramp

scores = st.one_of(st.none(), st.floats(min_value=0, max_value=100))
weights = st.floats(min_value=0, max_value=100)
parts = st.lists(st.tuples(scores, weights), min_size=1, max_size=9).map(
    lambda items: [Part(f"c{i}", s, w) for i, (s, w) in enumerate(items)]
)


@given(parts)
def test_score_stays_within_0_and_100(items: list[Part]) -> None:
    result = combine(items)
    if result.score is None:
        assert result.band == NO_DATA
        assert all(line.contribution == 0 for line in result.lines)
    else:
        assert 0 <= result.score <= 100


@given(parts)
def test_contributions_add_up_to_the_score(items: list[Part]) -> None:
    result = combine(items)
    total = sum(round(line.contribution * 10) for line in result.lines)
    assert total == round((result.score or 0) * 10)
    assert math.isclose(
        sum(line.contribution for line in result.lines), result.score or 0, abs_tol=1e-9
    )


@given(parts)
def test_na_components_are_left_out_and_weights_renormalised(items: list[Part]) -> None:
    result = combine(items)
    for part, line in zip(items, result.lines, strict=True):
        if part.score is None or part.weight == 0:
            assert line.weight == 0 and line.contribution == 0
    if result.score is not None:
        assert math.isclose(sum(line.weight for line in result.lines), 1.0, rel_tol=1e-9)


@given(parts, st.integers(min_value=0, max_value=8), st.floats(min_value=0, max_value=100))
def test_score_moves_monotonically_with_each_component(
    items: list[Part], index: int, better: float
) -> None:
    index %= len(items)
    part = items[index]
    if part.score is None or better < part.score:
        return
    raised = [*items[:index], Part(part.name, better, part.weight), *items[index + 1 :]]
    assert (combine(raised).score or 0) >= (combine(items).score or 0)


@given(st.floats(min_value=-1000, max_value=1000), st.floats(min_value=-1000, max_value=1000))
def test_normalisation_is_monotonic(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert ramp(low, 70, 100) <= ramp(high, 70, 100)  # more is better
    assert ramp(low, 45, 7) >= ramp(high, 45, 7)  # more is worse
    assert 0 <= ramp(a, 10, 0) <= 100


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100.0, "healthy"),
        (75.0, "healthy"),
        (74.9, "watch"),
        (50.0, "watch"),
        (49.9, "at_risk"),
        (0.0, "at_risk"),
    ],
)
def test_boundary_values_fall_in_the_documented_band(score: float, band: str) -> None:
    assert band_of(score) == band


@given(st.integers(min_value=0, max_value=1000))
def test_every_tenth_falls_in_the_band_its_documented_range_names(tenths: int) -> None:
    score = tenths / 10
    for name, _label, text in BAND_RANGES:
        low, high = (float(x) for x in text.split("–"))
        if low <= score <= high:
            assert band_of(score) == name
            return
    raise AssertionError(f"{score} is in no documented range")


def test_documented_ranges() -> None:
    assert [r for _, _, r in BAND_RANGES] == ["75.0–100.0", "50.0–74.9", "0.0–49.9"]
    assert [name for name, _, _ in BANDS] == ["healthy", "watch", "at_risk"]


def test_worse_band() -> None:
    assert is_worse("watch", "healthy") and is_worse("at_risk", "watch")
    assert not is_worse("healthy", "watch") and not is_worse("watch", "watch")
    assert not is_worse(NO_DATA, "healthy") and not is_worse("at_risk", NO_DATA)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="weight"):
        combine([Part("a", 50, -1)])
    with pytest.raises(ValueError, match="0–100"):
        combine([Part("a", 101, 1)])
    with pytest.raises(ValueError, match="0–100"):
        band_of(100.1)


def test_weights_account_over_plan_over_default() -> None:
    found = weights_for(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, {"b": 20, "c": 30}, {"c": 0})
    assert found == {"a": (1.0, "default"), "b": (20.0, "plan"), "c": (0.0, "account")}


def test_worked_example() -> None:
    """SLA 80 at weight 30, touchpoints 50 at weight 10, satisfaction N/A at weight 60:
    the known weights become 75 % and 25 %, so 60 + 12.5 = 72.5 (watch)."""
    result = combine([Part("sla", 80, 30), Part("touch", 50, 10), Part("sat", None, 60)])
    assert result.score == 72.5 and result.band == "watch"
    assert [line.contribution for line in result.lines] == [60.0, 12.5, 0.0]
    assert [line.weight for line in result.lines] == [0.75, 0.25, 0.0]
