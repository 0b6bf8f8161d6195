"""Recovery codes (a django-otp device) and the record of password-reset requests.

django-otp's own static tokens are stored in clear; these are stored only as SHA-256
digests of 60-bit random codes, shown once when generated, and each works once.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django_otp.models import Device, ThrottlingMixin


def digest(code: str) -> str:
    """Codes are compared without case, spaces or dashes (people copy them loosely)."""
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


class RecoveryCodeDevice(ThrottlingMixin, Device):  # type: ignore[misc]
    """One per user: the set of unused recovery codes."""

    class Meta:
        verbose_name = "recovery codes"
        verbose_name_plural = "recovery codes"

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: object) -> bool:
        verify_allowed, _ = self.verify_is_allowed()
        if not verify_allowed or not isinstance(token, str) or not token.strip():
            return False
        # Deleting the row is the use: of two requests with one code, only one deletes it.
        used, _ = self.codes.filter(digest=digest(token)).delete()
        if used:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False

    @property
    def remaining(self) -> int:
        return int(self.codes.count())


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_once")
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.device.user_id}"


class PasswordResetRequest(models.Model):
    """One row per request of the password-reset form: what the throttle counts."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    email_digest = models.CharField(max_length=64)
    sent = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["address", "at"]),
            models.Index(fields=["email_digest", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.address}"
