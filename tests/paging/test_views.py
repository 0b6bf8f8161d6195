"""The client's button and live status, the engineer's button, the signed link and the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from psm.notifications.models import Notification
from psm.paging import notify, services
from psm.paging.models import ApiKey, Page, PageStatus
from psm.paging.queries import pages_waiting_for

# Tuesday 10 March 2026, 11:00 in New York.
NOON = "2026-03-10T15:00:00Z"


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_client_pages_from_the_portal_and_follows_it(book, frozen) -> None:
    web = client_for(book.client_a)
    response = web.get(reverse("paging:home"))
    assert b"Page my PSM now" in response.content
    response = web.post(reverse("paging:home"), {"priority": "P1", "message": "All down"})
    page = Page.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page.get_absolute_url()
    assert (page.contact, page.opened_by, page.source) == (book.contact_a, book.client_a, "portal")
    full = web.get(page.get_absolute_url())
    assert b"Paged <strong>Alice Tester" in full.content
    assert b'hx-trigger="every' in full.content
    assert b"<html" in full.content
    partial = web.get(page.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content
    assert b"Waiting for Alice Tester to acknowledge by <strong>11:15" in partial.content
    # Staff-only details stay with the staff.
    assert b"Escalation policy" not in partial.content
    assert b"Acknowledge</button>" not in partial.content

    frozen.shift(timedelta(minutes=15))
    services.sweep()
    partial = web.get(page.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert b"Escalated to <strong>Bob Tester</strong>" in partial.content


def test_a_client_cannot_see_another_accounts_page(book, frozen) -> None:
    page = services.page_psm(book.b, contact=book.contact_b)
    web = client_for(book.client_a)
    assert web.get(page.get_absolute_url()).status_code == 404
    assert web.post(reverse("paging:acknowledge", args=[page.pk])).status_code == 403


def test_the_engineer_acknowledges_with_the_button(book, frozen) -> None:
    page = services.page_psm(book.a, contact=book.contact_a, message="disk full")
    web = client_for(book.alice)
    listing = web.get(reverse("paging:home"))
    assert b"1 page waiting for you" in listing.content
    assert list(pages_waiting_for(book.alice)) == [page]
    response = web.post(reverse("paging:acknowledge", args=[page.pk]))
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.status, page.acknowledged_by, page.ack_via) == (
        "acknowledged",
        book.alice,
        "button",
    )
    assert list(pages_waiting_for(book.alice)) == []
    shown = client_for(book.client_a).get(page.get_absolute_url())
    assert b"Acknowledged by Alice Tester" in shown.content


def test_the_link_in_the_message_acknowledges_once(book, frozen) -> None:
    page = services.page_psm(book.a, contact=book.contact_a)
    mail = Notification.objects.get(key=f"page:{page.pk}:step:0:{book.alice.pk}:email")
    url = next(w for w in mail.body.split() if "/paging/ack/" in w).split("127.0.0.1:8000")[1]
    anonymous = Client()
    confirm = anonymous.get(url)
    assert confirm.status_code == 200
    assert b"Acknowledge as Alice Tester" in confirm.content
    page.refresh_from_db()
    assert page.status == PageStatus.OPEN  # a GET (a mail scanner) acknowledges nothing
    done = anonymous.post(url)
    assert b"Acknowledged" in done.content
    page.refresh_from_db()
    assert (page.acknowledged_by, page.ack_via) == (book.alice, "link")
    again = anonymous.post(url)
    assert b"Already acknowledged" in again.content
    assert page.steps.filter(kind="acknowledged").count() == 1


def test_a_tampered_link_is_refused(book, frozen) -> None:
    page = services.page_psm(book.a, contact=book.contact_a)
    token = notify.ack_token(page, book.alice)
    response = Client().post(reverse("paging:ack-link", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    page.refresh_from_db()
    assert page.status == PageStatus.OPEN


def test_an_expired_link_is_refused(book, frozen) -> None:
    page = services.page_psm(book.a, contact=book.contact_a)
    url = reverse("paging:ack-link", args=[notify.ack_token(page, book.alice)])
    frozen.shift(timedelta(days=8))
    assert Client().post(url).status_code == 410


def test_the_api_acknowledges_with_a_bearer_key(book, frozen) -> None:
    page = services.page_psm(book.a, contact=book.contact_a)
    _, key = ApiKey.issue(book.bob, "phone app")
    url = f"/paging/api/pages/{page.pk}/acknowledge/"
    assert Client().post(url).status_code == 401
    assert Client().post(url, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    response = Client().post(url, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["acknowledged_by"] == "bob"
    assert body["ack_via"] == "api"
    assert body["acknowledged_now"] is True
    status = Client().get(f"/paging/api/pages/{page.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert json.loads(status.content)["status"] == "acknowledged"


def test_the_api_does_not_reach_other_accounts(book, frozen) -> None:
    page = services.page_psm(book.b, contact=book.contact_b)
    _, key = ApiKey.issue(book.dana, "dana")
    url = f"/paging/api/pages/{page.pk}/acknowledge/"
    assert Client().post(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 404
