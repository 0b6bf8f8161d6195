"""In a real browser: a client pages their PSM from the portal, the engineer sees it loud on
"my day" and acknowledges, and the client's page shows the acknowledgement without a reload."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from psm.paging.models import Page
from psm.testing.book import Book
from psm.testing.browser import OpenBrowser, browser, log_in

__all__ = ["browser"]

pytestmark = pytest.mark.browser

# Tuesday 10 March 2026, 15:00 UTC: 11:00 at Acme in New York.
TUESDAY = datetime(2026, 3, 10, 15, 0, tzinfo=ZoneInfo("UTC"))


@time_machine.travel(TUESDAY, tick=True)
def test_client_pages_the_psm_and_sees_the_acknowledgement_appear(
    browser: OpenBrowser, book: Book
) -> None:
    client = browser().new_page()
    log_in(client, "client_a")
    client.get_by_label("What is happening?").fill("Production check-ins fail for everyone.")
    client.get_by_role("button", name="Page my PSM now").click()
    expect(client).to_have_url(re.compile(r"/paging/\d+/$"))
    status = client.locator("#page-status")
    expect(status).to_contain_text("Waiting for Alice Tester to acknowledge")
    page = Page.objects.get()
    assert page.contact == book.contact_a

    engineer = browser().new_page()
    log_in(engineer, "alice")
    waiting = engineer.locator("#pages-waiting")
    expect(waiting).to_contain_text("1 page waiting for you")
    expect(waiting).to_contain_text("Production check-ins fail for everyone.")
    waiting.get_by_role("button", name="Acknowledge").click()
    expect(engineer.get_by_role("status")).to_contain_text("You acknowledged page")
    expect(engineer.locator("#pages-waiting")).to_contain_text("No page is waiting for you")

    # The client's open page polls and shows the acknowledgement, no reload.
    expect(status).to_contain_text("Acknowledged by Alice Tester", timeout=15_000)
    client.goto("/portal/")
    expect(client.locator("#latest-page")).to_contain_text("acknowledged by Alice Tester")
