"""/healthz: 200 while every part is alive, 503 naming the part that is not."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from psm.background.heartbeat import beat
from psm.background.models import Heartbeat
from psm.background.tasks import prune_finished_work
from psm.testing.processes import psm

pytestmark = pytest.mark.django_db


def health() -> tuple[int, dict[str, Any]]:
    response = Client().get("/healthz")
    body = response.json()
    return response.status_code, {c["name"]: c for c in body["checks"]}


def test_healthy_when_every_part_beats() -> None:
    beat("scheduler")
    beat("smtpd")
    status, checks = health()
    assert status == 200, checks
    assert set(checks) == {"database", "task_queue", "scheduler", "smtpd"}
    assert all(c["ok"] for c in checks.values())


def test_a_silent_scheduler_fails_the_check() -> None:
    beat("smtpd")
    beat("scheduler")
    Heartbeat.objects.filter(name="scheduler").update(beat_at=timezone.now() - timedelta(minutes=5))
    status, checks = health()
    assert status == 503
    assert not checks["scheduler"]["ok"]
    assert "psm scheduler last seen 300 s ago (limit 120 s)" in checks["scheduler"]["detail"]
    assert checks["smtpd"]["ok"]


def test_no_smtp_listener_ever_seen() -> None:
    beat("scheduler")
    status, checks = health()
    assert status == 503
    assert checks["smtpd"]["detail"] == "no sign of psm smtpd yet"


def test_a_queue_nobody_works_fails_the_check() -> None:
    beat("scheduler")
    beat("smtpd")
    prune_finished_work.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    status, checks = health()
    assert status == 503
    assert "1 tasks waiting, the oldest for 600 s" in checks["task_queue"]["detail"]


def test_imap_is_checked_when_configured(settings: Any) -> None:
    settings.PSM_IMAP_HOST = "imap.example.com"
    beat("scheduler")
    beat("smtpd")
    status, checks = health()
    assert status == 503 and checks["imap"]["detail"] == "no sign of the IMAP poll yet"
    beat("imap")
    assert health()[0] == 200


@pytest.mark.django_db(transaction=True)
def test_real_scheduler_and_smtp_listener_beat(settings: Any) -> None:
    """The real processes write the heartbeats: healthy while they run; a killed listener
    turns /healthz red once its beat is older than the limit."""
    from psm.testing.paging import free_port

    port = free_port()
    scheduler = psm("scheduler", "--interval", "0.5")
    smtpd = psm("smtpd", "--bind", f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while health()[0] != 200:
            assert time.monotonic() < deadline, health()
            time.sleep(0.5)
        assert Heartbeat.objects.get(name="smtpd").detail == f"127.0.0.1:{port}"
        smtpd.kill()
        smtpd.wait()
        settings.PSM_HEALTH_SMTPD_SECONDS = 1
        time.sleep(2)
        status, checks = health()
        assert status == 503 and not checks["smtpd"]["ok"] and checks["scheduler"]["ok"]
    finally:
        for process in (scheduler, smtpd):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
