"""Account health components: the registry any app plugs a component into.

The account health score (``psm.insights.health``) is a weighted mean of named components.
A component measures one thing about many accounts at once and says, for each account it has
data for, a raw value, a normalised score 0–100 and the evidence behind it (links to the
cases, touchpoints or surveys that make the number). An account it has nothing to say about
is simply missing from its answer: the score marks the component N/A and renormalises the
other weights.

The registry lives here, at the bottom of the layers, so an app below insights (advisories,
checklists) adds its own component without insights importing it and without touching the
scoring code: it writes ``psm/<app>/health.py``::

    from psm.lib.health import Component, Measurement, register, ramp

    class PendingAdvisories(Component):
        name = "advisories"
        label = "Pending relevant advisories"
        default_weight = 10
        ...

    register(PendingAdvisories())

``components()`` imports the ``health`` module of every installed app (Django's
``autodiscover_modules``), so the module only has to exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Evidence:
    """One thing behind a number: a case, a touchpoint, a survey, or a list of them."""

    label: str
    url: str = ""
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {"label": self.label, "url": self.url, "detail": self.detail}


@dataclass(frozen=True)
class Measurement:
    """A component's answer for one account: ``value`` in the component's own unit
    (``unit`` names it), ``score`` normalised to 0–100 (100 is best)."""

    value: float
    score: float
    display: str = ""
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 0 <= self.score <= 100:
            raise ValueError(f"a component score is 0–100, not {self.score}")


class Component:
    """Base of every health component; subclasses set the class attributes and ``measure``."""

    name: ClassVar[str] = ""  # stable key: weights and snapshots refer to it
    label: ClassVar[str] = ""
    unit: ClassVar[str] = ""
    default_weight: ClassVar[int] = 10
    # How the raw value becomes a score, in words (the "why this score" page shows it).
    normalisation: ClassVar[str] = ""
    order: ClassVar[int] = 100

    def measure(self, accounts: Sequence[Any], now: datetime) -> dict[int, Measurement]:
        """{account id: measurement} for the accounts this component has data for."""
        raise NotImplementedError


_registry: dict[str, Component] = {}


def register(component: Component) -> Component:
    """Add a component (again is fine: the same name replaces the earlier one)."""
    if not component.name or not component.name.replace("_", "").isalnum():
        raise ValueError(f"a component needs a simple name, not {component.name!r}")
    if component.default_weight < 0:
        raise ValueError("a weight is 0 or more")
    _registry[component.name] = component
    return component


def components() -> list[Component]:
    """Every registered component, in display order (each app's ``health`` module loaded)."""
    autodiscover_modules("health")
    return sorted(_registry.values(), key=lambda c: (c.order, c.name))


def ramp(value: float, worst: float, best: float) -> float:
    """0 at ``worst``, 100 at ``best``, a straight line between, clamped: monotonic in
    ``value`` (rising when best > worst, falling when best < worst)."""
    if worst == best:
        raise ValueError("worst and best must differ")
    share = (value - worst) / (best - worst)
    return 100.0 * min(1.0, max(0.0, share))
