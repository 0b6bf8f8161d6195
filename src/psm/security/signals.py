"""At log-in, note in the session whether the user has a second factor (one query per
log-in instead of three per request)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from psm.security.mfa import remember_enrolment


@receiver(user_logged_in)
def note_enrolment(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember_enrolment(request, user)
