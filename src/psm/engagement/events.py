"""Events of the engagement app (see ``psm.lib.events``); sent by its sweep inside the
transaction that claims the reminder or the overdue notice, so each is sent once per due
date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psm.lib.events import Event


@dataclass(frozen=True)
class TouchpointDue:
    account_id: int
    cadence_state_id: int
    kind: str  # "check_in", "site_visit", "management_review"…
    due: datetime
    overdue: bool  # False: falls due soon (the reminder); True: its tolerance has passed
    at: datetime


touchpoint_due = Event[TouchpointDue](
    "touchpoint.due",
    "A proactive touchpoint (check-in, site visit, review) falls due soon or is overdue.",
)
