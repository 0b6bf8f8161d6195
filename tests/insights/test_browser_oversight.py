"""Oversight in a real browser on the demo book: the dashboard's charts draw under a strict
Content-Security-Policy (no inline script), go when htmx swaps them out, fit a phone; why
this score and the performance page. Saves the README's screenshots."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page, Route, expect

from psm.testing.browser import PHONE, OpenBrowser, assert_accessible, browser, log_in, screenshot

__all__ = ["browser"]

pytestmark = pytest.mark.browser

TOUR_TIME = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC"))
# No inline script, no eval. (Inline styles stay allowed here: htmx adds its indicator
# <style> unless configured not to, which is the CSP hardening's business, not the charts'.)
STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
)


@pytest.fixture
def demo(transactional_db: None) -> None:
    with time_machine.travel(TOUR_TIME, tick=False):
        call_command("demo", stdout=io.StringIO())


def strict_csp(page: Page, violations: list[str]) -> None:
    """Serve every page with a strict CSP and collect what the browser refuses."""

    def handle(route: Route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT}
        route.fulfill(response=response, headers=headers)

    page.route(re.compile(r".*"), handle)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )


def charts_drawn(page: Page) -> int:
    return int(
        page.evaluate(
            "[...document.querySelectorAll('canvas[data-chart]')].filter(c => c.psmChart).length"
        )
    )


@time_machine.travel(TOUR_TIME, tick=True)
def test_dashboard_charts_under_a_strict_csp(browser: OpenBrowser, demo: None) -> None:
    page = browser().new_page()
    violations: list[str] = []
    strict_csp(page, violations)
    log_in(page, "manager", "demo")
    page.goto("/insights/")
    expect(page.get_by_role("heading", name="Health of the book")).to_be_visible()
    page.wait_for_function("window.Chart && document.querySelector('canvas[data-chart]').psmChart")
    assert charts_drawn(page) == 3
    assert not violations, violations
    screenshot(page, "09-oversight-dashboard")
    assert_accessible(page)
    # Before htmx swaps content out, its charts are destroyed (no leaked Chart instances).
    page.evaluate(
        "document.dispatchEvent(new CustomEvent('htmx:beforeSwap',"
        " {detail: {target: document.querySelector('main')}}))"
    )
    assert charts_drawn(page) == 0
    # Every chart leads to its evidence: the band bars to the accounts in the band.
    page.get_by_role("link", name="Healthy").first.click()
    expect(page.get_by_role("heading", name="Accounts: Healthy")).to_be_visible()

    page.goto("/accounts/acme/health/")
    expect(page.get_by_role("heading", name="Why this score: Acme Manufacturing")).to_be_visible()
    page.wait_for_function("document.querySelector('canvas[data-chart]').psmChart")
    screenshot(page, "10-why-this-score")
    assert_accessible(page)
    assert not violations, violations


@time_machine.travel(TOUR_TIME, tick=True)
def test_performance_and_phone_width(browser: OpenBrowser, demo: None) -> None:
    page = browser().new_page()
    log_in(page, "engineer", "demo")
    page.goto("/insights/performance/")
    expect(page.get_by_role("heading", name="My performance")).to_be_visible()
    page.wait_for_function("document.querySelector('canvas[data-chart]').psmChart")
    screenshot(page, "11-performance")
    assert_accessible(page)

    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "manager", "demo")
    for url in ("/insights/", "/accounts/acme/health/", "/insights/performance/engineer/"):
        phone.goto(url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    phone.goto("/insights/")
    screenshot(phone, "12-oversight-phone")
