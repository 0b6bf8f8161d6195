"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded build)
against the app served by pytest-django's ``live_server`` on 127.0.0.1.

Use the ``browser`` fixture (imported by a test module or conftest); it opens one headless
Chromium per call, each with a fresh profile, so several people can be logged in at once:

    def test_x(browser, book):
        page = browser().new_page()
        log_in(page, "alice")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

OpenBrowser = Callable[..., BrowserContext]


@pytest.fixture
def browser(live_server: object, tmp_path: Path) -> Iterator[OpenBrowser]:
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (make test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous calls, so Django's async guard is lifted for browser tests.
    # expect()'s own wait (5 s by default) is process-wide; generous for the same reason.
    expect.set_options(timeout=15_000)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    contexts: list[BrowserContext] = []
    try:
        with sync_playwright() as playwright:

            def open_browser(viewport: dict[str, int] | None = None) -> BrowserContext:
                context = playwright.chromium.launch_persistent_context(
                    user_data_dir=str(tmp_path / f"profile-{len(contexts)}"),
                    executable_path=str(CHROMIUM),
                    headless=True,
                    args=ARGS,
                    base_url=str(live_server),
                    viewport=viewport or DESKTOP,
                    locale="en-GB",
                    reduced_motion="reduce",
                )
                # Generous: the suite shares two cores; a wait ends as soon as it is met.
                context.set_default_timeout(30_000)
                contexts.append(context)
                return context

            yield open_browser
            for context in contexts:
                context.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def log_in(page: Page, username: str, password: str = "password") -> None:
    """Log in through the real form, as a person would."""
    page.goto("/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    wait_for_scripts(page)


def wait_for_scripts(page: Page) -> None:
    """Wait for the deferred scripts (htmx, app.js) of the page now shown. Call it once the new
    page is seen (its heading visible): typing into a live search before htmx has bound it
    fires nothing, which is a race a person never runs but a test does on a busy machine."""
    page.wait_for_load_state("load")


def image_width(page: Page, selector: str) -> int:
    """The natural width of the first image matching ``selector`` once the browser has finished
    with it (0 if it failed to load): an image laid out is not yet an image loaded."""
    page.wait_for_function(
        "selector => { const i = document.querySelector(selector); return i && i.complete; }",
        arg=selector,
    )
    width: int = page.evaluate(
        "selector => document.querySelector(selector).naturalWidth", selector
    )
    return width


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save the page as ``docs/screenshots/<name>.png`` (shown in the README's tour)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path


UNLABELLED_JS = """
() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => {
    const byLabel = el.labels && [...el.labels].some(l => l.textContent.trim());
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
      || el.getAttribute('title');
    const text = (el.tagName === 'A' || el.tagName === 'BUTTON') && el.textContent.trim();
    const value = el.type === 'submit' && el.value;
    return !(byLabel || named || text || value);
  })
  .map(el => el.outerHTML.slice(0, 120))
"""


def assert_accessible(page: Page) -> None:
    """Every visible control has a name a screen reader can say, the page has one h1 and a
    language, and the first stop of the keyboard is "Skip to content", visible when focused."""
    unnamed = page.evaluate(UNLABELLED_JS)
    assert not unnamed, f"controls without an accessible name: {unnamed}"
    assert page.locator("h1").count() == 1, "a page has exactly one h1"
    assert page.evaluate("document.documentElement.lang") == "en"
    first = page.locator("a[href], button, input:not([type=hidden]), select, textarea").first
    expect(first).to_have_text("Skip to content")
    first.focus()
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0, "the skip link shows itself when focused"
