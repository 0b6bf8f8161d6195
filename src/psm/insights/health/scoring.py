"""The account health score from component scores and weights: plain arithmetic, no Django.

    score = Σ wᵢ·sᵢ / Σ wᵢ      over the components with data (sᵢ in 0–100, wᵢ ≥ 0)

A component without data (N/A) is left out and the other weights are renormalised, so the
score is always a weighted mean of what is known and stays within 0–100. Each component's
contribution is its share of the score, ``wᵢ·sᵢ / Σ wᵢ``; contributions are rounded to
tenths so that they add up exactly to the score, which is rounded to tenths too (largest
remainder: the rounding gap goes to the components closest to the next tenth).

Bands (boundaries on the rounded score, lower bound included):

    healthy   75.0 – 100.0
    watch     50.0 – 74.9
    at risk    0.0 – 49.9
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# (name, label, lowest score in the band), best first.
BANDS: tuple[tuple[str, str, float], ...] = (
    ("healthy", "Healthy", 75.0),
    ("watch", "Watch", 50.0),
    ("at_risk", "At risk", 0.0),
)
BAND_LABELS = {name: label for name, label, _ in BANDS}
BAND_RANK = {name: rank for rank, (name, _, _) in enumerate(BANDS)}  # 0 is best
NO_DATA = "no_data"


def _ranges() -> tuple[tuple[str, str, str], ...]:
    out, upper = [], 100.0
    for name, label, lowest in BANDS:
        out.append((name, label, f"{lowest:.1f}–{upper:.1f}"))
        upper = lowest - 0.1
    return tuple(out)


# (name, label, "75.0–100.0"): what the pages print as the documented boundaries.
BAND_RANGES = _ranges()
BAND_LABELS[NO_DATA] = "No data"


def band_of(score: float | None) -> str:
    """The band a (rounded) score falls in; ``no_data`` when nothing could be measured."""
    if score is None:
        return NO_DATA
    if not 0 <= score <= 100:
        raise ValueError(f"a health score is 0–100, not {score}")
    for name, _, lowest in BANDS:
        if score >= lowest:
            return name
    raise AssertionError("unreachable: the last band starts at 0")


def is_worse(band: str, than: str) -> bool:
    """True when ``band`` is a worse band than ``than`` (no data is never worse)."""
    if NO_DATA in (band, than):
        return False
    return BAND_RANK[band] > BAND_RANK[than]


@dataclass(frozen=True)
class Part:
    """One component's line in a score: ``score`` None means N/A (no data)."""

    name: str
    score: float | None
    weight: float  # as configured (any non-negative number)


@dataclass(frozen=True)
class Line:
    name: str
    score: float | None
    weight: float  # renormalised: a share of 1 over the components with data (0 if N/A)
    contribution: float  # points of the total score, in tenths


@dataclass(frozen=True)
class Score:
    score: float | None  # 0–100 in tenths; None when no component had data (or weight)
    band: str
    lines: tuple[Line, ...]


def combine(parts: Sequence[Part]) -> Score:
    """The score, band and per-component lines of ``parts`` (see the module rules)."""
    for part in parts:
        if part.weight < 0 or math.isnan(part.weight):
            raise ValueError(f"{part.name}: a weight is 0 or more")
        if part.score is not None and not 0 <= part.score <= 100:
            raise ValueError(f"{part.name}: a component score is 0–100, not {part.score}")
    known = [p for p in parts if p.score is not None and p.weight > 0]
    total_weight = math.fsum(p.weight for p in known)
    if not known or total_weight <= 0:
        lines = tuple(Line(p.name, p.score, 0.0, 0.0) for p in parts)
        return Score(None, NO_DATA, lines)
    exact = {p.name: p.weight * (p.score or 0.0) / total_weight for p in known}
    tenths = _apportion(exact, round(math.fsum(exact.values()) * 10))
    lines = tuple(
        Line(
            p.name,
            p.score,
            p.weight / total_weight if p.name in exact else 0.0,
            tenths.get(p.name, 0) / 10,
        )
        for p in parts
    )
    score = sum(tenths.values()) / 10
    return Score(score, band_of(score), lines)


def _apportion(exact: Mapping[str, float], total_tenths: int) -> dict[str, int]:
    """Integers (tenths) close to ``exact * 10`` that add up to ``total_tenths``."""
    floors = {name: math.floor(value * 10) for name, value in exact.items()}
    gap = total_tenths - sum(floors.values())
    by_remainder = sorted(exact, key=lambda n: (exact[n] * 10 - floors[n], n), reverse=True)
    for name in by_remainder[: max(gap, 0)]:
        floors[name] += 1
    return floors


def weights_for(
    names: Sequence[str],
    defaults: Mapping[str, float],
    plan: Mapping[str, float],
    account: Mapping[str, float],
) -> dict[str, tuple[float, str]]:
    """{component: (weight, where it comes from)}: the account's override, else the plan's,
    else the component's default."""
    out: dict[str, tuple[float, str]] = {}
    for name in names:
        if name in account:
            out[name] = (float(account[name]), "account")
        elif name in plan:
            out[name] = (float(plan[name]), "plan")
        else:
            out[name] = (float(defaults.get(name, 0)), "default")
    return out
