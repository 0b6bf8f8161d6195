"""Bearer tokens (personal access tokens; the paging API's older keys too) and the
per-token rate limit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from psm.api import services
from psm.api.errors import ApiError
from psm.api.models import Scope
from psm.api.services import Caller
from psm.team.models import User


class TokenAuth(HttpBearer):
    """``Authorization: Bearer psm_…``; ``scope`` is what the operation needs."""

    def __init__(self, scope: str = Scope.READ) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        caller = services.authenticate(token)
        if caller is None:
            return None
        if self.scope not in caller.scopes:
            raise ApiError(403, f"This token has no {self.scope} scope.")
        return caller


READ = TokenAuth(Scope.READ)
WRITE = TokenAuth(Scope.WRITE)


class TokenThrottle(AuthRateThrottle):
    """PSM_API_RATE requests per token (the caller's ``str()`` is ``token:<id>``)."""

    scope = "psm-api"

    def __init__(self) -> None:
        super().__init__(settings.PSM_API_RATE)

    def get_rate(self) -> str:
        return str(settings.PSM_API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The setting is read per request, so a changed PSM_API_RATE (or a test's) applies.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


def caller(request: HttpRequest) -> Caller:
    auth: Any = getattr(request, "auth", None)
    if not isinstance(auth, Caller):
        raise ApiError(401, "Give a valid API token.")
    return auth


def user(request: HttpRequest) -> User:
    return caller(request).user
