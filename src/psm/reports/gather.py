"""The data of a report: one JSON-able dict drawn from the database for one account, one
period and one list of sections. Everything the reader sees is rendered from it, so a run
keeps it and re-renders the same report later (``psm.reports.render``).

Top-level keys (``report.json`` of ``psm reports run``)::

    {"period": {"start": UTC ISO, "end": UTC ISO, "kind", "code", "label", "timezone", …},
     "cases": {"opened": N, "resolved": N, "by_priority": {"P1": {"opened", "resolved"}, …}},
     "account": {"name", "slug", "timezone"}, "report": {"name"}, "generated_at": UTC ISO,
     "sections": [{"key", "title", "options", "data"}, …], "schema": 1}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from psm.accounts.models import Account
from psm.reports import sections as catalogue
from psm.reports.core_sections import case_counts
from psm.reports.periods import Period, iso

SCHEMA = 1
# The sections of the standard report, used when an account has no definition.
STANDARD_SECTIONS = [
    "cases",
    "sla",
    "open_cases",
    "pages",
    "work",
    "advocacy",
    "touchpoints",
    "satisfaction",
]


def standard_sections() -> list[dict[str, Any]]:
    return [{"key": key, "options": {}} for key in STANDARD_SECTIONS if catalogue.get(key)]


def gather(
    account: Account,
    period: Period,
    sections: list[dict[str, Any]],
    *,
    name: str,
    commentary: str = "",
    author: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or timezone.now()
    entries = []
    for item in catalogue.clean_sections(sections):
        section = catalogue.get(item["key"])
        assert section is not None  # clean_sections checked it
        options = item["options"]
        data = section.data(account, period, options)
        if item["key"] == "commentary":
            data = {"text": commentary, "author": author}
        entries.append(
            {"key": item["key"], "title": section.title, "options": options, "data": data}
        )
    return {
        "schema": SCHEMA,
        "generated_at": iso(now),
        "account": {"name": account.name, "slug": account.slug, "timezone": account.timezone},
        "report": {"name": name},
        "period": period.as_json(),
        "cases": case_counts(account, period),
        "sections": entries,
    }


def with_commentary(data: dict[str, Any], text: str, author: str) -> dict[str, Any]:
    """The same data with the PSM's commentary filled in (a held report being released)."""
    out = dict(data)
    out["sections"] = [
        {**s, "data": {"text": text, "author": author}} if s.get("key") == "commentary" else s
        for s in data.get("sections", [])
    ]
    return out
