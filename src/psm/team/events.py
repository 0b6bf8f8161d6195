"""What happens to the team that other apps react to (see ``psm.lib.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from psm.lib.events import Event


@dataclass(frozen=True)
class AbsenceRecorded:
    absence_id: int


absence_recorded = Event[AbsenceRecorded](
    "absence.recorded", "An engineer's absence was recorded (it may be running already)."
)
