"""In a real browser: opening a case whose mail holds a remote image fetches nothing from the
image's server until the reader presses "Show images"; then it is fetched without a referrer.
The image server is a real HTTP server started by the test, counting what it is asked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from psm.cases import services
from psm.cases.models import Origin
from psm.testing.book import Book
from psm.testing.browser import PHONE, OpenBrowser, browser, log_in, screenshot

__all__ = ["browser"]

pytestmark = pytest.mark.browser

GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


class ImageServer(ThreadingHTTPServer):
    requests: list[tuple[str, str]]


class Handler(BaseHTTPRequestHandler):
    server: ImageServer

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Referer", "")))
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(GIF)))
        self.end_headers()
        self.wfile.write(GIF)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    server = ImageServer(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_remote_images_load_only_when_the_reader_asks(
    browser: OpenBrowser, book: Book, image_server: ImageServer
) -> None:
    base = f"http://127.0.0.1:{image_server.server_address[1]}"
    case = services.open_case(
        None,
        book.a,
        title="Newsletter-style report",
        text="Report",
        html=(
            "<p>Our monitoring shows the VOB server down since 06:00.</p>"
            f'<img src="{base}/pixel.gif?r=alma" alt="" width="1" height="1">'
            f'<p><img src="{base}/chart.gif" alt="Load chart" width="120" height="60"></p>'
        ),
        contact=book.contact_a,
        origin=Origin.EMAIL,
    )
    for who, url in (
        ("alice", f"/cases/{case.reference}/"),
        ("client_a", f"/portal/cases/{case.reference}/"),
    ):
        image_server.requests.clear()
        page = browser(viewport=PHONE).new_page()
        log_in(page, who)
        page.goto(url)
        notice = page.get_by_text("2 remote images hidden")
        expect(notice).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert image_server.requests == [], f"{who}: fetched before asked"
        if who == "alice":
            screenshot(page, "case-images-hidden", full_page=False)
        page.get_by_role("link", name="Show images").click()
        expect(page.get_by_role("img", name="Load chart")).to_be_visible()
        expect(notice).to_have_count(0)
        # Both images loaded (not merely laid out), as the browser tells it.
        page.wait_for_function(
            f"""() => {{
              const shown = [...document.images].filter(i => i.src.startsWith("{base}"));
              return shown.length === 2 && shown.every(i => i.complete && i.naturalWidth > 0);
            }}"""
        )
        paths = sorted(path for path, _ in image_server.requests)
        assert paths == ["/chart.gif", "/pixel.gif?r=alma"], who
        assert all(referrer == "" for _, referrer in image_server.requests), "no referrer"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "fits a phone"
