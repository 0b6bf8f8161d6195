from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django_tasks_db.models import DBTaskResult

from psm.background.models import ScheduledRun
from psm.background.periodic import enqueue_due, registry
from psm.testing.processes import psm

SLOT = datetime(2026, 3, 8, 7, 0, 30, tzinfo=UTC)


def test_periodic_tasks_are_registered() -> None:
    assert "psm.background.tasks.prune_finished_work" in registry()


@pytest.mark.django_db
def test_a_slot_is_enqueued_once() -> None:
    first = enqueue_due(SLOT)
    again = enqueue_due(SLOT.replace(minute=30))  # same hourly slot
    assert "psm.background.tasks.prune_finished_work" in first
    assert "psm.background.tasks.prune_finished_work" not in again
    assert ScheduledRun.objects.filter(name="psm.background.tasks.prune_finished_work").count() == 1
    run = ScheduledRun.objects.get(name="psm.background.tasks.prune_finished_work")
    assert DBTaskResult.objects.filter(id=run.task_result_id).exists()


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_enqueue_each_slot_once() -> None:
    """Two real scheduler processes on the same slot: the database lets exactly one win."""
    at = SLOT.isoformat()
    procs = [psm("scheduler", "--once", "--at", at) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    name = "psm.background.tasks.prune_finished_work"
    winners = sum(out.count(f"enqueued {name}") for out, _ in outputs)
    assert winners == 1, outputs
    assert ScheduledRun.objects.filter(name=name).count() == 1
    assert DBTaskResult.objects.filter(task_path=name).count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_runs_an_enqueued_task() -> None:
    enqueue_due(SLOT)
    worker = psm("worker", "--batch", "--no-startup-delay", "--no-reload")
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    result = DBTaskResult.objects.get(task_path="psm.background.tasks.prune_finished_work")
    assert result.status == "SUCCESSFUL"
