from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from psm.testing.security import log_in

pytestmark = pytest.mark.django_db


def test_the_demo_shows_two_step_log_in() -> None:
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())  # twice is harmless
    client = Client()
    log_in(client, "erik", "demo")
    assert client.get("/my-day/")["Location"].startswith("/mfa/verify/")
    assert client.post("/mfa/verify/", {"code": "demo-demo-demo"}).status_code == 302
    assert client.get("/my-day/").status_code == 200
