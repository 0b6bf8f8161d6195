"""Who needs a second factor, who has one, and what the session remembers about it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

SESSION_KEY = "psm_mfa_enrolled"


def required_for(user: Any) -> bool:
    """Administrators and managers must use MFA when ``PSM_MFA_REQUIRED`` is on."""
    return bool(settings.PSM_MFA_REQUIRED) and bool(
        getattr(user, "is_admin", False) or getattr(user, "is_manager", False)
    )


def is_enrolled(user: Any) -> bool:
    return bool(user_has_device(user, confirmed=True))


def remember_enrolment(request: HttpRequest, user: Any) -> bool:
    enrolled = is_enrolled(user)
    request.session[SESSION_KEY] = enrolled
    return enrolled


def enrolled_in_session(request: HttpRequest) -> bool:
    value = request.session.get(SESSION_KEY)
    if value is None:
        return remember_enrolment(request, request.user)
    return bool(value)


def second_factors(user: Any) -> list[Device]:
    """The devices that prove possession (an app or a key), not the recovery codes."""
    totp: list[Device] = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    keys: list[Device] = list(WebAuthnCredential.objects.filter(user=user, confirmed=True))
    return totp + keys


def is_verified(user: Any) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(verified()) if callable(verified) else False
