"""A page end to end: the client presses the button on a running server, a real worker
delivers to a local fake paging provider, nobody acknowledges, the page escalates at the
deadline (the sweep driven with an explicit instant), the substitute acknowledges by the
link in the message, escalation stops, and the client's page shows every step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from psm.paging import services
from psm.paging.models import Page, PageStatus
from psm.team.models import Engineer
from psm.testing.paging import start_inbox, start_site
from psm.testing.processes import psm_env


def log_in(base: str, username: str) -> requests.Session:
    web = requests.Session()
    web.get(f"{base}/login/", timeout=10)
    response = web.post(
        f"{base}/login/",
        {"username": username, "password": "password",
         "csrfmiddlewaretoken": web.cookies["csrftoken"]},
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 200 and "/login/" not in response.url, response.url
    return web


@pytest.fixture
def inbox():
    fake = start_inbox()
    yield fake
    fake.close()


@pytest.mark.django_db(transaction=True)
def test_page_escalates_then_is_acknowledged_by_link(book, inbox, settings) -> None:
    for user in (book.alice, book.bob, book.charlie):
        profile = Engineer.objects.get(user=user)
        profile.set_pager_targets([inbox.url(user.username)])
        profile.save()
    site = start_site(psm_env())
    settings.BASE_URL = site.base_url  # links written by this process point at the server
    try:
        client = log_in(site.base_url, "client_a")
        form = client.get(f"{site.base_url}/paging/", timeout=10)
        assert "Page my PSM now" in form.text
        pressed = client.post(
            f"{site.base_url}/paging/",
            {"priority": "P1", "message": "Orders are failing",
             "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            timeout=10,
        )  # fmt: skip
        assert pressed.status_code == 200
        page = Page.objects.get()
        assert pressed.url == f"{site.base_url}/paging/{page.pk}/"

        # The PSM's pager gets it, through the outbox and the worker.
        [first] = inbox.wait_for("alice")
        assert "Orders are failing" in first["message"]
        assert first["_key"] == f"page:{page.pk}:step:0:{book.alice.pk}:pager:0"

        # Nobody acknowledges: nothing a second early, the substitute exactly at the deadline.
        deadline = page.ack_deadline
        assert deadline is not None
        assert services.sweep(deadline - timedelta(seconds=1)) == 0
        assert services.sweep(deadline) == 1
        [second] = inbox.wait_for("bob")
        page.refresh_from_db()
        assert (page.status, page.target) == (PageStatus.ESCALATED, book.bob)

        # Bob acknowledges with the link in his pager message.
        link = re.search(r"https?://\S+/paging/ack/\S+/", second["message"])
        assert link is not None, second["message"]
        anonymous = requests.Session()
        confirm = anonymous.get(link.group(0), timeout=10)
        assert "Acknowledge as Bob Tester" in confirm.text
        done = anonymous.post(
            link.group(0), {"csrfmiddlewaretoken": anonymous.cookies["csrftoken"]}, timeout=10
        )
        assert "escalation has stopped" in done.text

        # Escalation stops: Charlie is never paged.
        assert services.sweep(deadline + timedelta(hours=1)) == 0
        page.refresh_from_db()
        assert (page.status, page.acknowledged_by, page.ack_via) == (
            "acknowledged",
            book.bob,
            "link",
        )
        assert not [b for _, path, b in inbox.received if path == "/charlie"]

        # The client's live status (the htmx partial) shows each step.
        status = client.get(
            f"{site.base_url}/paging/{page.pk}/", headers={"HX-Request": "true"}, timeout=10
        )
        assert "<html" not in status.text
        steps = re.findall(
            r"(Paged|Escalated to|Acknowledged by) <strong>([^<]+)</strong>", status.text
        )
        assert steps == [
            ("Paged", "Alice Tester"),
            ("Escalated to", "Bob Tester"),
            ("Acknowledged by", "Bob Tester"),
        ]
    finally:
        site.stop()
