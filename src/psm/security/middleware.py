"""Second factor: a signed-in user with an app or key proves it before anything else; an
administrator or manager without one (when ``PSM_MFA_REQUIRED``) sets one up first."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from psm.security.mfa import enrolled_in_session, is_verified, required_for

# Paths a half-signed-in user may still reach.
_OPEN_PREFIXES = ("/mfa/", "/webauthn/", "/logout/", "/csp-report/", "/healthz", "/metrics")


class MFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._redirect(request)
        if redirect is not None:
            return redirect
        return self.get_response(request)

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        path = request.path
        if path.startswith(_OPEN_PREFIXES) or path.startswith(settings.STATIC_URL):
            return None
        if enrolled_in_session(request):
            target = reverse("security:verify")
        elif required_for(user):
            target = reverse("security:setup-totp")
        else:
            return None
        url = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            # htmx follows HX-Redirect with a full page load instead of swapping a fragment.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
