"""The API's docs page and the token page in a real browser: the docs render from local
files under the strict Content-Security-Policy; the token page makes a token that works.
The token page is saved as the README's screenshot 40-api-tokens."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from psm.testing.browser import PHONE, OpenBrowser, browser, log_in, screenshot

__all__ = ["browser"]

pytestmark = pytest.mark.browser

COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI});
});
"""


def test_the_docs_page_renders_from_local_files_without_a_csp_violation(
    browser: OpenBrowser, live_server: Any, book: Any
) -> None:
    context = browser()
    context.add_init_script(COLLECT)
    outside: list[str] = []
    host = live_server.url
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(host) else None)
    page = context.new_page()
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/cases/{reference}/replies", exact=True)).to_be_visible()
    assert page.evaluate("window.__csp") == []
    assert outside == []


def test_a_client_makes_a_token_on_its_page_and_uses_it(
    browser: OpenBrowser, live_server: Any, book: Any
) -> None:
    page = browser().new_page()
    log_in(page, "client_a")
    page.get_by_role("link", name="API tokens").first.click()
    page.get_by_label("Name").fill("Monitoring opens P1 cases")
    page.get_by_label("Write").check()
    page.get_by_label("Expires after").select_option("90")
    page.get_by_role("button", name="Make token").click()
    key = page.locator("#token-value").inner_text()
    assert key.startswith("psm_")
    screenshot(page, "40-api-tokens")
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/accounts", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request) as response:
        body = json.load(response)
    assert [a["slug"] for a in body["items"]] == ["acme"]
    page.reload()
    expect(page.locator("#token-value")).to_have_count(0)
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the token page scrolls sideways on a phone: {width}"
    page.get_by_role("button", name="Revoke Monitoring opens P1 cases").click()
    expect(page.get_by_text("revoked", exact=False).first).to_be_visible()
