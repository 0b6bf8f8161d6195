"""Periodic tasks: declared next to the task, enqueued by ``psm scheduler``.

    @periodic(every=timedelta(minutes=1))
    @task()
    def sweep_breaches() -> None: ...

Slots are aligned on the epoch (a 1-minute task has slots at :00 of every minute), so any
number of schedulers agree on the slot and ``ScheduledRun``'s unique constraint lets one win.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task

from psm.background.models import ScheduledRun

_REGISTRY: dict[str, Periodic] = {}
T = TypeVar("T", bound=Task[Any, Any])


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    task: Task[[], Any]

    def slot(self, now: datetime) -> datetime:
        seconds = int(self.every.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def periodic(every: timedelta) -> Callable[[T], T]:
    if every < timedelta(seconds=1):
        raise ValueError("A periodic task runs at most once a second.")

    def register(task_obj: T) -> T:
        name = task_obj.module_path
        _REGISTRY[name] = Periodic(name=name, every=every, task=task_obj)
        return task_obj

    return register


def registry() -> dict[str, Periodic]:
    autodiscover_modules("tasks")
    return dict(_REGISTRY)


def enqueue_due(now: datetime) -> list[str]:
    """Enqueue every periodic task whose current slot has not been enqueued yet."""
    enqueued = []
    for item in registry().values():
        slot = item.slot(now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=item.name, slot=slot)
                # Same transaction: the slot is claimed if and only if the task is queued.
                result = item.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue
        enqueued.append(item.name)
    return enqueued
