"""An account's health now: every registered component measured, weighted and combined.

Weights: the account's override of a component, else its plan's, else the component's
default (``HealthWeights`` rows, edited through forms). The arithmetic is ``scoring``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psm.accounts.models import Account
from psm.insights.health.scoring import BAND_LABELS, Part, combine, weights_for
from psm.insights.models import HealthSnapshot, HealthWeights
from psm.lib.health import Component, Evidence, components


@dataclass(frozen=True)
class Line:
    """One component of one account's score, ready to show or serialise."""

    name: str
    label: str
    unit: str
    normalisation: str
    value: float | None  # None: N/A, no data
    display: str
    score: float | None
    configured_weight: float
    weight_source: str  # "account", "plan" or "default"
    weight: float  # renormalised share of 1 over the components with data
    contribution: float
    evidence: tuple[Evidence, ...]

    @property
    def available(self) -> bool:
        return self.score is not None

    @property
    def weight_percent(self) -> float:
        return round(self.weight * 100, 1)

    def as_json(self) -> dict[str, Any]:
        """The contract of ``psm insights health --json``: exactly these keys."""
        return {
            "name": self.name,
            "value": self.value,
            "score": None if self.score is None else round(self.score, 1),
            "weight": round(self.weight, 4),
            "contribution": self.contribution,
            "evidence": [e.as_json() for e in self.evidence],
        }

    def as_snapshot(self) -> dict[str, Any]:
        return {
            **self.as_json(),
            "label": self.label,
            "display": self.display,
            "configured_weight": self.configured_weight,
            "weight_source": self.weight_source,
        }


@dataclass(frozen=True)
class Health:
    account: Account
    score: float | None
    band: str
    lines: tuple[Line, ...]

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]

    def as_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "band": self.band,
            "components": [line.as_json() for line in self.lines],
        }


def weights_of(
    accounts: Sequence[Account], registered: Sequence[Component]
) -> dict[int, dict[str, tuple[float, str]]]:
    """{account id: {component: (weight, source)}} in two queries."""
    plan_ids = {a.service_plan_id for a in accounts}
    by_plan = {w.plan_id: w.weights for w in HealthWeights.objects.filter(plan_id__in=plan_ids)}
    by_account = {
        w.account_id: w.weights
        for w in HealthWeights.objects.filter(account_id__in=[a.pk for a in accounts])
    }
    names = [c.name for c in registered]
    defaults = {c.name: float(c.default_weight) for c in registered}
    return {
        a.pk: weights_for(
            names, defaults, by_plan.get(a.service_plan_id, {}), by_account.get(a.pk, {})
        )
        for a in accounts
    }


def account_health(accounts: Sequence[Account], now: datetime) -> dict[int, Health]:
    """The health of each account, every component measured once for all of them."""
    registered = components()
    measured = {c.name: c.measure(accounts, now) for c in registered}
    weights = weights_of(accounts, registered)
    out = {}
    for account in accounts:
        parts, found = [], {}
        for component in registered:
            m = measured[component.name].get(account.pk)
            found[component.name] = m
            weight, _ = weights[account.pk][component.name]
            parts.append(Part(component.name, None if m is None else m.score, weight))
        combined = combine(parts)
        lines = []
        for component, line in zip(registered, combined.lines, strict=True):
            m = found[component.name]
            configured, source = weights[account.pk][component.name]
            lines.append(
                Line(
                    name=component.name,
                    label=component.label,
                    unit=component.unit,
                    normalisation=component.normalisation,
                    value=None if m is None else m.value,
                    display="N/A: no data" if m is None else (m.display or str(m.value)),
                    score=line.score,
                    configured_weight=configured,
                    weight_source=source,
                    weight=line.weight,
                    contribution=line.contribution,
                    evidence=() if m is None else m.evidence,
                )
            )
        out[account.pk] = Health(account, combined.score, combined.band, tuple(lines))
    return out


def health_of(account: Account, now: datetime) -> Health:
    return account_health([account], now)[account.pk]


def health_from_snapshot(snapshot: HealthSnapshot) -> Health:
    """A day's stored health, as it was computed that day (components no longer registered
    keep their stored label)."""
    known = {c.name: c for c in components()}
    lines = []
    for row in snapshot.components:
        component = known.get(row["name"])
        lines.append(
            Line(
                name=row["name"],
                label=row.get("label") or (component.label if component else row["name"]),
                unit=component.unit if component else "",
                normalisation=component.normalisation if component else "",
                value=row.get("value"),
                display=row.get("display") or "N/A: no data",
                score=row.get("score"),
                configured_weight=float(row.get("configured_weight") or 0),
                weight_source=row.get("weight_source") or "",
                weight=float(row.get("weight") or 0),
                contribution=float(row.get("contribution") or 0),
                evidence=tuple(Evidence(**e) for e in row.get("evidence", [])),
            )
        )
    score = None if snapshot.score is None else float(snapshot.score)
    return Health(snapshot.account, score, snapshot.band, tuple(lines))
