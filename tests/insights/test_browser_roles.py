"""In a real browser: each role logs in and lands on its home; "/" jumps to search."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from psm.testing.book import Book
from psm.testing.browser import OpenBrowser, browser, log_in

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def test_each_role_lands_on_its_home(browser: OpenBrowser, book: Book) -> None:
    page = browser().new_page()
    for username, url, heading in (
        ("alice", "/my-day/", "My day"),
        ("charlie", "/overview/", "Overview"),
        ("admin", "/overview/", "Overview"),
        ("client_a", "/portal/", "Hello Alma Client"),
    ):
        log_in(page, username)
        expect(page).to_have_url(re.compile(re.escape(url) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile("/login/$"))


def test_slash_jumps_to_search_and_results_are_links(browser: OpenBrowser, book: Book) -> None:
    page = browser().new_page()
    log_in(page, "alice")
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Search accounts, contacts and cases")
    expect(search).to_be_focused()
    page.keyboard.type("acm")
    result = page.locator("#search-popup").get_by_role("link", name="Acme")
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile("/accounts/acme/$"))
    # The shortcut does not steal "/" from a text field.
    search = page.get_by_role("searchbox", name="Search accounts, contacts and cases")
    search.fill("a/b")
    expect(search).to_have_value("a/b")
