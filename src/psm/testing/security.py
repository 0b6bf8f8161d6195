"""Test helpers for MFA: a real authenticator's current code, an enrolled user."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from psm.security import services


def current_code(device: TOTPDevice, *, step_offset: int = 0) -> str:
    """What an authenticator app shows now for this device (as the phone would compute)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user: Any) -> tuple[TOTPDevice, list[str]]:
    """Give ``user`` a confirmed authenticator app and fresh recovery codes."""
    device = services.start_totp(user)
    assert services.confirm_totp(user, device, current_code(device))
    return device, services.new_recovery_codes(user)


def log_in(client: Client, username: str, password: str = "password", **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)
