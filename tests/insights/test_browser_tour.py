"""The tour: the main pages on the demo book in a real browser, saved as the README's
screenshots (docs/screenshots/). Time is frozen so the pictures only change when the pages do."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from psm.accounts.models import Account, Contact
from psm.cases import services as case_services
from psm.paging import services as paging
from psm.team.models import User
from psm.testing.browser import (
    PHONE,
    OpenBrowser,
    assert_accessible,
    browser,
    log_in,
    screenshot,
)

__all__ = ["browser"]

pytestmark = pytest.mark.browser

# Tuesday 10 March 2026, 14:30 UTC: 10:30 in New York, business hours for most of the book.
TOUR_TIME = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC"))


def at(minutes_before: int) -> time_machine.travel:
    return time_machine.travel(TOUR_TIME - timedelta(minutes=minutes_before), tick=False)


@pytest.fixture
def demo(transactional_db: None) -> str:
    """The demo book plus a morning's work: cases on Jane Doe's accounts, a client reply, an
    internal note, a page waiting for her. Returns the reference of the case the client reads."""
    with at(0):
        call_command("demo", stdout=io.StringIO())
    acme = Account.objects.get(slug="acme")
    maple = Account.objects.get(slug="maple")
    alice = Contact.objects.get(user__username="client")
    ben = acme.contacts.exclude(pk=alice.pk).order_by("name").first()
    jane = User.objects.get(username="engineer")
    with at(60 * 26):
        case_services.open_case(
            None,
            acme,
            title="How many DOORS 10 licences do we need?",
            text="For 40 new users.",
            priority="P4",
            contact=alice,
            origin="portal",
        )
    with at(60 * 22):
        agent = case_services.open_case(
            None,
            acme,
            title="Build Forge agent disconnects every night",
            text="The Denver agent drops at 02:00 local time; builds queue until morning.",
            priority="P2",
            contact=ben,
            origin="email",
        )
    with at(60 * 20):
        case_services.add_note(jane, agent, "Same symptom as the 9.1 keep-alive defect.")
        case_services.reply(
            jane,
            agent,
            text="Thanks Ben. Could you send the agent log from last night?",
            channel="portal",
        )
    with at(50):
        case_services.add_message(
            None,
            agent,
            text="Here it is; the drop is at 02:00:13.",
            contact=ben,
            channel="portal",
            attachments=[case_services.NewAttachment("agent.log", b"02:00:13 lost", "text/plain")],
        )
    with at(40):
        case_services.open_case(
            None,
            acme,
            title="Check-ins fail on the Boston VOB server",
            text="Every check-in fails with a lock error since 10:00.",
            priority="P1",
            contact=alice,
            origin="phone",
        )
    with at(90):
        case_services.open_case(
            None,
            maple,
            title="Slow ClearQuest queries after the upgrade",
            text="Since Monday.",
            priority="P3",
            contact=maple.contacts.order_by("name").first(),
        )
    with at(5):
        paging.page_psm(
            acme,
            priority="P1",
            message="Boston VOB server down, 300 developers blocked.",
            contact=alice,
        )
    return agent.reference


@time_machine.travel(TOUR_TIME, tick=True)
def test_tour_of_the_main_pages(browser: OpenBrowser, demo: str) -> None:
    page = browser().new_page()
    page.goto("/login/")
    screenshot(page, "01-login")
    assert_accessible(page)

    log_in(page, "engineer", "demo")
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    screenshot(page, "02-my-day")
    assert_accessible(page)

    page.goto("/accounts/acme/")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    screenshot(page, "03-account-360")
    assert_accessible(page)

    page.keyboard.press("/")
    page.keyboard.type("ac")
    expect(page.locator("#search-popup a").first).to_be_visible()
    screenshot(page, "04-search", full_page=False)
    page.keyboard.press("Escape")  # the results close and uncover the menu beneath them
    expect(page.locator("#search-popup a")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    log_in(page, "manager", "demo")
    expect(page).to_have_url(re.compile("/overview/$"))
    expect(page.get_by_role("heading", name="Workload by engineer")).to_be_visible()
    screenshot(page, "05-manager-overview")
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    log_in(page, "client", "demo")
    expect(page.get_by_role("heading", name="Your PSM")).to_be_visible()
    screenshot(page, "06-portal-home")
    assert_accessible(page)

    page.get_by_role("link", name=demo).first.click()
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()
    expect(page.get_by_text("Same symptom")).to_have_count(0)  # the internal note
    screenshot(page, "08-portal-case")
    assert_accessible(page)

    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "client", "demo")
    expect(phone.get_by_role("heading", name="Your PSM")).to_be_visible()
    # Nothing runs off the side of a phone screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "07-portal-phone")
    assert_accessible(phone)


PHONE_PAGES = {
    "engineer": ["/my-day/", "/accounts/", "/accounts/acme/", "/cases/", "/coverage/", "/team/",
                 "/engagement/", "/paging/", "/overview/", "/accounts/acme/reports/",
                 "/advisories/"],
    "manager": ["/overview/", "/accounts/acme/engagement/", "/accounts/acme/advisories/"],
    "client": ["/portal/", "/portal/cases/", "/paging/", "/portal/reports/", "/advisories/portal/"],
}  # fmt: skip


def test_every_page_reads_on_a_phone(browser: OpenBrowser, demo: str) -> None:
    """At 390 px nothing runs off the side, and every table row is a card whose cells say
    which column they are (the overview and the workload were bare numbers)."""
    for username, paths in PHONE_PAGES.items():
        page = browser(viewport=PHONE).new_page()
        log_in(page, username, "demo")
        for path in paths:
            response = page.goto(path)
            assert response is not None
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (username, path, width)
            unlabelled = page.evaluate(
                """() => Array.from(document.querySelectorAll('table.table tbody td'))
                    .filter(td => td.offsetParent !== null && !td.hasAttribute('colspan'))
                    .filter(td => {
                      const table = td.closest('table');
                      const heads = table.querySelectorAll('thead th');
                      const label = td.getAttribute('data-label');
                      const named = Array.from(heads).some(th => th.textContent.trim());
                      return named && label === null;
                    }).length"""
            )
            assert unlabelled == 0, (username, path, unlabelled)
            shown = page.evaluate(
                """() => { const td = document.querySelector('table.table tbody td[data-label]');
                    return td ? getComputedStyle(td, '::before').content : 'none-needed'; }"""
            )
            assert shown != "none", (username, path)
    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "manager", "demo")
    phone.goto("/overview/")
    screenshot(phone, "09-overview-phone")
