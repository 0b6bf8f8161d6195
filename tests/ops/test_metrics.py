"""/metrics: Prometheus figures from the database, for a token or an allowed address; under
gunicorn the per-process request counters of every worker are added up."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from psm.background.heartbeat import beat
from psm.channels.email import services as pipeline
from psm.channels.email.models import InboundMessage, Source, State
from psm.notifications.models import Notification, Status
from psm.notifications.services import notify
from psm.paging import services as paging
from psm.testing.book import Book
from psm.testing.paging import free_port
from psm.testing.processes import psm_env

pytestmark = pytest.mark.django_db


def value(text: str, name: str, labels: str = "") -> float:
    pattern = rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"{name}{labels} not in the metrics"
    return float(found.group(1))


def test_the_figures(book: Book) -> None:
    notify("k1", transport="email", recipient="a@example.com", subject="s", body="b")
    notify("k2", transport="email", recipient="a@example.com", subject="s", body="b")
    Notification.objects.filter(key="k1").update(status=Status.FAILED)
    stored = pipeline.store(b"Subject: x\r\n\r\nbody", source=Source.SMTP)
    InboundMessage.objects.filter(pk=stored.pk).update(state=State.QUARANTINED)
    pipeline.store(b"Subject: y\r\n\r\nbody", source=Source.SMTP)
    paging.page_psm(book.a, contact=book.contact_a, message="Down")
    beat("scheduler")
    text = Client().get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert value(text, "psm_notifications_failed") == 1
    assert value(text, "psm_inbound_mail", '{state="quarantined"}') == 1
    assert value(text, "psm_inbound_mail", '{state="received"}') == 1
    assert value(text, "psm_inbound_mail", '{state="duplicate"}') == 0
    assert value(text, "psm_pages_waiting_ack") == 1
    assert value(text, "psm_task_queue_depth") >= 2  # deliveries and the page's work
    assert value(text, "psm_task_oldest_age_seconds") >= 0
    assert value(text, "psm_heartbeat_age_seconds", '{part="scheduler"}') < 60
    assert value(text, "psm_sweep_lag_seconds", '{task="background.prune_finished_work"}') == 0


def test_the_oldest_task_age(book: Book) -> None:
    from django_tasks_db.models import DBTaskResult

    notify("k1", transport="email", recipient="a@example.com", subject="s", body="b")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=90))
    text = Client().get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 90 <= value(text, "psm_task_oldest_age_seconds") < 120


def test_protected_by_token_or_address(settings: Any) -> None:
    settings.PSM_METRICS_TOKEN = "s3cret-token"
    settings.PSM_METRICS_ALLOW = ["10.1.0.0/16"]
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    assert Client().get("/metrics", **outside).status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **outside).status_code == 403
    assert (
        Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", **outside).status_code
        == 200
    )
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    # A forged X-Forwarded-For is no way in when no proxy is trusted.
    forged = Client().get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3", **outside)
    assert forged.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_multiprocess_mode_under_gunicorn(book: Book, tmp_path: Path) -> None:
    port = free_port()
    env = psm_env(PSM_DATA_DIR=str(tmp_path), PSM_BASE_URL=f"http://127.0.0.1:{port}")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "psm.wsgi:application",
            "--config",
            "python:psm.ops.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline and web.poll() is None
                time.sleep(0.2)
        for _ in range(39):
            urllib.request.urlopen(f"{base}/login/", timeout=5).read()
        text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
        # Every request was counted, whichever of the two workers served it.
        total = value(text, "django_http_responses_total_by_status_total", '{status="200"}')
        assert total >= 40
        assert len(list((tmp_path / "prometheus").glob("*/counter_*.db"))) == 2
        assert "psm_task_queue_depth" in text
    finally:
        web.terminate()
        web.wait(timeout=15)
    assert not any((tmp_path / "prometheus").iterdir())  # the master cleaned up


def test_sweep_lag_grows_when_a_sweep_stops(book: Book) -> None:
    from django_tasks_db.models import DBTaskResult

    from psm.background.periodic import enqueue_due
    from psm.ops.queue import sweep_lags

    now = timezone.now()
    enqueue_due(now - timedelta(hours=3))
    name = "psm.background.tasks.prune_finished_work"
    # Nothing ran: the lag counts from the first slot the scheduler recorded.
    assert sweep_lags(now)[name] >= 3600 * 2 - 60
    DBTaskResult.objects.filter(task_path=name).update(
        status="SUCCESSFUL", finished_at=now - timedelta(hours=3)
    )
    enqueue_due(now)  # this slot's task has not run yet
    lag = sweep_lags(now)[name]
    assert 3600 * 2 - 60 <= lag <= 3600 * 3  # slots are aligned on the hour
