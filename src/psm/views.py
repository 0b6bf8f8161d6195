"""Project-level pages: the front door that sends each role to its home, and the error pages
(with the navigation, the reason the app gave, and a way back)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

log = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "is_client", False):
        return redirect("portal:home")
    if getattr(user, "is_manager", False) or getattr(user, "is_admin", False):
        return redirect("insights:overview")
    return redirect("insights:my-day")


def _back(request: HttpRequest) -> str:
    """The page the visitor came from, when it is one of ours."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}):
        return referer
    return ""


def _error(
    request: HttpRequest, code: int, heading: str, reason: str, hint: str = ""
) -> HttpResponse:
    context: dict[str, Any] = {
        "code": code,
        "heading": heading,
        "reason": reason,
        "hint": hint,
        "back": _back(request),
    }
    return HttpResponse(render_to_string(f"{code}.html", context, request=request), status=code)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(
        request, 400, "That request could not be read",
        "Something in it was malformed; nothing was changed.",
    )  # fmt: skip


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    given = str(exception).strip()
    return _error(
        request,
        403,
        "This page is not for you",
        given or "Your role does not give access to this page.",
        "If you think you should see it, ask your PSM manager or an administrator.",
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(
        request,
        404,
        "Nothing here",
        "There is no page at this address, or it is not one you can see.",
        "A link may be out of date, or the object belongs to another account.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Our own 500 page; if even that fails (the database is down), plain text."""
    try:
        return _error(
            request,
            500,
            "Something went wrong on our side",
            "The error has been logged. Nothing you sent is lost: try again in a moment.",
            "If it keeps happening, tell your PSM or your administrator the time it happened.",
        )
    except Exception:
        log.exception("the 500 page itself failed")
        return HttpResponseServerError(
            "Something went wrong on our side. Try again in a moment.",
            content_type="text/plain; charset=utf-8",
        )
