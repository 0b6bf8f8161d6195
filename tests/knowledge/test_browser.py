"""The knowledge base in a real browser on the demo book: a PSM writes, publishes, versions,
searches, puts an article into a case reply and exports the bundle (opened from file:// and
from a web server, loading nothing from elsewhere); the client reads and answers "Did this
help?". The pages are saved as the README's knowledge screenshots."""

from __future__ import annotations

import functools
import io
import re
import threading
import zipfile
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from psm.cases.models import Case
from psm.knowledge.models import Article, Feedback, Status
from psm.testing.browser import (
    PHONE,
    OpenBrowser,
    assert_accessible,
    browser,
    image_width,
    log_in,
    screenshot,
    wait_for_scripts,
)
from psm.testing.knowledge import PNG

__all__ = ["browser"]

pytestmark = pytest.mark.browser
TOUR_TIME = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def demo(transactional_db: None) -> None:
    with time_machine.travel(TOUR_TIME, tick=False):
        call_command("demo", stdout=io.StringIO())


def fits_a_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def open_bundle_page(browser: OpenBrowser, url: str) -> list[str]:
    """Open ``url``; return every address the page asked for."""
    page = browser().new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(url)
    expect(page.get_by_role("heading", name="Documentation")).to_be_visible()
    # The local style sheet applied: the header's colour comes from assets/style.css.
    assert page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") == (
        "rgb(31, 58, 95)"
    )
    page.get_by_role("link", name="Rotating the build logs").first.click()
    expect(page.get_by_role("heading", name="Rotating the build logs")).to_be_visible()
    assert image_width(page, "article img") == 1
    page.get_by_role("link", name="the backup").click()
    expect(page.get_by_role("heading", name="VOB backup procedure")).to_be_visible()
    page.close()
    return asked


