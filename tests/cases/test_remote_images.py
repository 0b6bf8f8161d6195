"""Remote images in HTML mail are held back on the staff case page and in the portal, with a
"Show images" choice per message (issue 12)."""

from __future__ import annotations

import pytest
from django.test import Client

from psm.cases import services
from psm.cases.mailhtml import display
from psm.cases.models import Case, Message
from psm.testing.book import Book, login

PIXEL = "https://tracker.example/open.gif?who=alma"
LOGO = "http://cdn.example/logo.png"
HTML = (
    f'<p>The server is down.</p><img src="{PIXEL}" alt="" width="1">'
    f'<p><img src="{LOGO}" alt="Acme logo"></p><img src="/admin/logout/">'
)


def test_display_holds_back_remote_images_and_drops_relative_ones() -> None:
    body = display(HTML)
    assert body.blocked == 2
    assert "tracker.example" not in body.html and "cdn.example" not in body.html
    assert "/admin/logout/" not in body.html
    assert 'alt="Acme logo"' in body.html and 'data-blocked="remote"' in body.html
    shown = display(HTML, show_images=True)
    assert shown.blocked == 0
    assert f'src="{PIXEL}"'.replace("&", "&amp;") in shown.html and LOGO in shown.html
    assert 'referrerpolicy="no-referrer"' in shown.html
    assert "/admin/logout/" not in shown.html
    assert display("<p>no images</p>").blocked == 0
    assert display("").html == ""


def test_showing_never_lets_through_more_than_the_sanitizer() -> None:
    shown = display('<img src="https://x.example/a.png" onerror="alert(1)"><script>x</script>')
    assert "onerror" not in shown.html and "script" not in shown.html


@pytest.fixture
def case_with_images(book: Book) -> tuple[Case, Message, Message]:
    case = services.open_case(
        None, book.a, title="Mail with images", text="x", html=HTML, contact=book.contact_a
    )
    first = case.messages.get()
    second = services.add_message(
        None, case, text="again", html=f'<p>Again</p><img src="{LOGO}">', contact=book.contact_a
    )
    return case, first, second


def page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("who", "prefix"), [("alice", "/cases/"), ("client", "/portal/cases/")])
def test_images_are_blocked_until_the_reader_shows_them(
    book: Book, case_with_images, who: str, prefix: str
) -> None:
    case, first, second = case_with_images
    client = login(book.alice if who == "alice" else book.client_a)
    url = f"{prefix}{case.reference}/"
    html = page(client, url)
    assert "tracker.example" not in html and "cdn.example" not in html
    assert "2 remote images hidden" in html and "1 remote image hidden" in html
    assert f'href="?images={first.pk}#m{first.pk}"' in html
    # The full page with one message's images shown (no JavaScript): only that message.
    html = page(client, f"{url}?images={first.pk}")
    assert "tracker.example" in html and html.count("cdn.example") == 1
    assert "2 remote images hidden" not in html and "1 remote image hidden" in html
    # htmx asks for the one message, from the same URL.
    part = page(client, f"{url}?images={second.pk}", HTTP_HX_REQUEST="true")
    assert part.lstrip().startswith(f'<li id="m{second.pk}"')
    assert "cdn.example" in part and "tracker.example" not in part


def test_a_message_of_another_case_is_not_found(book: Book, case_with_images) -> None:
    case, _, _ = case_with_images
    other = services.open_case(None, book.b, title="Globex", text="x", contact=book.contact_b)
    theirs = other.messages.get()
    for who, prefix in ((book.alice, "/cases/"), (book.client_a, "/portal/cases/")):
        response = login(who).get(
            f"{prefix}{case.reference}/?images={theirs.pk}", HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 404


def test_a_client_cannot_show_an_internal_note(book: Book, case_with_images) -> None:
    case, _, _ = case_with_images
    note = services.add_note(book.alice, case, "internal: see https://intranet.example/x.png")
    response = login(book.client_a).get(
        f"/portal/cases/{case.reference}/?images={note.pk}", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
