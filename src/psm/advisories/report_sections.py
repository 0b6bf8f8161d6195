"""The advisories section of a status report: what was passed on in the period, and what is
still open on the client's side (an install not yet applied), from
``queries.delivered_and_pending``. Only delivered advisories appear, with what the client was
told: one still under review, or marked not relevant, is the provider's business."""

from __future__ import annotations

from typing import Any

from psm.advisories.models import InstallState, Severity
from psm.advisories.queries import delivered_and_pending
from psm.reports.periods import Period, iso
from psm.reports.sections import JSON, Option, Section, register

LIMIT = 50
STATES = dict(InstallState.choices)
SEVERITIES = dict(Severity.choices)


def _plain(row: dict[str, Any]) -> JSON:
    """JSON-able: instants as UTC ISO strings, states in words."""
    return {
        "advisory": row["advisory"],
        "title": row["title"],
        "severity": SEVERITIES.get(row["severity"], ""),
        "cves": row["cves"][:5],
        "delivered_at": iso(row["delivered_at"]) if row["delivered_at"] else None,
        "acknowledged_at": iso(row["acknowledged_at"]) if row["acknowledged_at"] else None,
        "installs": [
            {
                "product": f"{i['product']} {i['version']}".strip(),
                "site": i["site"],
                "state": STATES.get(i["state"], i["state"]),
                "deferred_until": i["deferred_until"].isoformat() if i["deferred_until"] else None,
            }
            for i in row["installs"]
        ],
    }


class AdvisoriesSection(Section):
    key = "advisories"  # stored in definitions: never rename
    title = "Advisories delivered and pending"
    description = (
        "Relevant patches and security advisories passed on in the period, and those still "
        "waiting for an installation to be updated."
    )
    order = 500
    template = "reports/sections/advisories.html"
    options = (Option("show_pending", "List advisories still pending", default=True),)

    def data(self, account: Any, period: Period, options: JSON) -> JSON:
        found = delivered_and_pending(account, period.start, period.end)
        show_pending = bool(options.get("show_pending", True))
        return {
            "delivered_count": len(found["delivered"]),
            "delivered": [_plain(r) for r in found["delivered"][:LIMIT]],
            "pending_count": len(found["pending"]),
            "pending": [_plain(r) for r in found["pending"][:LIMIT]] if show_pending else [],
        }


def register_all() -> None:
    register(AdvisoriesSection())
