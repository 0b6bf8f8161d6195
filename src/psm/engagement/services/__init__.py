"""Engagement services: every change is one typed function that writes, audits and notifies.

The public hooks other apps call:

- ``send_csat_survey(case)`` — the cases app, when a case is resolved;
- ``entries(account, since, until)`` — the timeline source, in ``psm.engagement.timeline``;
- ``due_states(owner=user)`` — "my day" and the manager overview: due and overdue touchpoints.
"""

from psm.engagement.services.cadences import (
    clear_cadence_override,
    due_states,
    effective_rules,
    refresh_cadences,
    set_cadence_override,
    sweep_cadences,
)
from psm.engagement.services.satisfaction import answer_survey, send_csat_survey

__all__ = [
    "answer_survey",
    "clear_cadence_override",
    "due_states",
    "effective_rules",
    "refresh_cadences",
    "send_csat_survey",
    "set_cadence_override",
    "sweep_cadences",
]
