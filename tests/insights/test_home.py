from __future__ import annotations

from psm.testing.book import Book, login


def test_front_door_sends_each_role_home(book: Book) -> None:
    assert login(book.alice).get("/")["Location"] == "/my-day/"
    assert login(book.charlie).get("/")["Location"] == "/overview/"
    assert login(book.admin).get("/")["Location"] == "/overview/"
    assert login(book.client_a).get("/")["Location"] == "/portal/"


def test_navigation_by_role(book: Book) -> None:
    engineer = login(book.alice).get("/my-day/").content.decode()
    assert 'href="/my-day/"' in engineer
    assert 'href="/overview/"' not in engineer
    manager = login(book.charlie).get("/my-day/").content.decode()
    assert 'href="/overview/"' in manager
    assert 'id="global-search"' in manager


def test_clients_get_no_staff_pages(book: Book) -> None:
    client = login(book.client_a)
    for url in ("/my-day/", "/overview/", "/search/?q=acme"):
        assert client.get(url).status_code == 403, url
    portal = client.get("/portal/").content.decode()
    assert 'id="global-search"' not in portal


def test_engineers_do_not_get_the_overview(book: Book) -> None:
    assert login(book.alice).get("/overview/").status_code == 403
