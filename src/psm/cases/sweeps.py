"""The SLA sweep: warn the assignee shortly before a due time, mark and announce breaches.

Set-based and bounded, so a storm of breaches (an outage, a backlog after a holiday) takes
seconds, not minutes, and memory stays flat. One read first asks which kinds have anything
due (a quiet minute costs that one query); then for each such kind of target, in chunks of
``chunk`` cases, each chunk one transaction:

1. **claim** with one conditional UPDATE … RETURNING: the flag (``*_breached`` or
   ``*_warned``) is set only where it is still unset, the case still runs and the due time
   is still in range. On PostgreSQL the chunk is picked ``FOR UPDATE SKIP LOCKED``, so a
   second sweep running at the same moment takes the next chunk instead of waiting; on
   SQLite the write lock serialises sweeps. Either way only the winner of a case records
   and notifies (and the notification's idempotency key would stop a repeat anyway).
2. read the claimed cases with their account and assignee, without the plan snapshot and
   routing JSON (nothing here needs them; a subscriber that does gets them on access);
3. **write in bulk**: the audit entries in one INSERT, the outbox rows in one INSERT (one
   delivery task for the chunk), and send the events with ``send_many``:
   ``sla_settled`` (the insights ledger) and ``sla_breached`` for breaches,
   ``sla_warning`` for warnings.

Each kind has a partial index on its due column over exactly the cases the sweep looks at
(running, target not yet missed), so a sweep reads the due rows in due order from the index
and never sorts, or even reads, the other running cases (``Case.Meta.indexes``: ``case_*_sweep``).
A subscriber that raises rolls its chunk back, claims included: the next sweep tries again.
Subscribers' derived work (the insights day figures) runs once at the end of the sweep
(``psm.lib.events.coalesced``), not once per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from psm.accounts.models import Account
from psm.audit.models import AuditEntry, entry
from psm.cases import notify
from psm.cases.events import SlaAlert, SlaSettled, sla_breached, sla_settled, sla_warning
from psm.cases.models import RUNNING, Case
from psm.lib import events
from psm.lib.bulk import insert
from psm.notifications import services as notifications
from psm.team.models import User

KINDS = ("first_response", "next_update", "resolution")
CHUNK = 500


@dataclass(frozen=True)
class Target:
    """Where one kind of SLA target lives on a case, and which cases the sweep considers."""

    kind: str

    @property
    def due(self) -> str:
        return f"{self.kind}_due"

    @property
    def breached(self) -> str:
        return f"{self.kind}_breached"

    @property
    def warned(self) -> str:
        return f"{self.kind}_warned"

    @property
    def index_name(self) -> str:
        return {"first_response": "fr", "next_update": "nu", "resolution": "res"}[self.kind]

    def open_sql(self) -> str:
        """The cases whose target can still be missed: the partial index's condition, written
        the same way in the sweep's query so both databases see the index applies."""
        statuses = ", ".join(f"'{s}'" for s in RUNNING)
        sql = f'"status" IN ({statuses}) AND NOT "{self.breached}"'
        if self.kind == "first_response":
            sql += ' AND "first_response_at" IS NULL'
        return sql


TARGETS = tuple(Target(kind) for kind in KINDS)


def candidates_sql(target: Target, flag: str, window: str) -> str:
    """The due cases without ``flag``, in due order, from the kind's partial index (named on
    SQLite, whose planner has no statistics to prefer it over the status index and a sort);
    the parameters are ``window``'s and the limit."""
    table = Case._meta.db_table
    index = f' INDEXED BY "case_{target.index_name}_sweep"' if connection.vendor == "sqlite" else ""
    return (
        f'SELECT "id" FROM "{table}"{index} WHERE {target.open_sql()} AND {window} '
        f'AND NOT "{flag}" ORDER BY "{target.due}" LIMIT %s'
    )


