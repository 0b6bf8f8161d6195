"""Events of the advisories app, for the layers above (webhooks subscribe later)."""

from __future__ import annotations

from dataclasses import dataclass

from psm.lib.events import Event


@dataclass(frozen=True)
class AdvisoryDelivered:
    account_id: int
    advisory_id: int
    item_id: int
    tracking_id: str
    revision: str
    delivered_by_id: int | None


advisory_delivered = Event[AdvisoryDelivered](
    "advisory.delivered", "The PSM delivered an advisory to an account's contacts."
)