@time_machine.travel(TOUR_TIME, tick=True)
def test_a_psm_writes_publishes_versions_searches_and_exports_and_a_client_reads(
    browser: OpenBrowser, demo: None, tmp_path: Path
) -> None:
    page = browser().new_page()
    log_in(page, "engineer", "demo")
    page.get_by_role("link", name="Knowledge", exact=True).click()
    expect(page.get_by_role("heading", name="Knowledge base")).to_be_visible()
    expect(page.get_by_role("link", name="VOB backup procedure")).to_be_visible()
    screenshot(page, "60-knowledge")
    assert_accessible(page)

    # Write a draft for Acme.
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Account", exact=True).select_option(label="Acme Manufacturing")
    page.get_by_label("Title").fill("Rotating the build logs")
    page.get_by_label("Text (Markdown)").fill(
        "Build logs rotate **weekly**.\n\n"
        "Before a restore see [the backup](article:vob-backup-procedure)."
    )
    page.get_by_label("Tags").fill("Builds, clearcase")
    page.get_by_label("Visibility").select_option("client")
    page.get_by_label("Status").select_option("draft")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("saved as revision 1")).to_be_visible()
    expect(page.get_by_text("A draft: clients see it once it is published.")).to_be_visible()
    article = Article.objects.get(title="Rotating the build logs")

    # An image, then a second revision that shows it and publishes.
    picture = tmp_path / "Log Rotation.png"
    picture.write_bytes(PNG)
    page.get_by_label("Image or file to add").set_input_files(str(picture))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("log-rotation.png added")).to_be_visible()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Text (Markdown)").fill(
        "Build logs rotate **daily** and are kept 30 days.\n\n![rotation](files/log-rotation.png)"
        "\n\nBefore a restore see [the backup](article:vob-backup-procedure)."
    )
    page.get_by_label("Status").select_option("published")
    page.get_by_label("What changed").fill("Daily now")
    page.get_by_role("button", name="Save a new revision").click()
    expect(page.get_by_text("Saved as revision 2.")).to_be_visible()
    expect(page.get_by_text("Clients read this in their portal")).to_be_visible()
    assert image_width(page, ".kb-body img") == 1
    screenshot(page, "61-knowledge-article")
    assert_accessible(page)

    # Compare the two revisions.
    page.get_by_role("button", name="Compare the chosen two").click()
    expect(page.get_by_text("revision 1 → 2")).to_be_visible()
    expect(page.locator(".kb-del", has_text="Build logs rotate **weekly**.")).to_be_visible()
    expect(page.locator(".kb-add", has_text="Build logs rotate **daily**")).to_be_visible()
    expect(page.locator(".kb-add", has_text="Status: published")).to_be_visible()
    screenshot(page, "62-knowledge-revisions")
    assert_accessible(page)

    # Search, as one types; odd input is just words.
    page.get_by_role("link", name="Knowledge", exact=True).click()
    expect(page.get_by_role("heading", name="Knowledge base")).to_be_visible()
    wait_for_scripts(page)
    page.get_by_label("Search", exact=True).fill("rotate daily")
    expect(page.locator("#kb-results mark").first).to_be_visible()
    expect(
        page.locator("#kb-results").get_by_role("link", name="Rotating the build logs")
    ).to_be_visible()
    screenshot(page, "63-knowledge-search")
    page.get_by_label("Search", exact=True).fill('"foo AND')
    expect(page.get_by_text("Nothing matches")).to_be_visible()

    # A case reply: insert the article's link.
    case = Case.objects.filter(account__slug="acme").exclude(status="closed").first()
    page.goto(case.get_absolute_url())
    panel = page.locator("#kb-case-h").locator("..")
    panel.get_by_label("Find an article", exact=True).fill("build logs")
    item = panel.locator("li", has_text="Rotating the build logs")
    item.get_by_role("button", name="Insert link").click()
    expect(page.get_by_label("Reply to the client")).to_have_value(
        re.compile(rf"Rotating the build logs: http.*/knowledge/portal/{article.pk}/")
    )

    # Export: the account's bundle, downloaded and opened.
    page.goto("/accounts/acme/knowledge/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the intranet bundle").click()
    assert download.value.suggested_filename == "acme-knowledge.zip"
    zipped = tmp_path / "bundle.zip"
    download.value.save_as(zipped)
    zipfile.ZipFile(zipped).extractall(tmp_path / "site")
    site = tmp_path / "site" / "acme-knowledge"
    names = {p.name for p in site.rglob("*")}
    assert "backup-runbook.html" not in names and "clearcase-11-upgrade-plan.html" not in names
    asked = open_bundle_page(browser, (site / "index.html").as_uri())
    assert asked and all(u.startswith("file://") for u in asked), asked
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        asked = open_bundle_page(browser, f"{origin}/index.html")
        assert all(u.startswith(origin) for u in asked), asked
    finally:
        server.shutdown()
        server.server_close()

    # The client reads it in the portal and answers.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "client", "demo")
    page.get_by_role("link", name="Knowledge", exact=True).click()
    expect(page.get_by_role("heading", name="Builds")).to_be_visible()
    expect(page.get_by_role("link", name="Backup job runbook (internal)")).to_have_count(0)
    expect(page.get_by_role("link", name="ClearCase 11 upgrade plan")).to_have_count(0)
    screenshot(page, "64-portal-knowledge")
    assert_accessible(page)
    wait_for_scripts(page)
    page.get_by_label("Search", exact=True).fill("rotate")
    expect(page.locator("#kb-results mark").first).to_be_visible()
    page.locator("#kb-results").get_by_role("link", name="Rotating the build logs").click()
    expect(page.get_by_role("heading", name="Did this help?")).to_be_visible()
    page.get_by_label("What was missing? (optional)").fill("Where are old logs kept?")
    page.get_by_role("button", name="No", exact=True).click()
    expect(page.get_by_text("Thank you")).to_be_visible()
    answer = Feedback.objects.get(article=article)
    assert not answer.helpful and answer.comment == "Where are old logs kept?"
    assert answer.revision == 2
    page.get_by_role("button", name="Yes, it helped").click()
    expect(page.get_by_text("You answered yes")).to_be_visible()
    screenshot(page, "65-portal-knowledge-article")
    assert_accessible(page)
    with page.expect_download() as client_download:
        page.goto("/knowledge/portal/")
        page.get_by_role("link", name="Download for your intranet").click()
    assert client_download.value.suggested_filename == "acme-knowledge.zip"

    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "client", "demo")
    phone.goto(article.get_portal_url())
    expect(phone.get_by_role("heading", name="Did this help?")).to_be_visible()
    fits_a_phone(phone)
    screenshot(phone, "66-portal-knowledge-phone")
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED
