"""Error pages a person can act on: branded, with the navigation, the reason the app gave
and a way back; the 500 page too, and plain text if even it fails."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from psm import urls as psm_urls
from psm.testing.book import Book, login


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *psm_urls.urlpatterns]
handler500 = psm_urls.handler500


def test_403_says_why_with_the_navigation_and_a_way_back(book: Book) -> None:
    response = login(book.alice).get("/overview/", headers={"referer": "http://testserver/my-day/"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is for PSM managers and administrators." in page
    assert 'aria-label="Main"' in page and "My day" in page
    assert 'href="http://testserver/my-day/"' in page and "Go to your home page" in page


def test_404_says_there_is_nothing_here(book: Book) -> None:
    response = login(book.alice).get("/accounts/no-such-account/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Nothing here" in page and "There is no page at this address" in page
    assert 'aria-label="Main"' in page


def test_a_client_gets_the_same_kind_of_page(book: Book) -> None:
    response = login(book.client_a).get("/cases/")
    assert response.status_code == 403
    assert "This page is for the provider&#x27;s staff." in response.content.decode()


@pytest.mark.urls(__name__)
def test_500_is_our_page(book: Book) -> None:
    client = login(book.alice)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and 'aria-label="Main"' in page


@pytest.mark.urls(__name__)
def test_500_falls_back_to_plain_text_when_the_page_cannot_render(book: Book, monkeypatch) -> None:
    from psm import views

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the database is down too")

    monkeypatch.setattr(views, "render_to_string", broken)
    client = Client(raise_request_exception=False)
    client.force_login(book.alice)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/plain")
