"""At log-in, note in the session whether the user has a second factor (one query per
log-in instead of three per request)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp_webauthn.models import WebAuthnCredential

from psm.audit.models import record
from psm.security.mfa import remember_enrolment


@receiver(user_logged_in)
def note_enrolment(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember_enrolment(request, user)


@receiver(post_save, sender=WebAuthnCredential)
def audit_new_key(sender: Any, instance: WebAuthnCredential, created: bool, **kwargs: Any) -> None:
    """django-otp-webauthn registers keys through its own views: audited here."""
    if created:
        record(instance.user, "mfa.key_added", instance, changes={"name": instance.name})