def _claim(
    target: Target, flag: str, window: str, instants: list[datetime], limit: int
) -> list[int]:
    """Set ``flag`` on up to ``limit`` due cases that do not have it yet; their ids."""
    params = [connection.ops.adapt_datetimefield_value(t) for t in instants]
    table = Case._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    also = ', "breached" = TRUE' if flag == target.breached else ""
    # Materialised: picked once. As a plain ``IN (subquery)`` PostgreSQL may rescan it, and
    # each rescan skips the rows this statement has just updated and takes more than ``limit``.
    sql = (
        f"WITH claim AS MATERIALIZED ({candidates_sql(target, flag, window)}{lock}) "
        f'UPDATE "{table}" SET "{flag}" = TRUE{also} WHERE "id" IN (SELECT "id" FROM claim) '
        f'AND {target.open_sql()} AND {window} AND NOT "{flag}" RETURNING "id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, *params])
        return [row[0] for row in cursor.fetchall()]


def _claimed(ids: list[int]) -> list[Case]:
    """The claimed cases without their plan snapshot and routing JSON. A few (a usual minute)
    come with their account and assignee in one query; a big chunk reads each account and
    assignee once and shares them among its cases (a join would build them once per case)."""
    cases_qs = Case.objects.filter(pk__in=ids).defer("coverage", "routing").order_by()
    if len(ids) <= 50:
        return list(cases_qs.select_related("account", "assignee"))
    cases = list(cases_qs)
    accounts = Account.objects.in_bulk({c.account_id for c in cases})
    users = User.objects.in_bulk({c.assignee_id for c in cases if c.assignee_id is not None})
    account_field, assignee_field = (
        Case._meta.get_field("account"),
        Case._meta.get_field("assignee"),
    )
    for case in cases:
        account_field.set_cached_value(case, accounts[case.account_id])
        assignee_field.set_cached_value(
            case, users[case.assignee_id] if case.assignee_id is not None else None
        )
    return cases


def _breaches(target: Target, now: datetime, chunk: int) -> int:
    with transaction.atomic():
        ids = _claim(target, target.breached, f'"{target.due}" <= %s', [now], chunk)
        if not ids:
            return 0
        cases = _claimed(ids)
        audits: list[AuditEntry] = []
        settled: list[SlaSettled] = []
        alerts: list[SlaAlert] = []
        with notifications.collected():
            for case in cases:
                due = getattr(case, target.due)
                audits.append(
                    entry(
                        None,
                        "case.breach",
                        case,
                        account=case.account_id,
                        changes={target.kind: due},
                    )
                )
                notify.sla_event(case, target.kind, "breach", due)
                settled.append(SlaSettled(case, target.kind, due, False, due))
                alerts.append(SlaAlert(case, target.kind, due, now))
        insert(audits, returning=False)
        sla_settled.send_many(settled)
        sla_breached.send_many(alerts)
    return len(ids)


def _warnings(target: Target, now: datetime, lead: timedelta, chunk: int) -> int:
    with transaction.atomic():
        window = f'"{target.due}" > %s AND "{target.due}" <= %s'
        ids = _claim(target, target.warned, window, [now, now + lead], chunk)
        if not ids:
            return 0
        cases = _claimed(ids)
        alerts: list[SlaAlert] = []
        with notifications.collected():
            for case in cases:
                due = getattr(case, target.due)
                notify.sla_event(case, target.kind, "warning", due)
                alerts.append(SlaAlert(case, target.kind, due, now))
        sla_warning.send_many(alerts)
    return len(ids)


def _windows(
    target: Target, now: datetime, lead: timedelta
) -> list[tuple[str, str, list[datetime]]]:
    """(flag, window, instants) of the kind's breaches and warnings."""
    return [
        (target.breached, f'"{target.due}" <= %s', [now]),
        (target.warned, f'"{target.due}" > %s AND "{target.due}" <= %s', [now, now + lead]),
    ]


def _anything_due(now: datetime, lead: timedelta) -> list[bool]:
    """One read, outside any transaction: which of the six claims (three kinds, breach and
    warning) would find a case. A quiet minute then costs this one query."""
    parts, params = [], []
    for target in TARGETS:
        for flag, window, instants in _windows(target, now, lead):
            parts.append(f"EXISTS ({candidates_sql(target, flag, window)})")
            params += [*(connection.ops.adapt_datetimefield_value(t) for t in instants), 1]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return [bool(v) for v in row]


def sweep(now: datetime, *, chunk: int = CHUNK) -> dict[str, int]:
    """Mark every target missed by ``now`` and warn of those due within the lead time; safe
    to run twice, or on several machines at once. Returns what this call did."""
    lead = timedelta(minutes=settings.PSM_SLA_WARNING_MINUTES)
    counts = {"warnings": 0, "breaches": 0}
    due = iter(_anything_due(now, lead))
    with events.coalesced():  # subscribers' derived work once per sweep, not per chunk
        for target in TARGETS:
            # A chunk that comes back short is the last: what is left is another sweep's.
            if next(due):
                while (n := _breaches(target, now, chunk)) > 0:
                    counts["breaches"] += n
                    if n < chunk:
                        break
            if next(due):
                while (n := _warnings(target, now, lead, chunk)) > 0:
                    counts["warnings"] += n
                    if n < chunk:
                        break
    return counts
