"""In a real browser, on the demo book: the PSM and the client define and preview a report,
the client finds past reports in the portal; the e-mail as a mail program shows it (its
cid: images resolved from the message's own parts) and the PDF's pages through pdftoppm.
The pictures are the README's (docs/screenshots/)."""

from __future__ import annotations

import base64
import io
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from playwright.sync_api import expect

from psm.notifications import services as outbox
from psm.reports.models import ReportDefinition, ReportRun
from psm.testing.browser import (
    PHONE,
    SCREENSHOTS,
    OpenBrowser,
    assert_accessible,
    browser,
    log_in,
    screenshot,
    wait_for_scripts,
)

__all__ = ["browser"]

pytestmark = pytest.mark.browser

# Tuesday 10 March 2026, 14:30 UTC, as the tour: Acme's archive holds January and February.
TOUR_TIME = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def demo(transactional_db: None) -> None:
    with time_machine.travel(TOUR_TIME, tick=False):
        call_command("demo", stdout=io.StringIO())


def as_mail_program_shows_it(message) -> str:
    """The HTML part with each cid: reference replaced by the image part it names."""
    html: str = (
        next(p for p in message.walk() if p.get_content_type() == "text/html")
        .get_payload(decode=True)
        .decode()
    )
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid:
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            html = html.replace(
                f"cid:{cid.strip('<>')}", f"data:{part.get_content_type()};base64,{data}"
            )
    return html


@time_machine.travel(TOUR_TIME, tick=True)
def test_define_preview_and_receive_a_report(browser: OpenBrowser, demo: None, settings) -> None:
    page = browser().new_page()
    log_in(page, "engineer", "demo")
    page.goto("/accounts/acme/reports/")
    expect(page.get_by_role("heading", name="Archive")).to_be_visible()
    expect(page.get_by_role("link", name="February 2026")).to_be_visible()
    screenshot(page, "20-reports-account")
    assert_accessible(page)

    page.get_by_role("link", name="Monthly status report").click()
    frame = page.frame_locator("#preview iframe")
    expect(frame.get_by_role("heading", name="Monthly status report")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("February 2026")
    # Take a section out: the preview follows the form.
    expect(frame.get_by_role("heading", name="Satisfaction trend")).to_be_visible()
    page.get_by_role("checkbox", name="Satisfaction trend").uncheck()
    expect(frame.get_by_role("heading", name="Satisfaction trend")).to_have_count(0)
    page.get_by_role("checkbox", name="Satisfaction trend").check()
    expect(frame.get_by_role("heading", name="Satisfaction trend")).to_be_visible()
    page.wait_for_timeout(500)  # the last preview request settles
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "21-report-definition", full_page=False)
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    log_in(page, "client", "demo")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Past reports")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").first.click()
    assert download.value.suggested_filename == "acme-2026-02.pdf"
    screenshot(page, "22-portal-reports")
    assert_accessible(page)

    # The client defines their own weekly report, with someone outside for the PSM to approve.
    page.get_by_role("link", name="New report").click()
    wait_for_scripts(page)  # the live preview is htmx's
    page.get_by_label("Name", exact=True).fill("Weekly urgent cases")
    page.get_by_label("Period", exact=True).select_option("week")
    page.get_by_role("checkbox", name="Cases opened and closed").uncheck()
    page.get_by_role("checkbox", name="SLA attainment").uncheck()
    page.get_by_label("Other addresses").fill("cio@acme-group.example")
    expect(
        page.frame_locator("#preview iframe").get_by_role("heading", name="Weekly urgent cases")
    ).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("receive it once your PSM approves them")).to_be_visible()
    weekly = ReportDefinition.objects.get(name="Weekly urgent cases")
    assert weekly.section_keys == ["open_cases", "commentary"]
    assert weekly.period_kind == "week"

    phone = browser(viewport=PHONE).new_page()
    log_in(phone, "client", "demo")
    phone.goto("/portal/reports/")
    expect(phone.get_by_role("heading", name="Past reports")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.goto(f"/portal/reports/{weekly.pk}/")
    expect(phone.get_by_role("heading", name="Weekly urgent cases")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "23-portal-report-phone", full_page=False)

    # The e-mail of February's report, as delivered through the outbox.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run = ReportRun.objects.get(period_code="2026-02")
    from psm.reports import services

    ReportRun.objects.filter(pk=run.pk).update(status="pending")
    run.refresh_from_db()
    services.send(run, "Monthly status report · Acme Manufacturing · February 2026", "text")
    outbox.deliver_due()
    (report_mail,) = [m for m in mail.outbox if m.subject.startswith("Monthly status report")][:1]
    message = report_mail.message()
    mail_page = browser(viewport={"width": 760, "height": 1600}).new_page()
    mail_page.set_content(as_mail_program_shows_it(message))
    expect(mail_page.get_by_role("heading", name="Cases opened and closed")).to_be_visible()
    mail_page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    # The top of it (the whole mail is long): what a reader sees on opening it.
    screenshot(mail_page, "24-report-email", full_page=False)

    # The PDF's pages, as pdftoppm draws them.
    pdf = SCREENSHOTS / "report.pdf"
    pdf.write_bytes(default_storage.open(run.pdf_path).read())
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "2",
            str(pdf),
            str(SCREENSHOTS / "25-report-pdf"),
        ],
        check=True,
    )
    pdf.unlink()
    assert (SCREENSHOTS / "25-report-pdf-1.png").exists()
