"""How insights reacts to what happens in lower layers (see ``psm.lib.events``): the SLA
ledger and the day rows of the account and engineer concerned follow each settled target
and each page (``psm.insights.rollups``)."""

from __future__ import annotations

from psm.cases.events import sla_settled
from psm.insights import rollups
from psm.paging.events import page_triggered


def connect() -> None:
    sla_settled.subscribe_many(rollups.on_sla_settled_many)
    page_triggered.subscribe(rollups.on_page)
