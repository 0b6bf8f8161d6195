"""How engagement reacts to what happens in lower layers (see ``psm.lib.events``)."""

from __future__ import annotations

from psm.engagement.tasks import absence_changed
from psm.team.events import AbsenceRecorded, absence_recorded


def brief_the_substitute(event: AbsenceRecorded) -> None:
    """The substitute gets a handover brief at once if the absence is already running."""
    absence_changed.enqueue(event.absence_id)


def connect() -> None:
    absence_recorded.subscribe(brief_the_substitute)
