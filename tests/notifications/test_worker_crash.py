"""A worker killed with SIGKILL in the middle of a delivery: after a restart the notification
is delivered, and the provider, de-duplicating on the idempotency key, counts it once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from psm.notifications import services
from psm.notifications.models import Notification, Status
from psm.notifications.tasks import deliver_due_notifications
from psm.testing.processes import psm_env


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "psm.cli", "worker", "--no-startup-delay", "--no-reload", *args],
        env=psm_env(PSM_NOTIFY_LEASE_SECONDS="2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_delivery_then_restart_delivers_once(provider) -> None:
    provider.hang_next = 1  # the provider takes the request, then never answers
    row = services.notify(
        "case:1:opened:page:7:0",
        transport="apprise",
        recipient="alice pager",
        target=provider.url("pager"),
        subject="P1 ACME-1",
        body="VOB server down",
    )
    first = worker("--interval", "0.1")
    try:
        assert provider.first_request.wait(timeout=90), first.stderr
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    provider.release.set()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENDING, 1)
    assert row.claimed_until is not None
    # The dead worker's lease (2 s here, 5 min by default) has to run out first.
    while timezone.now() <= row.claimed_until:
        time.sleep(0.1)
    deliver_due_notifications.enqueue()  # what `psm scheduler` does every 30 s
    second = worker("--batch")
    _out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert [r.key for r in provider.requests] == [row.key, row.key]
    assert provider.accepted == {row.key: 1}
