"""``/healthz``: is every part of PSM alive? One check per part, each with a reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from psm.background.heartbeat import last_beat
from psm.ops.queue import queue_state


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float | None = None  # the age or lag measured, when there is one

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run_checks(now: datetime | None = None) -> list[Check]:
    checks = [_database()]
    if not checks[0].ok:
        return checks  # nothing else can be read
    now = now or timezone.now()
    checks.append(_queue(now))
    checks.append(_beat("scheduler", now, settings.PSM_HEALTH_SCHEDULER_SECONDS))
    if settings.PSM_HEALTH_SMTPD:
        checks.append(_beat("smtpd", now, settings.PSM_HEALTH_SMTPD_SECONDS))
    if settings.PSM_IMAP_HOST:
        checks.append(_beat("imap", now, settings.PSM_HEALTH_IMAP_SECONDS))
    return checks


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the same: no database
        return Check("database", False, f"cannot query the database: {type(exc).__name__}")
    return Check("database", True, f"{connection.vendor} answers")


def _queue(now: datetime) -> Check:
    state = queue_state(now)
    limit = settings.PSM_HEALTH_QUEUE_LAG_SECONDS
    if state.oldest_age > limit:
        return Check(
            "task_queue",
            False,
            f"{state.depth} tasks waiting, the oldest for {state.oldest_age:.0f} s "
            f"(limit {limit} s): are the workers running?",
            state.oldest_age,
        )
    return Check("task_queue", True, f"{state.depth} tasks waiting", state.oldest_age)


_WHAT = {"scheduler": "psm scheduler", "smtpd": "psm smtpd", "imap": "the IMAP poll"}


def _beat(name: str, now: datetime, limit: int) -> Check:
    at = last_beat(name)
    what = _WHAT[name]
    if at is None:
        return Check(name, False, f"no sign of {what} yet")
    age = (now - at).total_seconds()
    if age > limit:
        return Check(name, False, f"{what} last seen {age:.0f} s ago (limit {limit} s)", age)
    return Check(name, True, f"{what} seen {age:.0f} s ago", age)
