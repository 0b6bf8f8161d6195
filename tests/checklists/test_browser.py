"""In a real browser on the demo book: the PSM sees the overdue backup validation on my day,
runs it (a failed step opens a work item, is fixed, passes), signs off; the client reads the
results in the portal and signs off; the re-validation moves on. The pages are saved as the
README's checklist screenshots."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from psm.checklists.models import AccountChecklist, ChecklistRun, RunStatus
from psm.engagement.models import WorkItem
from psm.testing.browser import (
    PHONE,
    OpenBrowser,
    assert_accessible,
    browser,
    log_in,
    screenshot,
)

__all__ = ["browser"]

pytestmark = pytest.mark.browser
TOUR_TIME = datetime(2026, 12, 3, 14, 30, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def demo(transactional_db: None) -> None:
    with time_machine.travel(TOUR_TIME, tick=False):
        call_command("demo", stdout=io.StringIO())


@time_machine.travel(TOUR_TIME, tick=True)
def test_a_psm_runs_and_signs_off_a_checklist_and_the_client_signs_in_the_portal(
    browser: OpenBrowser, demo: None, tmp_path: Path
) -> None:
    page = browser().new_page()
    log_in(page, "engineer", "demo")
    # My day: the overdue re-validation, linked to the checklist.
    overdue = page.get_by_role("link", name="Re-validate Backup procedure validation")
    expect(overdue).to_be_visible()
    overdue.click()
    expect(page.get_by_text("re-validation overdue")).to_be_visible()
    page.get_by_role("button", name="Start a run").click()
    expect(
        page.get_by_role("heading", name=re.compile("Backup procedure validation"))
    ).to_be_visible()

    evidence = tmp_path / "backup-job.log"
    evidence.write_text("vobsrv01..04: nightly job finished 02:11, 0 errors\n")
    for position in (1, 2, 3):
        step = page.locator(f"#step-{position}")
        step.get_by_label("Passed").check()
        step.get_by_label("Notes").fill(f"Checked on the call (step {position}).")
        if position in (1, 2):
            step.get_by_label("Evidence files").set_input_files(str(evidence))
        step.get_by_role("button", name=f"Save step {position}").click()
        expect(page.locator(f"#step-{position}").get_by_role("status")).to_have_text("Saved")
    expect(page.locator("#step-1").get_by_role("link", name="backup-job.log")).to_be_visible()
    expect(page.locator("#sign-off-state")).to_contain_text("Step 4 (Off-site copy) has no result")

    # The off-site copy is missing: fail it, open a work item, fix it, pass it.
    step = page.locator("#step-4")
    step.get_by_label("Failed").check()
    step.get_by_role("button", name="Save step 4").click()
    expect(page.locator("#step-4").get_by_role("alert")).to_contain_text("needs notes")
    step = page.locator("#step-4")
    step.get_by_label("Failed").check()
    step.get_by_label("Notes").fill(
        "No off-site copy since 14 November: the job points at the old store."
    )
    step.get_by_role("button", name="Save step 4").click()
    expect(page.locator("#step-4").get_by_role("status")).to_have_text("Saved")
    page.get_by_role("button", name="Open a work item to fix this").click()
    expect(page.get_by_text("Work item “Fix: Off-site copy” opened for step 4.")).to_be_visible()
    expect(page.locator("#step-4").get_by_role("link", name="Fix: Off-site copy")).to_be_visible()
    step = page.locator("#step-4")
    step.get_by_label("Passed").check()
    step.get_by_label("Notes").fill("Job re-pointed; this week's copy is at the off-site store.")
    step.get_by_role("button", name="Save step 4").click()
    expect(page.locator("#sign-off-state")).to_contain_text("4 passed, 0 failed")
    page.get_by_label("Conclusion for the client").fill(
        "Backups restore cleanly. The off-site copy had stopped; it is fixed and current."
    )
    screenshot(page, "55-checklists-run")
    assert_accessible(page)
    page.get_by_role("button", name="Sign off as PSM").click()
    expect(page.get_by_text("The client's contacts are asked to sign too.")).to_be_visible()
    run = ChecklistRun.objects.get(status=RunStatus.AWAITING_CLIENT)
    assert run.outcome == "passed" and run.psm_signed_by.username == "engineer"
    assert WorkItem.objects.filter(title="Fix: Off-site copy", account__slug="acme").exists()

    # The client: the portal home asks for the sign-off; the results with the evidence.
    portal = browser(PHONE).new_page()
    log_in(portal, "client", "demo")
    expect(portal.get_by_text("1 to sign")).to_be_visible()
    portal.get_by_role("link", name="Backup procedure validation").first.click()
    expect(portal.get_by_text("Backups restore cleanly.")).to_be_visible()
    expect(portal.get_by_role("link", name="backup-job.log").first).to_be_visible()
    assert portal.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    portal.get_by_label("Comment").fill("Thanks for catching the off-site copy.")
    screenshot(portal, "56-checklists-portal-sign-off")
    assert_accessible(portal)
    portal.get_by_role("button", name="Sign off").click()
    expect(portal.get_by_text("is signed off")).to_be_visible()
    expect(portal.get_by_text("Signed off by Alice Adams")).to_be_visible()

    # Back with the PSM: validated today, the next re-validation in six months' time.
    page.goto(AccountChecklist.objects.get(account__slug="acme").get_absolute_url())
    expect(page.get_by_text("re-validation overdue")).to_have_count(0)
    expect(page.get_by_text("Thursday 3 December 2026")).to_be_visible()
    page.goto("/accounts/acme/checklists/")
    expect(page.get_by_role("heading", name="History of runs")).to_be_visible()
    screenshot(page, "57-checklists-account")
    assert_accessible(page)

    # Every staff page of checklists fits a phone.
    phone = browser(PHONE).new_page()
    log_in(phone, "engineer", "demo")
    checklist = AccountChecklist.objects.get(account__slug="acme")
    for path in (
        "/checklists/",
        checklist.template.get_absolute_url(),
        "/accounts/acme/checklists/",
        checklist.get_absolute_url(),
        run.get_absolute_url(),
    ):
        phone.goto(path)
        expect(phone.locator("h1")).to_be_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    screenshot(phone, "58-checklists-run-phone")
