from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from psm.team import services as team_services
from psm.testing.book import Book, login

UTC = ZoneInfo("UTC")
# Tuesday 10 March 2026, 15:00 UTC = 11:00 in New York (Acme), 16:00 in Berlin (Globex).
TUESDAY = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
# Saturday 14 March 2026, 15:00 UTC: outside business hours everywhere.
SATURDAY = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@time_machine.travel(TUESDAY, tick=False)
def test_psm_card_names_the_psm_and_how_to_reach_them(book: Book) -> None:
    page = text(login(book.client_a).get("/portal/").content.decode())
    assert "Your PSM" in page
    assert "AT Alice Tester" in page  # initials, then the name
    assert "acme@psm.localhost" in page
    assert "+1 555 0100" in page
    assert "your time: Tuesday 10 March, 11:00 (America/New_York)" in page
    assert "Globex" not in page


@time_machine.travel(TUESDAY, tick=False)
def test_service_is_open_in_business_hours_for_every_priority(book: Book) -> None:
    page = text(login(book.client_a).get("/portal/").content.decode())
    assert "P1 — critical 7x24 Open around the clock" in page
    assert "P3 — medium Open until Tue 10 Mar 17:00" in page


@time_machine.travel(SATURDAY, tick=False)
def test_at_the_weekend_only_p1_is_open_and_the_rest_opens_monday_client_time(book: Book) -> None:
    page = text(login(book.client_b).get("/portal/").content.decode())
    assert "P1 — critical 7x24 Open" in page
    assert "P2 — high Closed opens Mon 16 Mar 08:00" in page
    assert "Times are yours (Europe/Berlin)" in page


@time_machine.travel(TUESDAY, tick=False)
def test_card_says_who_covers_while_the_psm_is_away_and_until_when(book: Book) -> None:
    team_services.start_absence(
        None, book.alice, TUESDAY - timedelta(hours=2), TUESDAY + timedelta(days=2), book.bob
    )
    page = text(login(book.client_a).get("/portal/").content.decode())
    assert (
        "Alice Tester is away: Bob Tester covers for Alice Tester until Thursday 12 March, 11:00"
        in page
    )


def test_inactive_contact_has_no_portal(book: Book) -> None:
    book.contact_a.is_active = False
    book.contact_a.save()
    assert login(book.client_a).get("/portal/").status_code == 403


def test_staff_are_refused_by_the_portal(book: Book) -> None:
    assert login(book.alice).get("/portal/").status_code == 403


@time_machine.travel(TUESDAY, tick=False)
def test_card_has_the_page_button_and_the_last_page_status(book: Book) -> None:
    from psm.paging import services as paging

    client = login(book.client_a)
    page = client.get("/portal/").content.decode()
    assert 'action="/paging/"' in page
    assert "Page my PSM now" in page
    sent = paging.page_psm(book.a, priority="P1", message="Down", contact=book.contact_a)
    page = text(client.get("/portal/").content.decode())
    assert f"Your last page, #{sent.pk}" in page
    paging.acknowledge(sent, book.alice, "button")
    page = text(client.get("/portal/").content.decode())
    assert "acknowledged by Alice Tester at 11:00" in page
