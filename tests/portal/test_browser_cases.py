"""In a real browser: a client opens a case in the portal, the engineer finds it on "my day"
and replies, the client reads the answer; a client of A cannot reach B's case by URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from psm.cases import services as case_services
from psm.cases.models import Case
from psm.testing.book import Book
from psm.testing.browser import OpenBrowser, browser, log_in

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def test_client_opens_a_case_and_the_engineer_replies(browser: OpenBrowser, book: Book) -> None:
    client = browser().new_page()
    log_in(client, "client_a")
    client.get_by_role("link", name="Open a new case").click()
    client.get_by_label("Subject").fill("Nightly build fails")
    client.get_by_label("Priority").select_option("P2")
    client.get_by_label("What happened?").fill("Since last night every build stops at step 3.")
    client.get_by_label("Attachments").set_input_files(
        files=[{"name": "build.log", "mimeType": "text/plain", "buffer": b"step 3: error\n"}]
    )
    client.get_by_role("button", name="Open case").click()
    expect(client.get_by_role("status")).to_contain_text("opened")
    case = Case.objects.get(title="Nightly build fails")
    expect(client.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(client.get_by_role("link", name="build.log")).to_be_visible()

    engineer = browser().new_page()
    log_in(engineer, "alice")
    engineer.get_by_role("link", name=case.reference).first.click()
    engineer.get_by_label("Reply to the client").fill("Looking at it now: which agent version?")
    engineer.get_by_role("button", name="Send reply").click()
    expect(engineer.get_by_text("Reply sent.")).to_be_visible()

    client.reload()
    expect(client.get_by_text("Looking at it now: which agent version?")).to_be_visible()
    client.get_by_label("Your reply").fill("Agent 7.2.1 on every build host.")
    client.get_by_role("button", name="Send").click()
    expect(client.get_by_text("Your reply has been sent to your PSM.")).to_be_visible()
    assert case.messages.filter(text="Agent 7.2.1 on every build host.").exists()


def test_a_client_of_a_cannot_reach_bs_case_by_url(browser: OpenBrowser, book: Book) -> None:
    theirs = case_services.open_case(
        None, book.b, title="Globex secret outage", text="x", contact=book.contact_b
    )
    page = browser().new_page()
    log_in(page, "client_a")
    for url in (f"/portal/cases/{theirs.reference}/", f"/cases/{theirs.reference}/"):
        response = page.goto(url)
        assert response is not None
        assert response.status in (403, 404), url
        expect(page.get_by_text("Globex secret outage")).to_have_count(0)
    page.goto("/portal/cases/?status=all")
    expect(page.get_by_text("Globex secret outage")).to_have_count(0)
    expect(page).to_have_url(re.compile("/portal/cases/"))
