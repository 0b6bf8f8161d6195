"""View guards by role, and the signed-in user of a guarded view. Tenant scoping itself
lives in ``psm.accounts.scoping``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from psm.team.models import User

P = ParamSpec("P")
R = TypeVar("R", bound=HttpRequest)


View = Callable[Concatenate[R, P], HttpResponse]


def staff_only(view: View[R, P]) -> View[R, P]:
    """Provider people only (engineer, manager, admin); client contacts get 403."""

    @wraps(view)
    def wrapped(request: R, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        if not getattr(user, "is_provider_staff", False):
            raise PermissionDenied("This page is for the provider's staff.")
        return view(request, *args, **kwargs)

    return wrapped


def managers_only(view: View[R, P]) -> View[R, P]:
    @wraps(view)
    def wrapped(request: R, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user: Any = request.user
        if not (getattr(user, "is_manager", False) or getattr(user, "is_admin", False)):
            raise PermissionDenied("This page is for PSM managers and administrators.")
        return view(request, *args, **kwargs)

    return wrapped


def clients_only(view: View[R, P]) -> View[R, P]:
    @wraps(view)
    def wrapped(request: R, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not getattr(request.user, "is_client", False):
            raise PermissionDenied("The portal is for client contacts.")
        return view(request, *args, **kwargs)

    return wrapped


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind one of the guards above (never anonymous)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    return user
