"""Panels that apps above cases add to the staff case page (the knowledge base's "insert an
article into the reply"), registered from their ``AppConfig.ready()``::

    panels.register(panels.Panel("knowledge", "knowledge/_case_panel.html", context))

``context(request, case)`` returns the template's context, or None to leave the panel out.
Cases imports none of those apps; the page renders whatever is registered, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from psm.cases.models import Case


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable[[HttpRequest, Case], dict[str, Any] | None]
    order: int = 500


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    """Add a panel (idempotent: ``ready()`` may run twice in tests)."""
    _PANELS[panel.name] = panel


@dataclass(frozen=True)
class Shown:
    name: str
    template: str
    context: dict[str, Any]


def for_case(request: HttpRequest, case: Case) -> list[Shown]:
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(request, case)
        if context is not None:
            shown.append(Shown(panel.name, panel.template, context))
    return shown
