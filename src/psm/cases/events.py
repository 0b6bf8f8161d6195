"""What happens to cases that other apps react to (see ``psm.lib.events``).

Each is sent by ``psm.cases.services`` inside the transaction of the change, after the
case's own rows are written. ``case_opened`` is the one place the consequences of a new
case start, whatever channel it came in by (e-mail, portal, telephone, staff): the paging
app pages a 7x24 priority with the routing decision made at opening (``routed``), and
outgoing webhooks announce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psm.cases.models import Case, Message
from psm.coverage.adapters import Routed
from psm.lib.events import Event


@dataclass(frozen=True)
class CaseOpened:
    case: Case
    routed: Routed | None  # None while the account has no PSM
    at: datetime


@dataclass(frozen=True)
class CaseUpdated:
    case: Case
    changes: dict[str, Any]  # field → [before, after]
    at: datetime


@dataclass(frozen=True)
class MessageAdded:
    case: Case
    message: Message
    at: datetime


@dataclass(frozen=True)
class SlaSettled:
    """One SLA target settled: met (answered, updated or resolved in time) or missed (late,
    or its due time passed: the breach sweep). ``due`` names the target (a case's next-update
    target moves with every reply), so a target missed by the sweep and then answered late
    is the same target settled twice with the same answer."""

    case: Case
    kind: str  # "first_response", "next_update" or "resolution"
    due: datetime
    met: bool
    at: datetime  # when it was settled: the answer, or the due time passed


@dataclass(frozen=True)
class SlaAlert:
    """The SLA sweep's news about one target of a running case: due soon (``sla_warning``,
    within ``PSM_SLA_WARNING_MINUTES`` of ``due``) or missed (``sla_breached``, ``due``
    passed unanswered). Sent once per target and due time, in batches (``send_many``)."""

    case: Case
    kind: str  # "first_response", "next_update" or "resolution"
    due: datetime
    at: datetime  # when the sweep noticed


case_opened = Event[CaseOpened]("case.created", "A case was opened, by any channel.")
case_updated = Event[CaseUpdated]("case.updated", "A case's status, priority or assignee changed.")
message_added = Event[MessageAdded](
    "case.message_added", "A message was added to a case (from the client or to the client)."
)
sla_settled = Event[SlaSettled](
    "case.sla_settled", "An SLA target of a case was met or missed (reply, resolution, breach)."
)
sla_warning = Event[SlaAlert](
    "sla.warning", "An SLA target of a running case is due soon (the warning lead time)."
)
sla_breached = Event[SlaAlert](
    "sla.breached", "An SLA target of a running case was missed: its due time passed."
)
