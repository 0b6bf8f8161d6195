"""The SLA sweep warns before due times and marks breaches, once, however often it runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Max

from psm.audit.models import AuditEntry
from psm.cases import services, sweeps
from psm.cases.models import Case, CaseStatus, Origin
from psm.insights.models import AccountDay, EngineerDay
from psm.notifications.models import Notification

NY = ZoneInfo("America/New_York")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NY)


@pytest.fixture
def case(book):
    with time_machine.travel(ny(10, 10), tick=False):
        return services.open_case(
            None, book.a, title="Broken", contact=book.contact_a, origin=Origin.EMAIL
        )


def test_warns_within_the_lead_time_once(book, case, settings) -> None:
    settings.PSM_SLA_WARNING_MINUTES = 30
    # First response due Wed 09:00; 08:40 is within 30 minutes of it.
    assert sweeps.sweep(ny(11, 8, 20)) == {"warnings": 0, "breaches": 0}
    assert sweeps.sweep(ny(11, 8, 40)) == {"warnings": 1, "breaches": 0}
    assert sweeps.sweep(ny(11, 8, 45)) == {"warnings": 0, "breaches": 0}
    case.refresh_from_db()
    assert case.first_response_warned and not case.first_response_breached
    warning = Notification.objects.get(key__contains=":sla:first_response:warning:")
    assert warning.user == book.alice and "due soon" in warning.subject


def test_marks_a_breach_once_and_tells_the_assignee(book, case) -> None:
    assert sweeps.sweep(ny(11, 9, 1))["breaches"] == 1
    assert sweeps.sweep(ny(11, 9, 2))["breaches"] == 0
    case.refresh_from_db()
    assert case.first_response_breached and case.breached
    assert AuditEntry.objects.filter(action="case.breach").count() == 1
    assert Notification.objects.filter(key__contains=":sla:first_response:breach:").count() == 1


def test_a_paused_case_never_breaches(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        services.set_status(book.alice, case, CaseStatus.WAITING_ON_CLIENT)
    assert sweeps.sweep(ny(20, 9)) == {"warnings": 0, "breaches": 0}


def test_a_met_first_response_is_not_swept(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        services.reply(book.alice, case, text="On it")
    counts = sweeps.sweep(ny(11, 10))
    assert counts["breaches"] == 0
    case.refresh_from_db()
    assert not case.first_response_breached


def test_next_update_breach_and_a_new_update_starts_a_new_cycle(book, case) -> None:
    with time_machine.travel(ny(10, 11), tick=False):
        services.reply(book.alice, case, text="On it")
    case.refresh_from_db()
    assert sweeps.sweep(case.next_update_due)["breaches"] == 1
    with time_machine.travel(ny(13, 9), tick=False):
        services.reply(book.alice, case, text="Update")
    case.refresh_from_db()
    assert not case.next_update_breached and case.breached
    assert sweeps.sweep(case.next_update_due)["breaches"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_mark_each_breach_once(book, case) -> None:
    """Two real processes sweeping the same instant: one notification per event."""
    from psm.testing.processes import psm

    at = ny(11, 9, 5).isoformat()
    code = (
        "from django.utils.dateparse import parse_datetime;"
        "from psm.cases.sweeps import sweep;"
        f"print(sweep(parse_datetime({at!r})))"
    )
    procs = [psm("shell", "-c", code) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert Notification.objects.filter(key__contains=":sla:first_response:breach:").count() == 1
    assert AuditEntry.objects.filter(action="case.breach").count() == 1


# -- at scale: chunks, bulk writes, events in batches -----------------------------------------


def copies(case: Case, n: int) -> list[Case]:
    """``n`` more cases exactly like ``case`` (same account, plan snapshot and due times)."""
    start = max(1000, (Case.objects.aggregate(n=Max("number"))["n"] or 0) + 1)
    rows = []
    for i in range(n):
        row = Case.objects.get(pk=case.pk)
        row.pk = None
        row.number = start + i
        row.reference = f"ACME-{start + i}"
        rows.append(row)
    return Case.objects.bulk_create(rows)


def test_a_burst_is_swept_in_chunks_each_breach_once(book, case) -> None:
    from psm.insights.models import SlaOutcome

    copies(case, 11)
    assert sweeps.sweep(ny(11, 9, 1), chunk=5) == {"warnings": 0, "breaches": 12}
    assert sweeps.sweep(ny(11, 9, 2), chunk=5) == {"warnings": 0, "breaches": 0}
    breaches = AuditEntry.objects.filter(action="case.breach")
    assert breaches.count() == 12
    assert len({(a.object_id, a.account_id) for a in breaches}) == 12
    assert all(a.account_id == book.a.pk for a in breaches)
    mails = Notification.objects.filter(key__contains=":sla:first_response:breach:")
    assert mails.count() == 12 and {m.user_id for m in mails} == {book.alice.pk}
    # The insights ledger heard of every one (a batch subscriber), and the day's figures
    # (recomputed once for the sweep, not per chunk) count them all.
    outcomes = SlaOutcome.objects.filter(kind="first_response", met=False)
    assert outcomes.count() == 12
    day = AccountDay.objects.get(account=book.a, day=ny(11, 9).date())
    assert day.fr_missed == 12
    assert EngineerDay.objects.get(engineer=book.alice, day=ny(11, 9).date()).fr_missed == 12


def test_the_sweep_costs_the_same_queries_for_340_breaches_as_for_60(book, case) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    copies(case, 59)
    with CaptureQueriesContext(connection) as few:
        assert sweeps.sweep(ny(11, 9, 1))["breaches"] == 60
    more = copies(case, 340)  # copies of the breached original: its flags put back
    Case.objects.filter(pk__in=[c.pk for c in more]).update(
        first_response_breached=False, breached=False
    )
    with CaptureQueriesContext(connection) as many:
        assert sweeps.sweep(ny(11, 9, 1))["breaches"] == 340
    assert len(many) <= len(few) + 2, [q["sql"][:80] for q in many.captured_queries]


def test_breaches_and_warnings_are_announced_in_batches(book, case, settings) -> None:
    from psm.cases.events import SlaAlert, sla_breached, sla_warning

    settings.PSM_SLA_WARNING_MINUTES = 30
    copies(case, 4)
    heard: list[tuple[str, list[SlaAlert]]] = []

    def breached(alerts) -> None:
        heard.append(("breached", list(alerts)))

    def warned(alerts) -> None:
        heard.append(("warning", list(alerts)))

    sla_breached.subscribe_many(breached)
    sla_warning.subscribe_many(warned)
    try:
        sweeps.sweep(ny(11, 8, 40), chunk=3)
        sweeps.sweep(ny(11, 9, 1), chunk=3)
    finally:
        sla_breached._batch = [b for b in sla_breached._batch if b[1] is not breached]
        sla_warning._batch = [b for b in sla_warning._batch if b[1] is not warned]
    assert [(name, len(alerts)) for name, alerts in heard] == [
        ("warning", 3),
        ("warning", 2),
        ("breached", 3),
        ("breached", 2),
    ]
    alert = heard[-1][1][0]
    assert alert.kind == "first_response" and alert.due == ny(11, 9)
    assert alert.at == ny(11, 9, 1) and alert.case.account_id == book.a.pk


def test_a_failing_subscriber_rolls_its_chunk_back_and_the_next_sweep_retries(book, case) -> None:
    from psm.cases.events import sla_breached
    from psm.cases.models import Case

    copies(case, 2)

    def fail(alert) -> None:
        raise RuntimeError("receiver down")

    sla_breached.subscribe(fail)
    try:
        with pytest.raises(RuntimeError):
            sweeps.sweep(ny(11, 9, 1))
    finally:
        sla_breached._subscribers.remove(fail)
    assert not Case.objects.filter(first_response_breached=True).exists()
    assert not AuditEntry.objects.filter(action="case.breach").exists()
    assert sweeps.sweep(ny(11, 9, 2))["breaches"] == 3


def test_no_warning_for_a_target_already_missed(book, case, settings) -> None:
    from psm.cases.models import Case

    settings.PSM_SLA_WARNING_MINUTES = 30
    Case.objects.filter(pk=case.pk).update(resolution_breached=True)
    case.refresh_from_db()
    assert sweeps.sweep(case.resolution_due - timedelta(minutes=10))["warnings"] == 0


def test_the_sweep_reads_its_due_rows_from_its_own_partial_index(book, case) -> None:
    """No sort of, or scan over, every running case: the query plan names the index."""
    from django.db import connection

    at = connection.ops.adapt_datetimefield_value(ny(11, 9))
    for target in sweeps.TARGETS:
        for flag, window, params in (
            (target.breached, f'"{target.due}" <= %s', [at]),
            (target.warned, f'"{target.due}" > %s AND "{target.due}" <= %s', [at, at]),
        ):
            sql = sweeps.candidates_sql(target, flag, window)
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # A tiny table: make the planner show whether an ordered index scan
                    # exists (with sorting discouraged, a plan that still sorts has none).
                    for knob in ("seqscan", "bitmapscan", "sort"):
                        cursor.execute(f"SET LOCAL enable_{knob} = off")
                    cursor.execute(f"EXPLAIN {sql}", [*params, 500])
                else:
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}", [*params, 500])
                plan = " ".join(str(r) for r in cursor.fetchall())
            assert f"case_{target.index_name}_sweep" in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


SWEEPER = """
import time
from pathlib import Path
from django.utils.dateparse import parse_datetime
from psm.cases.sweeps import sweep
go = Path({go!r})
while not go.exists():
    time.sleep(0.01)
print(sweep(parse_datetime({at!r}), chunk=7)["breaches"])
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_sweeps_at_once_share_a_burst_and_mark_each_breach_once(book, tmp_path) -> None:
    """On PostgreSQL the sweeps skip each other's locked chunks instead of waiting."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so there is no race")
    with time_machine.travel(ny(10, 10), tick=False):
        first = services.open_case(
            None, book.a, title="Broken", contact=book.contact_a, origin=Origin.EMAIL
        )
    copies(first, 199)
    go = tmp_path / "go"
    code = SWEEPER.format(go=str(go), at=ny(11, 9, 5).isoformat())
    from psm.testing.processes import psm

    procs = [psm("shell", "-c", code) for _ in range(4)]
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs if err][:2]
    assert sum(int(out.strip().splitlines()[-1]) for out, _ in outs) == 200
    assert AuditEntry.objects.filter(action="case.breach").count() == 200
    mails = Notification.objects.filter(key__contains=":sla:first_response:breach:")
    assert mails.count() == 200
    from psm.insights.models import SlaOutcome

    assert SlaOutcome.objects.filter(kind="first_response", met=False).count() == 200
