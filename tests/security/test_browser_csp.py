"""The Content-Security-Policy holds on the main pages: a real browser visits them as each
role, uses search and htmx, and reports no violation (no inline script or style anywhere)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import BrowserContext, Page

from psm.cases.models import Case
from psm.testing.browser import OpenBrowser, browser, log_in

__all__ = ["browser"]

pytestmark = pytest.mark.browser

# Runs before any page script: every violation the browser reports lands in window.__csp.
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push({page: location.pathname, directive: e.violatedDirective,
                     blocked: e.blockedURI, sample: e.sample, line: e.lineNumber});
});
"""


def watch(context: BrowserContext) -> list[str]:
    context.add_init_script(COLLECT)
    console: list[str] = []
    context.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return console


def visit(page: Page, path: str, found: list[Any]) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 400, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    found.extend(page.evaluate("window.__csp"))


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("demo", stdout=io.StringIO())


def test_no_violation_on_the_main_pages(browser: OpenBrowser, demo: None) -> None:
    found: list[Any] = []
    staff = browser()
    console = watch(staff)
    page = staff.new_page()
    visit(page, "/login/", found)
    log_in(page, "admin", "demo")
    case = Case.objects.filter(account__slug="acme").order_by("id").first()
    assert case is not None
    for path in (
        "/my-day/",
        "/overview/",
        "/cases/",
        f"/cases/{case.reference}/",
        "/cases/new/",
        "/accounts/",
        "/accounts/acme/",
        "/coverage/",
        "/coverage/acme/",
        "/team/",
        "/engagement/",
        "/paging/",
        "/mfa/",
        "/mfa/app/",
        "/ops/audit/",
        "/admin/",
        "/admin/accounts/account/",
        "/admin/accounts/account/add/",
    ):
        visit(page, path, found)
    # htmx at work: the search popup and a filtered, pushed list.
    page.goto("/cases/")
    page.keyboard.press("/")
    page.keyboard.type("acme")
    page.wait_for_selector("#search-popup a")
    page.select_option("#id_priority", index=1)
    page.wait_for_load_state("networkidle")
    found.extend(page.evaluate("window.__csp"))

    client = browser()
    console += watch(client)
    page = client.new_page()
    log_in(page, "client", "demo")
    for path in ("/portal/", "/portal/cases/", "/portal/cases/new/", "/paging/", "/mfa/"):
        visit(page, path, found)
    assert not found, found
    assert not console, console
