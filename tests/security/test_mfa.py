"""Two-step log-in: authenticator apps, recovery codes shown once, mandatory for
administrators and managers when PSM_MFA_REQUIRED is on, optional for everyone else."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from psm.audit.models import AuditEntry
from psm.security.models import RecoveryCode
from psm.testing.book import Book
from psm.testing.security import current_code, enrol, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock() -> Iterator[Any]:
    """Codes are single use per 30-second step and failures are throttled by the second:
    tests move the clock on as a person's would."""
    with time_machine.travel(time.time(), tick=True) as traveller:
        yield traveller


def test_an_enrolled_user_gives_a_code_after_the_password(book: Book, clock) -> None:
    device, _ = enrol(book.alice)
    clock.shift(30)
    client = Client()
    response = log_in(client, "alice")
    assert response.status_code == 302
    page = client.get("/my-day/")
    assert page.status_code == 302 and page["Location"] == "/mfa/verify/?next=%2Fmy-day%2F"
    # htmx requests are sent to the same place with a full page load.
    partial = client.get("/my-day/", HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"].startswith("/mfa/verify/")
    wrong = client.post("/mfa/verify/", {"code": "000000", "next": "/my-day/"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    clock.shift(2)
    right = client.post("/mfa/verify/", {"code": current_code(device), "next": "/my-day/"})
    assert right.status_code == 302 and right["Location"] == "/my-day/"
    assert client.get("/my-day/").status_code == 200


def test_repeated_wrong_codes_are_throttled(book: Book, clock) -> None:
    device, _ = enrol(book.alice)
    clock.shift(30)
    client = Client()
    log_in(client, "alice")
    for _ in range(3):
        client.post("/mfa/verify/", {"code": "000000"})
    response = client.post("/mfa/verify/", {"code": current_code(device)})
    assert response.status_code == 400
    assert "Too many wrong codes: wait" in response.content.decode()


def test_setting_up_an_app_shows_recovery_codes_once(book: Book, clock) -> None:
    client = Client()
    log_in(client, "client_a")
    page = client.get("/mfa/app/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'src="data:image/svg+xml' in text
    device = TOTPDevice.objects.get(user=book.client_a, confirmed=False)
    wrong = client.post("/mfa/app/", {"code": "123456"})
    assert "That code is not right" in wrong.content.decode()
    clock.shift(2)
    response = client.post("/mfa/app/", {"code": current_code(device), "next": "/portal/"})
    assert response.status_code == 302 and response["Location"].startswith("/mfa/recovery/")
    shown = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<code>([a-z0-9-]{14})</code>", shown)
    assert len(codes) == 10
    assert "the only time PSM shows them" in shown
    again = client.get("/mfa/recovery/").content.decode()
    assert not set(codes) & set(re.findall(r"<code>([a-z0-9-]{14})</code>", again))
    assert "You have 10 unused" in again
    # Stored as digests only.
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10 and not set(codes) & stored
    assert AuditEntry.objects.filter(action="mfa.totp_added", actor=book.client_a).exists()
    assert AuditEntry.objects.filter(action="mfa.recovery_codes_generated").exists()


def test_a_recovery_code_works_once(book: Book, clock) -> None:
    _, codes = enrol(book.alice)
    first = Client()
    log_in(first, "alice")
    used = first.post("/mfa/verify/", {"code": codes[0].upper(), "next": "/my-day/"})
    assert used.status_code == 302 and used["Location"] == "/my-day/"
    assert RecoveryCode.objects.count() == 9
    second = Client()
    log_in(second, "alice")
    again = second.post("/mfa/verify/", {"code": codes[0]})
    assert again.status_code == 400
    clock.shift(2)
    assert second.post("/mfa/verify/", {"code": codes[1].replace("-", "")}).status_code == 302


@pytest.mark.parametrize("username", ["admin", "charlie"])
def test_mandatory_for_administrators_and_managers(
    book: Book, settings: object, username: str
) -> None:
    settings.PSM_MFA_REQUIRED = True
    client = Client()
    log_in(client, username)
    response = client.get("/overview/")
    assert response.status_code == 302
    assert response["Location"] == "/mfa/app/?next=%2Foverview%2F"
    assert "Administrators and managers log in with a second factor" in (
        client.get(response["Location"]).content.decode()
    )


def test_engineers_and_clients_may_opt_in(book: Book, settings: object) -> None:
    settings.PSM_MFA_REQUIRED = True
    for username, home in (("alice", "/my-day/"), ("client_a", "/portal/")):
        client = Client()
        log_in(client, username)
        assert client.get(home).status_code == 200
        assert "Two-step log-in is off" in client.get("/mfa/").content.decode()


def test_off_by_default_outside_production(book: Book) -> None:
    client = Client()
    log_in(client, "admin")
    assert client.get("/overview/").status_code == 200


def test_a_half_signed_in_user_cannot_add_a_device(book: Book) -> None:
    enrol(book.alice)
    client = Client()
    log_in(client, "alice")
    for url in ("/mfa/", "/mfa/app/", "/mfa/recovery/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/mfa/verify/")
    assert client.post("/mfa/recovery/").status_code == 302
    assert TOTPDevice.objects.filter(user=book.alice).count() == 1


def test_removing_the_last_app_turns_it_off(book: Book, clock) -> None:
    device, _ = enrol(book.alice)
    clock.shift(30)
    client = Client()
    log_in(client, "alice")
    client.post("/mfa/verify/", {"code": current_code(device)})
    response = client.post("/mfa/remove/", {"device": device.persistent_id}, follow=True)
    assert "is removed" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=book.alice).exists()
    assert not RecoveryCode.objects.exists()
    fresh = Client()
    log_in(fresh, "alice")
    assert fresh.get("/my-day/").status_code == 200


def test_nobody_removes_another_persons_device(book: Book) -> None:
    device, _ = enrol(book.bob)
    client = Client()
    log_in(client, "alice")
    response = client.post("/mfa/remove/", {"device": device.persistent_id}, follow=True)
    assert "not one of yours" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_next_never_leaves_the_site(book: Book, clock) -> None:
    device, _ = enrol(book.alice)
    clock.shift(30)
    client = Client()
    log_in(client, "alice")
    response = client.post(
        "/mfa/verify/", {"code": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
