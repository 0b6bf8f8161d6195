"""Screenshots for the README's Security and Operations sections, from the real pages on the
demo book (loaded at a frozen instant so the pictures change only when the pages do)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from psm.testing.browser import PHONE, OpenBrowser, assert_accessible, browser, log_in, screenshot

__all__ = ["browser"]

pytestmark = pytest.mark.browser

DEMO_TIME = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def demo(transactional_db: None) -> None:
    with time_machine.travel(DEMO_TIME, tick=False):
        call_command("demo", stdout=io.StringIO())


def test_two_step_log_in_lockout_and_audit_pages(browser: OpenBrowser, demo: None) -> None:
    page = browser().new_page()
    log_in(page, "erik", "demo")
    page.goto("/my-day/")
    expect(page.get_by_role("heading", name="Two-step log-in")).to_be_visible()
    screenshot(page, "30-two-step-log-in", full_page=False)
    assert_accessible(page)
    page.get_by_label("Code").fill("demo-demo-demo")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert "/mfa/" not in page.url
    page.goto("/mfa/")
    expect(page.get_by_role("heading", name="Security: two-step log-in")).to_be_visible()
    assert_accessible(page)

    locked = browser().new_page()
    for _ in range(6):
        locked.goto("/login/")
        locked.get_by_label("User name").fill("manager")
        locked.get_by_label("Password").fill("not-the-password")
        locked.get_by_role("button", name="Log in").click()
    expect(locked.get_by_role("heading", name="Log-in locked for now")).to_be_visible()
    screenshot(locked, "31-log-in-locked", full_page=False)
    assert_accessible(locked)

    admin = browser().new_page()
    log_in(admin, "admin", "demo")
    admin.goto("/ops/audit/?account=acme")
    expect(admin.get_by_role("heading", name="Audit log")).to_be_visible()
    screenshot(admin, "32-audit-log")
    assert_accessible(admin)

    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "admin", "demo")
    phone.goto("/ops/audit/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the audit log fits a phone (its table scrolls inside)"
