"""The section catalogue: what a status report can contain, contributed by each app.

A report definition is an ordered list of ``{"key": ..., "options": {...}}``. Each key names
a ``Section`` registered here. ``psm.reports`` registers the sections about what lies below
it (cases, SLA attainment, open P1/P2, pages and after-hours contacts, the PSM's commentary:
``psm/reports/core_sections.py``); an app above it registers its own from its
``AppConfig.ready()`` without touching this package::

    # psm/advisories/report_sections.py
    from psm.reports.sections import Chart, Option, Section, register

    class AdvisoriesDelivered(Section):
        key = "advisories"                 # unique, stored in definitions: never rename
        title = "Advisories delivered and pending"
        description = "Upgrades, patches and notices passed on, and those still to review."
        order = 500                        # place in the catalogue (core: 100–199, 900)
        template = "advisories/report_section.html"
        options = (Option("show_pending", "List pending advisories", kind="bool", default=True),)

        def data(self, account, period, options):
            # JSON-able: str, int, float, bool, None, lists and dicts of them. Instants as
            # UTC ISO strings (psm.reports.periods.iso), never model objects. NEVER internal
            # notes or anything the client may not read: every format shows all of it.
            return {"delivered": 3, "pending": [...], "charts": [Chart(...).as_json()]}

    # psm/advisories/apps.py
    def ready(self) -> None:
        from psm.advisories import report_sections
        report_sections.register_all()     # calls register(AdvisoriesDelivered())

``data`` is called once per run; the dict is stored in the run's JSON and everything the
reader sees is drawn from it (re-rendering an archived run gives the same report). Charts go
in ``data["charts"]`` as ``Chart(...).as_json()``: reports draws them (SVG in the PDF, PNG in
the e-mail) with a data table under each. The ``template`` renders the rest; it gets
``data``, ``options``, ``period`` (the period's JSON) and ``zone`` (the client's zone name),
and may use the ``reports`` template filters (``local``: an ISO instant in the client's zone).
Templates must work in a mail program: tables and simple blocks, classes from
``reports/report.css`` (``.rtable``, ``.num``, ``.muted``, ``.kpis``/``.kpi``, ``.tag``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from psm.accounts.models import Account
    from psm.reports.periods import Period

JSON = dict[str, Any]
OPTION_KINDS = ("bool", "int", "choice")


class OptionError(ValueError):
    """An option value a section cannot take, with the reason in words."""


@dataclass(frozen=True)
class Option:
    """One setting of a section, shown in the definition form and checked on save."""

    name: str
    label: str
    kind: str = "bool"
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""

    def clean(self, raw: Any) -> Any:
        if raw is None or raw == "":
            return False if self.kind == "bool" and raw == "" else self.default
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw).lower() in ("1", "true", "on", "yes")
        if self.kind == "int":
            try:
                value = int(raw)
            except (TypeError, ValueError):
                raise OptionError(f"{self.label}: {raw!r} is not a whole number.") from None
            if self.minimum is not None and value < self.minimum:
                raise OptionError(f"{self.label}: at least {self.minimum}.")
            if self.maximum is not None and value > self.maximum:
                raise OptionError(f"{self.label}: at most {self.maximum}.")
            return value
        allowed = [value for value, _ in self.choices]
        if str(raw) not in allowed:
            raise OptionError(f"{self.label}: choose one of {', '.join(allowed)}.")
        return str(raw)


@dataclass(frozen=True)
class Chart:
    """What a chart shows; reports draws it. ``kind``: "bar" (grouped), "stacked" or "line".
    One series per name, one value per label. The same numbers appear as a table under it."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float | int | None]]]
    kind: str = "bar"
    unit: str = ""
    maximum: float | None = None  # a fixed top of the scale (100 for percentages)

    def as_json(self) -> JSON:
        return {
            "title": self.title,
            "kind": self.kind,
            "unit": self.unit,
            "maximum": self.maximum,
            "labels": list(self.labels),
            "series": [{"name": name, "values": list(values)} for name, values in self.series],
        }


class Section:
    key: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    order: ClassVar[int] = 500
    template: ClassVar[str]
    options: ClassVar[tuple[Option, ...]] = ()

    def clean_options(self, raw: dict[str, Any] | None) -> JSON:
        """Every option of this section with a valid value (defaults for the missing)."""
        raw = raw or {}
        unknown = set(raw) - {o.name for o in self.options}
        if unknown:
            raise OptionError(f"{self.title}: no option named {', '.join(sorted(unknown))}.")
        return {
            o.name: o.clean(raw.get(o.name)) if o.name in raw else o.default for o in self.options
        }

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        raise NotImplementedError


@dataclass
class Catalogue:
    sections: dict[str, Section] = field(default_factory=dict)

    def register(self, section: Section) -> Section:
        existing = self.sections.get(section.key)
        if existing is not None and type(existing) is not type(section):
            raise ValueError(f"report section {section.key!r} is registered twice")
        self.sections[section.key] = section
        return section

    def get(self, key: str) -> Section | None:
        return self.sections.get(key)

    def ordered(self) -> list[Section]:
        return sorted(self.sections.values(), key=lambda s: (s.order, s.key))


CATALOGUE = Catalogue()


def register(section: Section) -> Section:
    """Add a section to the catalogue (idempotent: ``ready()`` may run twice in tests)."""
    return CATALOGUE.register(section)


def catalogue() -> list[Section]:
    return CATALOGUE.ordered()


def get(key: str) -> Section | None:
    return CATALOGUE.get(key)


def clean_sections(raw: list[dict[str, Any]]) -> list[JSON]:
    """A definition's sections checked against the catalogue: known keys, each once, options
    valid. Raises OptionError naming the first problem."""
    if not raw:
        raise OptionError("Choose at least one section.")
    seen: set[str] = set()
    out: list[JSON] = []
    for item in raw:
        key = str(item.get("key", ""))
        section = get(key)
        if section is None:
            raise OptionError(f"There is no report section {key!r}.")
        if key in seen:
            raise OptionError(f"{section.title} is in the report twice.")
        seen.add(key)
        out.append({"key": key, "options": section.clean_options(item.get("options"))})
    return out


def parse_instant(value: str | None) -> datetime | None:
    """An ISO instant stored in section data, back as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
