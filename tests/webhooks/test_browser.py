"""In a real browser: an administrator adds an endpoint for Acme, events reach a real
receiver, one fails and is replayed from the delivery log; the page works at a phone's
width. The picture is the README's (docs/screenshots/45-webhooks.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from psm.cases import services as cases
from psm.testing.book import make_book
from psm.testing.browser import PHONE, OpenBrowser, assert_accessible, browser, log_in, screenshot
from psm.webhooks import services
from psm.webhooks.models import Delivery, DeliveryStatus, Endpoint

__all__ = ["browser"]

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_add_an_endpoint_watch_deliveries_and_replay(browser: OpenBrowser, receiver) -> None:
    book = make_book()
    page = browser().new_page()
    log_in(page, "admin")
    page.goto("/webhooks/")
    page.get_by_role("link", name="Add endpoint").first.click()
    page.locator("#id_url").fill(receiver.url("/psm-events"))
    page.locator("#id_description").fill("Acme's ServiceNow")
    page.locator("#id_account").select_option(label="Acme")
    for event in ("case.created", "case.updated", "page.triggered", "sla.breached"):
        page.get_by_role("checkbox", name=f"{event}:").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("heading", name="Webhook endpoint")).to_be_visible()
    endpoint = Endpoint.objects.get()
    page.get_by_text("Show the secret").click()
    expect(page.locator("#secret")).to_have_text(endpoint.secret)

    receiver.answers.extend([200, 503])
    first = cases.open_case(None, book.a, title="VOB server down", text="x", contact=book.contact_a)
    cases.open_case(None, book.a, title="Licence server slow", text="x", contact=book.contact_a)
    cases.change_priority(book.alice, first, "P1")
    services.deliver_due()
    page.reload()
    log = page.locator("#deliveries")
    expect(log.get_by_text("The receiver answered 503.")).to_be_visible()
    expect(log.get_by_text("delivered")).to_have_count(2)
    screenshot(page, "45-webhooks")
    assert_accessible(page)

    failed = Delivery.objects.get(status=DeliveryStatus.PENDING)
    page.locator("tr", has_text=failed.msg_id).get_by_role("button", name="Replay").click()
    expect(page.get_by_text(f"Sending case.created again ({failed.msg_id})")).to_be_visible()
    services.deliver_due()
    page.get_by_role("link", name="case.created").first.click()
    expect(page.get_by_role("heading", name="Attempts")).to_be_visible()

    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "alice")
    phone.goto(endpoint.get_absolute_url())
    expect(phone.get_by_role("heading", name="Delivery log")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
