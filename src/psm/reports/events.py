"""Events of the reports app (see ``psm.lib.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from psm.lib.events import Event


@dataclass(frozen=True)
class ReportSent:
    run_id: int
    account_id: int
    definition_id: int | None
    period_code: str
    recipients: tuple[str, ...]


report_sent = Event[ReportSent](
    "report.sent",
    "A status report run was sent to its recipients (sent inside the sending transaction).",
)
