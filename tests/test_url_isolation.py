"""Every URL of the project, walked automatically: a client of account A never reaches
account B's data, and an anonymous visitor is sent to log in. A new URL is covered the
moment it is added; a URL with a new kind of parameter fails here until it is described
in FOREIGN_VALUES below."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from psm.testing import advisories, checklists, engagement, knowledge, reports, webhooks
from psm.testing import api as api_testing
from psm.testing.book import Book
from psm.testing.cases import foreign_attachment, foreign_case
from psm.testing.paging import foreign_page

# Views anyone may open without logging in (reviewed one by one).
PUBLIC = {
    "login",
    "logout",
    # Setting a password from an e-mailed, single-use link (Django's signed token).
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:login",
    "admin:logout",
    # Paging: the acknowledgement link in a page message is its own credential (signed,
    # one engineer and one page, expires); the API authenticates with a bearer key.
    "paging:ack-link",
    "paging-api:page",
    "paging-api:acknowledge",
    # Telephony webhooks: the provider calls them; X-Twilio-Signature is the credential.
    "telephony:voice",
    "telephony:voice-route",
    "telephony:voice-dialed",
    "telephony:voice-recorded",
    "telephony:voice-recording",
    "telephony:sms",
    # Security: browsers post Content-Security-Policy violation reports without a session.
    "csp-report",
    # Operations: load balancers and Prometheus probe without a session. /healthz says only
    # which part is down; /metrics checks its own bearer token or address range.
    "healthz",
    "metrics",
}

# Engagement: a calendar feed's address is its own credential (a revocable 256-bit token,
# unknown or revoked: 404), and so is a survey link (signed, expiring, single use).
PUBLIC |= {"engagement:feed", "engagement:survey"}

# Advisories: the acknowledgement link in a delivery e-mail is its own credential (signed,
# one delivered item and one contact, expires; a GET only asks to confirm).
PUBLIC |= {"advisories:ack"}

# The REST API (/api/v1/…) authenticates every call with a bearer token, never the session:
# the walk calls each of its operations with a token of client_a (read and write scopes) and
# a minimal valid body, and anonymously (401). Its schema and docs page are public.
API = "/api/v1/"
PUBLIC |= {"api:openapi-json", "api:openapi-view", "api:api-root"}

# How to fill each URL parameter with an object of account B (the foreign account).
FOREIGN_VALUES: dict[str, Callable[[Book], Any]] = {
    # Paging: account B's page; the signed link is public and checks its own signature.
    "page_id": lambda book: str(foreign_page(book).pk),
    "token": lambda book: "not-a-signed-token",
    "slug": lambda book: book.b.slug,
    # Provider data, not account data: staff only, so any id proves a client is refused.
    "calendar_id": lambda book: "1",
    # Engineer profiles are provider data (staff only): B's PSM.
    "username": lambda book: book.bob.username,
    # Insights: a plan's health weights are provider data (administrators only).
    "plan_slug": lambda book: book.plan.slug,
    "contact_id": lambda book: str(book.contact_b.pk),
    "site_id": lambda book: str(book.b.sites.first().pk),
    "uidb64": lambda book: "MQ",
    # Admin URLs: the admin is closed to non-staff users, whatever the object.
    "object_id": lambda book: str(book.b.pk),
    "app_label": lambda book: "accounts",
    "content_type_id": lambda book: "1",
    "id": lambda book: str(book.b.pk),
    "pk": lambda book: "1",
    # Cases: account B's case and a file on it.
    "reference": lambda book: foreign_case(book).reference,
    "attachment_id": lambda book: str(foreign_attachment(book).pk),
    # Engagement: account B's touchpoints, work, advocacy, briefs and a client_b feed.
    "kind": lambda book: "check_in",
    "touchpoint_id": lambda book: str(engagement.foreign_touchpoint(book).pk),
    "follow_up_id": lambda book: str(engagement.foreign_follow_up(book).pk),
    "work_item_id": lambda book: str(engagement.foreign_work_item(book).pk),
    "advocacy_id": lambda book: str(engagement.foreign_advocacy(book).pk),
    "brief_id": lambda book: str(engagement.foreign_brief(book).pk),
    "feed_id": lambda book: str(engagement.foreign_feed(book).pk),
    "feed_token": lambda book: "globex-feed",
    "survey_token": lambda book: "not-a-signed-token",
    # Advisories: account B's delivered item and its install; documents and ranges are
    # provider data (staff only), so any id proves a client is refused.
    "item_id": lambda book: str(advisories.foreign_item(book).pk),
    "action_id": lambda book: str(advisories.foreign_action_id(book)),
    "advisory_id": lambda book: str(advisories.foreign_item(book).advisory_id),
    "statement_id": lambda book: str(advisories.some_statement(book).pk),
    "ack_token": lambda book: "not-a-signed-token",
    # Reports: account B's definition, an outside recipient of it, and a run sent to B
    # (downloads included: /…/runs/<run_id>/report.pdf).
    "definition_id": lambda book: str(reports.foreign_definition(book).pk),
    "recipient_id": lambda book: str(reports.foreign_recipient(book).pk),
    "run_id": lambda book: str(reports.foreign_run(book).pk),
    "fmt": lambda book: "pdf",
    # Knowledge base: account B's published client article, its image, its first revision.
    "article_id": lambda book: str(knowledge.foreign_article(book).pk),
    "file_id": lambda book: str(knowledge.foreign_file(book).pk),
    "number": lambda book: "1",
    # Webhooks: account B's endpoint and a delivery to it (staff only; an engineer sees the
    # endpoints of their accounts, an administrator every one).
    "endpoint_id": lambda book: str(webhooks.foreign_endpoint(book).pk),
    "delivery_id": lambda book: str(webhooks.foreign_delivery(book).pk),
    # API tokens: client_b's own (a token page shows and revokes only the user's own).
    "token_id": lambda book: str(api_testing.token_row(book.client_b).pk),
    # Checklists: templates are provider data (staff only); account B's checklist, a run of
    # B's waiting for B's sign-off, one of its steps and an evidence file on it.
    "template_id": lambda book: str(checklists.backup_template().pk),
    "checklist_id": lambda book: str(checklists.foreign_checklist(book).pk),
    "checklist_run_id": lambda book: str(checklists.foreign_run(book).pk),
    "step_id": lambda book: str(checklists.foreign_step_id(book)),
    "evidence_id": lambda book: str(checklists.foreign_evidence(book).pk),
}


@dataclass(frozen=True)
class Route:
    name: str
    regex: str
    params: tuple[str, ...]

    def url(self, book: Book) -> str:
        path = self.regex.lstrip("^").rstrip("$").replace("\\Z", "")
        for param in self.params:
            value = str(FOREIGN_VALUES[param](book))
            path = re.sub(rf"\(\?P<{param}>[^)]*\)", value, path, count=1)
        # Optional groups and escapes left by the admin's regex routes.
        path = path.replace("\\", "").replace("(?:", "").replace(")?", "").replace("?", "")
        return "/" + path


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(
                entry.url_patterns, prefix + str(entry.pattern.regex.pattern).lstrip("^"), full_ns
            )
        elif isinstance(entry, URLPattern):
            regex = prefix + str(entry.pattern.regex.pattern).lstrip("^")
            name = (
                f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or regex)
            )
            params = tuple(re.findall(r"\(\?P<(\w+)>", regex))
            yield Route(name, regex, params)


ROUTES = sorted(set(walk(get_resolver().url_patterns)), key=lambda r: r.name)
# The admin's catch-all and its app index take free-form paths; they are covered by others.
ROUTES = [r for r in ROUTES if r.params != ("url",)]


def test_every_parameter_is_described() -> None:
    unknown = {p for r in ROUTES for p in r.params} - set(FOREIGN_VALUES)
    assert not unknown, f"describe these URL parameters in FOREIGN_VALUES: {sorted(unknown)}"


def _values(route: Route, book: Book) -> dict[str, str]:
    return {param: str(FOREIGN_VALUES[param](book)) for param in route.params}


def _api_calls(route: Route, book: Book) -> list[tuple[str, dict[str, Any]]]:
    calls = api_testing.operations(route.url(book), _values(route, book))
    assert calls, f"{route.url(book)} is not in the API's schema"
    return calls


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_client_of_a_cannot_reach_b(route: Route, book: Book) -> None:
    if route.name in PUBLIC:
        return
    url = route.url(book)
    if url.startswith(API):
        key = api_testing.token(book.client_a)
        for method, kwargs in _api_calls(route, book):
            response = getattr(Client(), method)(
                url, headers={"Authorization": f"Bearer {key}"}, **kwargs
            )
            if route.params:
                assert response.status_code in (403, 404), (method, url, response.status_code)
            assert response.status_code < 500, (method, url, response.content)
            assert book.b.name.encode() not in response.content, (method, url)
            assert book.contact_b.name.encode() not in response.content, (method, url)
        return
    client = Client()
    client.force_login(book.client_a)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if url.startswith("/admin/"):
            # The admin is for staff only: a client is sent to the admin's log-in.
            assert response.status_code in (302, 403, 404), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/admin/login/" in response["Location"], (method, url)
            continue
        if route.params:
            # Every parameter names one of account B's objects: refused outright.
            assert response.status_code in (403, 404, 405), (method, url, response.status_code)
        # Pages without parameters may be the client's own (portal home); never B's data.
        assert response.status_code != 500, (method, url)
        assert book.b.name.encode() not in response.content, (method, url)
        assert book.contact_b.name.encode() not in response.content, (method, url)


# What every response carries (README "Security"); HSTS over HTTPS, as in production.
CSP_PARTS = ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'")


def assert_security_headers(response: Any, url: str) -> None:
    csp = response.get("Content-Security-Policy", "")
    # A client's file is served sandboxed with nothing allowed at all.
    parts = CSP_PARTS if "sandbox" not in csp else ("default-src 'none'", "frame-ancestors 'none'")
    for part in parts:
        assert part in csp, (url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (url, csp)
    assert response.get("X-Content-Type-Options") == "nosniff", url
    assert response.get("Referrer-Policy") == "same-origin", url
    assert response.get("X-Frame-Options") == "DENY", url
    assert response.get("Strict-Transport-Security", "").startswith("max-age=31536000"), url


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_page_sends_the_security_headers(route: Route, book: Book, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    url = route.url(book)
    anonymous = Client().get(url, secure=True)
    assert_security_headers(anonymous, url)
    if route.name not in PUBLIC and not url.startswith("/admin/"):
        staff = Client()
        staff.force_login(book.admin)
        assert_security_headers(staff.get(url, secure=True), url)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_is_sent_to_log_in(route: Route, book: Book) -> None:
    if route.name in PUBLIC:
        return
    if route.url(book).startswith(API):
        # The API has no log-in page: every operation answers 401, in the API's error shape.
        for method, kwargs in _api_calls(route, book):
            response = getattr(Client(), method)(route.url(book), **kwargs)
            assert response.status_code == 401, (method, route.url(book))
            assert response.json()["code"] == "unauthorized"
        return
    response = Client().get(route.url(book))
    assert response.status_code == 302, (route.url(book), response.status_code)
    assert "login/" in response["Location"]


def test_public_views_are_exactly_the_reviewed_ones() -> None:
    resolver = get_resolver()
    open_views = set()
    for route in ROUTES:
        if route.params:
            continue
        match = resolver.resolve(Route(route.name, route.regex, ()).url(None))
        if getattr(match.func, "login_required", True) is False:
            open_views.add(route.name)
    # API operations check their bearer token themselves (test_anonymous_is_sent_to_log_in).
    open_views = {v for v in open_views if not v.startswith("api:")} | (open_views & PUBLIC)
    admin_open = {"admin:login", "admin:logout"}
    assert open_views - admin_open <= PUBLIC, open_views - PUBLIC
