"""The REST API at /api/v1: django-ninja, OpenAPI 3.1 at /api/v1/openapi.json, the docs
page at /api/v1/docs (Swagger UI from ninja's own static files: no CDN, no inline script)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from psm.api import accounts, cases, engagement, errors, knowledge, paging, proactive
from psm.api.auth import READ, TokenThrottle

DESCRIPTION = """
PSM's REST API for integrations: a monitoring system that opens a P1, a CRM, a chat bot,
a data warehouse.

* **Authentication:** a personal access token, made on *Profile → API tokens* or with
  `psm api token USERNAME`: `Authorization: Bearer psm_…`. A token has the scopes
  `read` and/or `write` and an expiry; a bad, revoked or expired token gets 401.
* **What a token sees:** what its user sees in PSM: a client contact's token only its own
  account, an engineer's the accounts they work on.
* **Lists** are in a stable order and come in pages: `{"items": [...], "next": url}`;
  follow `next` until it is null (`limit` sets the page size, at most 200).
* **Errors** have one shape: `{"error": "for people", "code": "not_found", "details": [...]}`.
* **Rate limit:** per token (429 with `Retry-After` when exceeded).
"""

api = NinjaAPI(
    title="PSM API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=READ,
    throttle=[TokenThrottle()],
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=Swagger(settings={"persistAuthorization": False}),
)
errors.install(api)
api.add_router("", accounts.router)
api.add_router("", cases.router)
api.add_router("", paging.router)
api.add_router("", engagement.router)
api.add_router("", proactive.router)
api.add_router("", knowledge.router)
