"""What happens to pages that other apps react to (see ``psm.lib.events``); sent by
``psm.paging.services`` inside the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psm.lib.events import Event
from psm.paging.models import Page


@dataclass(frozen=True)
class PageEvent:
    page: Page
    at: datetime


page_triggered = Event[PageEvent]("page.triggered", "A page started (the first engineer paged).")
page_escalated = Event[PageEvent](
    "page.escalated", "Nobody acknowledged in time: the next in the chain (or basic support)."
)
page_acknowledged = Event[PageEvent]("page.acknowledged", "An engineer acknowledged a page.")
