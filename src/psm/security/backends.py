"""django-axes' check in front of the password, for log-ins that come with a request.

Every log-in page passes its request, so it is checked and counted per user name and
address. A caller without a request (``Client.login`` in tests, a management command) has no
address to count against: it is let through to the password check instead of failing.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class ThrottledLogins(AxesStandaloneBackend):  # type: ignore[misc]
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None
