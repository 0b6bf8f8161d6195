"""The tour: the main pages on the demo book in a real browser, saved as the README's
screenshots (docs/screenshots/). Time is frozen so the pictures only change when the pages do."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from psm.testing.browser import PHONE, OpenBrowser, browser, log_in, screenshot

__all__ = ["browser"]

pytestmark = pytest.mark.browser

# Tuesday 10 March 2026, 14:30 UTC: 10:30 in New York, business hours for most of the book.
TOUR_TIME = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def demo(transactional_db: None) -> None:
    with time_machine.travel(TOUR_TIME, tick=False):
        call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@time_machine.travel(TOUR_TIME, tick=True)
def test_tour_of_the_main_pages(browser: OpenBrowser, demo: None) -> None:
    page = browser().new_page()
    page.goto("/login/")
    screenshot(page, "01-login")

    log_in(page, "engineer", "demo")
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    screenshot(page, "02-my-day")

    page.goto("/accounts/acme/")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    screenshot(page, "03-account-360")

    page.keyboard.press("/")
    page.keyboard.type("ac")
    expect(page.locator("#search-popup a").first).to_be_visible()
    screenshot(page, "04-search", full_page=False)

    page.get_by_role("button", name="Log out").click()
    log_in(page, "manager", "demo")
    expect(page).to_have_url(re.compile("/overview/$"))
    expect(page.get_by_role("heading", name="Workload by engineer")).to_be_visible()
    screenshot(page, "05-manager-overview")

    page.get_by_role("button", name="Log out").click()
    log_in(page, "client", "demo")
    expect(page.get_by_role("heading", name="Your PSM")).to_be_visible()
    screenshot(page, "06-portal-home")

    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "client", "demo")
    expect(phone.get_by_role("heading", name="Your PSM")).to_be_visible()
    # Nothing runs off the side of a phone screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "07-portal-phone")
