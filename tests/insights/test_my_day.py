from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from psm.team import services as team_services
from psm.testing.book import Book, login

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=ZoneInfo("UTC"))


@time_machine.travel(NOW, tick=False)
def test_my_day_lists_my_accounts_with_their_local_time(book: Book) -> None:
    page = login(book.alice).get("/my-day/").content.decode()
    assert "My accounts" in page
    assert "Acme" in page
    # 15:00 UTC is 11:00 in New York (EDT since 8 March 2026).
    assert "Tue 11:00 their time" in page
    assert "Globex" not in page.split("My accounts")[1]


@time_machine.travel(NOW, tick=False)
def test_substitute_sees_what_they_cover_today_and_until_when(book: Book) -> None:
    team_services.start_absence(
        None, book.bob, NOW - timedelta(days=1), NOW + timedelta(days=2), book.alice, "Holiday"
    )
    book.alice.timezone = "Europe/Berlin"
    book.alice.save()
    page = login(book.alice).get("/my-day/").content.decode()
    covering = page.split('id="covering-h"')[1].split("</section>")[0]
    assert "Globex" in covering
    assert "for Bob Tester" in covering
    assert "until Thu 12 Mar 16:00" in covering  # in alice's zone
    assert "Holiday" in covering
    # Dana stands in for nobody.
    page = login(book.dana).get("/my-day/").content.decode()
    assert "You are not standing in for anyone today." in page


@time_machine.travel(NOW, tick=False)
def test_poll_returns_the_panels_only(book: Book) -> None:
    client = login(book.alice)
    full = client.get("/my-day/").content.decode()
    assert "<html" in full
    assert 'hx-trigger="every 30s"' in full
    partial = client.get("/my-day/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert partial.lstrip().startswith('<div id="my-day"')
    assert "My accounts" in partial
