"""/api/v1/… (the API) and the token pages under the user's profile."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from psm.api import views
from psm.api.main import api
from psm.api.paging import legacy


def _open(patterns: list[Any]) -> list[Any]:
    """The API authenticates each request with its token (never the session), so Django's
    log-in redirect must not apply: each view is marked login_not_required."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _open(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


api_patterns, api_app, api_namespace = api.urls
api_urls = (_open(list(api_patterns)), api_app, api_namespace)
# /paging/api/pages/<id>/ and …/acknowledge/: the paging app's first API, now served here.
legacy_patterns, legacy_app, legacy_namespace = legacy.urls
# (without ninja's root view: /paging/api/ itself was never an endpoint)
legacy_patterns = [p for p in legacy_patterns if getattr(p, "name", "") != "api-root"]
legacy_urls = (_open(legacy_patterns), legacy_app, legacy_namespace)

token_urls = [
    path("", views.tokens, name="tokens"),
    path("<int:token_id>/revoke/", views.revoke, name="revoke"),
]
