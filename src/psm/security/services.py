"""Security changes, one verb each: every one audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from psm.audit.models import record
from psm.security.models import PasswordResetRequest, RecoveryCode, RecoveryCodeDevice, digest

# Base32 without the look-alikes 0/1/8/9 is what TOTP apps use; we use it for codes too.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def start_totp(user: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (earlier unconfirmed ones are dropped)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def confirm_totp(user: Any, device: TOTPDevice, token: str) -> bool:
    """Confirm the authenticator with its first code; False when the code is wrong."""
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(user, "mfa.totp_added", device, changes={"name": device.name})
    return True


def new_recovery_codes(user: Any, count: int | None = None) -> list[str]:
    """Replace the user's recovery codes; the codes are returned once and stored hashed."""
    count = count or int(settings.PSM_RECOVERY_CODES)
    codes = [_code() for _ in range(count)]
    with transaction.atomic():
        device, _ = RecoveryCodeDevice.objects.get_or_create(
            user=user, defaults={"name": "Recovery codes", "confirmed": True}
        )
        device.codes.all().delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(device=device, digest=digest(code)) for code in codes]
        )
        record(user, "mfa.recovery_codes_generated", device, changes={"count": count})
    return codes


def remove_device(actor: Any, device: Device) -> None:
    """Remove an app or key; removing the last one also removes the recovery codes."""
    user = device.user
    with transaction.atomic():
        record(actor, "mfa.device_removed", device, changes={"name": device.name})
        device.delete()
        still = (
            TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
        )
        if not still:
            RecoveryCodeDevice.objects.filter(user=user).delete()


def reset_mfa(actor: Any, user: Any) -> int:
    """An administrator clears every second factor of someone who lost them."""
    removed = 0
    with transaction.atomic():
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        record(actor, "mfa.reset", user, changes={"devices_removed": removed})
    return removed


def allow_password_reset(address: str | None, email: str) -> str:
    """Record a reset request and say what to do: ``send``, ``skip`` (this address has had
    enough e-mails this hour: answer as if sent) or ``refuse`` (this client has asked too often)."""
    since = timezone.now() - timedelta(hours=1)
    email_digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    from_address = PasswordResetRequest.objects.filter(address=address, at__gte=since).count()
    if address and from_address >= settings.PSM_RESET_PER_ADDRESS_HOUR:
        return "refuse"
    sent = PasswordResetRequest.objects.filter(
        email_digest=email_digest, at__gte=since, sent=True
    ).count()
    decision = "send" if sent < settings.PSM_RESET_PER_EMAIL_HOUR else "skip"
    PasswordResetRequest.objects.create(
        address=address or None, email_digest=email_digest, sent=decision == "send"
    )
    return decision


def _code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))  # 60 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
