"""MFA pages, the lockout page, the throttled password reset, CSP violation reports."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from prometheus_client import Counter

from psm.lib.clientip import client_ip
from psm.security import services
from psm.security.forms import CodeForm, ConfirmAppForm
from psm.security.mfa import (
    enrolled_in_session,
    is_verified,
    remember_enrolment,
    required_for,
    second_factors,
)
from psm.security.models import RecoveryCodeDevice
from psm.team.access import acting_user

log = logging.getLogger("psm.security")
CSP_VIOLATIONS = Counter("psm_csp_violations", "Content-Security-Policy violation reports")
_PENDING = "psm_totp_pending"
_SHOW_CODES = "psm_recovery_codes_once"


def _next_url(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _must_verify_first(request: HttpRequest) -> bool:
    return enrolled_in_session(request) and not is_verified(request.user)


def home(request: HttpRequest) -> HttpResponse:
    """The user's second factors, and the ways to add or remove them."""
    user = acting_user(request)
    if _must_verify_first(request):
        return redirect(f"{reverse('security:verify')}?next={request.path}")
    devices = second_factors(user)
    remember_enrolment(request, user)
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    if devices and recovery is None:
        # A first security key was just registered (by django-otp-webauthn's own views):
        # it gets its recovery codes, shown once, like a first app does.
        request.session[_SHOW_CODES] = services.new_recovery_codes(user)
        return redirect("security:recovery")
    return render(
        request,
        "security/home.html",
        {
            "devices": devices,
            "recovery_left": recovery.remaining if recovery else None,
            "required": required_for(user),
        },
    )


def setup_totp(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if _must_verify_first(request):
        return redirect(f"{reverse('security:verify')}?next={request.path}")
    device = TOTPDevice.objects.filter(
        pk=request.session.get(_PENDING), user=user, confirmed=False
    ).first()
    form = ConfirmAppForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if services.confirm_totp(user, device, form.cleaned_data["code"]):
            request.session.pop(_PENDING, None)
            otp_login(request, device)
            remember_enrolment(request, user)
            if not RecoveryCodeDevice.objects.filter(user=user, codes__isnull=False).exists():
                request.session[_SHOW_CODES] = services.new_recovery_codes(user)
                return redirect(f"{reverse('security:recovery')}?next={_next_url(request)}")
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_next_url(request, "security:home"))
        form.add_error(
            "code", "That code is not right. Check the phone's clock and use the newest code."
        )
    if device is None:
        device = services.start_totp(user)
        request.session[_PENDING] = device.pk
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "security/setup_totp.html",
        {
            "form": form,
            "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": required_for(user) and not enrolled_in_session(request),
            "next": _next_url(request, "security:home"),
        },
    )


def recovery(request: HttpRequest) -> HttpResponse:
    """New codes are shown here once, straight after they are made; never again."""
    user = acting_user(request)
    if _must_verify_first(request):
        return redirect(f"{reverse('security:verify')}?next={request.path}")
    if request.method == "POST":
        if not second_factors(user):
            return HttpResponseBadRequest("Set up an app or a security key first.")
        request.session[_SHOW_CODES] = services.new_recovery_codes(user)
        return redirect("security:recovery")
    codes = request.session.pop(_SHOW_CODES, None)
    device = RecoveryCodeDevice.objects.filter(user=user).first()
    return render(
        request,
        "security/recovery.html",
        {
            "codes": codes,
            "left": device.remaining if device else 0,
            "next": _next_url(request, "security:home"),
        },
    )


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if _must_verify_first(request):
        return redirect("security:verify")
    wanted = request.POST.get("device", "")
    device = next((d for d in second_factors(user) if d.persistent_id == wanted), None)
    if device is None:
        messages.error(request, "That device is not one of yours (or it was removed already).")
        return redirect("security:home")
    services.remove_device(user, device)
    enrolled = remember_enrolment(request, user)
    messages.success(request, f"“{device.name}” is removed.")
    if not enrolled and required_for(user):
        messages.warning(request, "Your role needs a second factor: set up a new one now.")
    return redirect("security:home")


def verify(request: HttpRequest) -> HttpResponse:
    """Second step of the log-in: a code from the app, a recovery code, or a security key."""
    user = acting_user(request)
    if is_verified(user) or not enrolled_in_session(request):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = _match(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, RecoveryCodeDevice):
                left = device.remaining
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. "
                    "Make new ones on the Security page if you are running low.",
                )
            return redirect(_next_url(request))
        form.add_error(
            "code",
            f"Too many wrong codes: wait {throttled} seconds and try again."
            if throttled
            else "That code is not right, or it was used already. App codes change every 30 s.",
        )
    has_keys = any(d.persistent_id.startswith("django_otp_webauthn.") for d in second_factors(user))
    return render(
        request,
        "security/verify.html",
        {"form": form, "has_keys": has_keys, "next": _next_url(request)},
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


def _match(user: Any, code: str) -> tuple[Any, int]:
    """The device this code is valid for, else (None, seconds to wait if throttled)."""
    wait = 0
    digits = code.replace(" ", "")
    candidates: list[Any] = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    candidates += list(RecoveryCodeDevice.objects.filter(user=user))
    for device in candidates:
        allowed, data = device.verify_is_allowed()
        if not allowed:
            locked_until = (data or {}).get("locked_until")
            if locked_until is not None:
                wait = max(wait, int((locked_until - timezone.now()).total_seconds()) + 1)
            continue
        token = digits if isinstance(device, TOTPDevice) else code
        if device.verify_token(token):
            return device, 0
    return None, wait


@login_not_required
def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes answers while a user name is locked from this address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = ""
    if isinstance(credentials, dict):
        username = str(credentials.get("username") or "")
    username = username or request.POST.get("username", "")
    return render(
        request,
        "security/locked_out.html",
        {"username": username, "minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, throttled per client address and per e-mail address."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        decision = services.allow_password_reset(
            client_ip(self.request) or None, form.cleaned_data["email"]
        )
        if decision == "refuse":
            return render(
                self.request,
                "security/reset_throttled.html",
                {"per_hour": settings.PSM_RESET_PER_ADDRESS_HOUR},
                status=429,
            )
        if decision == "skip":
            # The same answer as a sent link: the page never tells who has an account.
            return redirect(self.get_success_url())
        return super().form_valid(form)


@csrf_exempt
@login_not_required
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Browsers post here what the Content-Security-Policy blocked (logged and counted)."""
    if len(request.body) > 64 * 1024:
        return HttpResponse(status=413)
    try:
        report = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponseBadRequest("A CSP report is JSON.")
    body = report.get("csp-report", report) if isinstance(report, dict) else report
    CSP_VIOLATIONS.inc()
    log.warning("csp violation", extra={"csp_report": body})
    return HttpResponse(status=204)
