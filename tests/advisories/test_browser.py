"""The whole path in a real browser on the demo book, for the PSM, the manager and the client;
the pages are saved as the README's advisory screenshots."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from psm.advisories.models import AccountAdvisory, InstallAction, ItemState
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
TOUR_TIME = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC"))
DATA = Path(__file__).parent / "data"


@pytest.fixture
def demo(transactional_db: None) -> None:
    with time_machine.travel(TOUR_TIME, tick=False):
        call_command("demo", stdout=io.StringIO())


def fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@time_machine.travel(TOUR_TIME, tick=True)
def test_advisories_from_review_to_acknowledgement(
    browser: OpenBrowser, demo: None, tmp_path: Path
) -> None:
    page = browser().new_page()
    log_in(page, "engineer", "demo")
    # My day lists what waits for review; the Advisories page has the queue and the ranges.
    expect(page.get_by_role("heading", name=re.compile("Advisories to review"))).to_be_visible()
    page.get_by_role("link", name="Advisories", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Waiting for your review"))).to_be_visible()
    expect(page.get_by_role("link", name="< V9.3 on Windows hosts")).to_be_visible()
    screenshot(page, "20-advisories")
    assert_accessible(page)

    # Review one for Acme: the reasons in words, edit the text, deliver.
    page.locator("#queue-h ~ ul a", has_text="RATL-2026-0011").first.click()
    expect(page.get_by_text("DOORS 10.0.2 at Boston HQ is in >=10.0|<10.0.2.4")).to_be_visible()
    page.get_by_label("Text for this client").fill(
        "Your DOORS 10.0.2 database server offers weak ciphers: interim fix 4 closes it."
    )
    screenshot(page, "21-advisory-review")
    assert_accessible(page)
    page.get_by_role("button", name="Deliver").click()
    expect(page.get_by_text("Delivered to")).to_be_visible()
    expect(page.get_by_role("heading", name="Per install")).to_be_visible()

    # A free-text range: read it as vers, and it matches from then on.
    page.goto("/advisories/")
    page.get_by_role("link", name="< V9.3 on Windows hosts").click()
    page.get_by_label("The range in vers syntax").fill("V9.3")
    page.get_by_role("button", name="Use this range").click()
    expect(page.get_by_role("alert")).to_contain_text("'V9.3' is not a vers range")
    page.get_by_label("The range in vers syntax").fill("vers:generic/<9.3")
    page.get_by_role("button", name="Use this range").click()
    expect(page.get_by_text("Read as vers:generic/<9.3")).to_be_visible()

    # Upload: one good file, one bad; the bad one is named with its reason.
    page.goto("/advisories/import/")
    bad = tmp_path / "broken-advisory.json"
    bad.write_text("{ nope")
    page.get_by_label("CSAF 2.0 documents (.json)").set_input_files(
        [str(DATA / "bsi-2022-0001.json"), str(bad)]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("broken-advisory.json")).to_be_visible()
    expect(page.get_by_text("Imported 1, updated 0, unchanged 0, rejected 1")).to_be_visible()

    # The staff item page works on a phone.
    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "engineer", "demo")
    item = AccountAdvisory.objects.get(account__slug="acme", advisory__tracking_id="RATL-2026-0011")
    phone.goto(item.get_absolute_url())
    expect(phone.get_by_role("heading", name="Per install")).to_be_visible()
    fits_a_phone(phone)

    # The manager sees the exposure of the book.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "manager", "demo")
    page.goto("/advisories/")
    expect(page.get_by_role("heading", name="Exposure by account")).to_be_visible()
    expect(
        page.locator("#exp-h ~ table").get_by_role("link", name="Acme Manufacturing")
    ).to_be_visible()

    # The client: portal home card, the advisory, acknowledge, defer an install.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "client", "demo")
    expect(page.get_by_role("heading", name="Advisories for your installations")).to_be_visible()
    page.get_by_role("link", name="Advisories", exact=True).click()
    page.get_by_role("link", name=re.compile("DOORS: database server")).click()
    expect(page.get_by_text("interim fix 4 closes it")).to_be_visible()
    page.get_by_role("button", name="I have received it").click()
    expect(page.get_by_text("Received — confirmed")).to_be_visible()
    action = InstallAction.objects.get(item=item)
    form = page.locator(f"#action-{action.pk}")
    form.get_by_label("Status").select_option("deferred")
    until = (TOUR_TIME + timedelta(days=21)).date().isoformat()
    form.get_by_label("until").fill(until)
    form.get_by_role("button", name="Save").click()
    expect(page.locator(f"#action-{action.pk}").get_by_text("Saved")).to_be_visible()
    expect(page.locator(f"#action-{action.pk}").get_by_label("until")).to_have_value(until)
    screenshot(page, "22-portal-advisory")
    assert_accessible(page)
    item.refresh_from_db()
    assert item.acknowledged_at is not None and item.state == ItemState.DELIVERED

    client_phone = browser(viewport=PHONE).new_page()
    log_in(client_phone, "client", "demo")
    client_phone.goto("/advisories/portal/")
    expect(client_phone.get_by_role("heading", name="Sent to you")).to_be_visible()
    fits_a_phone(client_phone)
    screenshot(client_phone, "23-portal-advisories-phone")
