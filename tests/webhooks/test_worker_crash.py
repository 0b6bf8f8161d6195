"""A worker killed with SIGKILL in the middle of a delivery: once its lease has run out the
delivery is sent again, with the same webhook-id and body, so the receiver can drop the
repeat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from psm.cases import services as cases
from psm.testing.processes import psm_env
from psm.testing.webhooks import make_endpoint
from psm.webhooks.models import Delivery, DeliveryStatus
from psm.webhooks.tasks import deliver_due_webhooks


def worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "psm.cli", "worker", "--no-startup-delay", "--no-reload", *args],
        env=psm_env(PSM_WEBHOOKS_LEASE_SECONDS="2", PSM_WEBHOOKS_ALLOW_PRIVATE="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_delivery_then_restart_redelivers_with_the_same_id(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"])
    receiver.hang_next = 1  # the receiver takes the request, then never answers
    cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    delivery = Delivery.objects.get()
    first = worker("--interval", "0.1")
    try:
        assert receiver.first_request.wait(timeout=90), first.stderr
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    receiver.release.set()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)
    assert delivery.claimed_until is not None
    while timezone.now() <= delivery.claimed_until:
        time.sleep(0.1)
    deliver_due_webhooks.enqueue()  # what `psm scheduler` does every 30 s
    second = worker("--batch")
    _out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    killed, again = receiver.requests
    assert killed.id == again.id == delivery.msg_id
    assert killed.body == again.body
    Webhook(endpoint.secret).verify(again.body, again.headers)
