"""The checklist pages as people use them: a PSM writes a template, keeps it for an account,
runs it and signs off; the client reads the results and signs in the portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from psm.checklists import services
from psm.checklists.models import (
    AccountChecklist,
    ChecklistRun,
    ChecklistTemplate,
    EvidenceFile,
    RunStatus,
)
from psm.testing.book import login
from psm.testing.checklists import checklist_for, passed_run
from psm.testing.forms import as_post_data, post_form_of

pytestmark = pytest.mark.django_db


def _template_post(**steps: str) -> dict[str, str]:
    data = {
        "name": "Disaster recovery drill",
        "description": "Twice a year.",
        "default_rrule": "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        "is_active": "on",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, (title, position) in enumerate(steps.items()):
        data[f"steps-{i}-title"] = title.replace("_", " ")
        data[f"steps-{i}-position"] = position
    return data


def test_a_psm_writes_a_template_with_steps_in_the_order_given(book):
    client = login(book.alice)
    assert client.get("/checklists/templates/new/").status_code == 200
    response = client.post(
        "/checklists/templates/new/", _template_post(Fail_over="2", Announce="1")
    )
    template = ChecklistTemplate.objects.get(name="Disaster recovery drill")
    assert response.status_code == 302 and response["Location"] == template.get_absolute_url()
    assert [s.title for s in template.steps.all()] == ["Announce", "Fail over"]
    page = client.get(template.get_absolute_url()).content.decode()
    assert "every 6 months on the 1st at 09:00" in page


def test_a_bad_template_is_answered_with_the_reason_not_a_500(book):
    client = login(book.alice)
    bad = _template_post(One="1")
    bad["default_rrule"] = "FREQ=SECONDLY"
    page = client.post("/checklists/templates/new/", bad)
    assert page.status_code == 200 and "FREQ must be" in page.content.decode()
    empty = client.post("/checklists/templates/new/", _template_post())
    assert "at least one step" in empty.content.decode()
    assert not ChecklistTemplate.objects.exists()


def test_a_psm_adds_a_checklist_runs_it_and_signs_off(book):
    checklist_for(book.b, book.bob)  # the template exists; A keeps nothing yet
    template = ChecklistTemplate.objects.get()
    client = login(book.alice)
    response = client.post(
        f"/accounts/{book.a.slug}/checklists/add/",
        {"template": template.pk, "site": "", "rrule": "", "remind_days": "14"},
    )
    checklist = AccountChecklist.objects.get(account=book.a)
    assert response["Location"] == checklist.get_absolute_url()
    assert checklist.rrule == template.default_rrule
    started = client.post(checklist.get_absolute_url() + "start/")
    run = ChecklistRun.objects.get(checklist=checklist)
    assert started["Location"] == run.get_absolute_url()
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Restore a sample VOB to the test server" in page and "has no result yet" in page
    for step in run.steps.all():
        data: dict[str, Any] = {f"s{step.pk}-result": "passed", f"s{step.pk}-notes": "Fine."}
        if step.evidence_required:
            data[f"s{step.pk}-files"] = SimpleUploadedFile("job.log", b"OK", "text/plain")
        reply = client.post(
            f"{run.get_absolute_url()}steps/{step.pk}/", data, headers={"HX-Request": "true"}
        )
        assert reply.status_code == 200 and "Saved" in reply.content.decode()
    assert EvidenceFile.objects.filter(step__run=run).count() == 2
    signed = client.post(run.get_absolute_url() + "sign-off/", {"summary": "All restores work."})
    assert signed.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_CLIENT and run.summary == "All restores work."


def test_a_failed_step_without_notes_shows_the_reason_in_place(book):
    checklist = checklist_for(book.a, book.alice)
    run = passed_run(checklist, book.alice, stop=RunStatus.IN_PROGRESS)
    step = run.steps.get(position=4)
    reply = login(book.alice).post(
        f"{run.get_absolute_url()}steps/{step.pk}/",
        {f"s{step.pk}-result": "failed"},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 200
    assert "a failed step needs notes" in reply.content.decode()
    step.refresh_from_db()
    assert step.result == "pending"


def test_the_client_reads_the_results_and_signs_off_in_the_portal(book):
    checklist = checklist_for(book.a, book.alice)
    run = passed_run(checklist, book.alice, stop=RunStatus.AWAITING_CLIENT)
    client = login(book.client_a)
    listing = client.get("/checklists/portal/").content.decode()
    assert "Waiting for your sign-off" in listing and run.get_portal_url() in listing
    page = client.get(run.get_portal_url())
    evidence = EvidenceFile.objects.filter(step__run=run).first()
    assert evidence.get_portal_url() in page.content.decode()
    download = client.get(evidence.get_portal_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"job 42: completed OK\n"
    assert "sandbox" in download["Content-Security-Policy"]
    form = post_form_of(page.content.decode(), run.get_portal_url())
    data = as_post_data(form) | {"comment": "Agreed.", "action": "sign"}
    assert client.post(form.action, data).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.client_signed_name == "Alma Client"


def test_a_client_never_sees_a_run_still_under_way_nor_another_accounts(book):
    mine = checklist_for(book.a, book.alice)
    under_way = passed_run(mine, book.alice, stop=RunStatus.IN_PROGRESS)
    theirs = passed_run(checklist_for(book.b, book.bob), book.bob, stop=RunStatus.AWAITING_CLIENT)
    client = login(book.client_a)
    assert client.get(f"/checklists/portal/runs/{under_way.pk}/").status_code == 404
    assert client.get(theirs.get_portal_url()).status_code == 404
    foreign = EvidenceFile.objects.filter(step__run=theirs).first()
    assert (
        client.get(f"/checklists/portal/runs/{theirs.pk}/evidence/{foreign.pk}/").status_code == 404
    )
    # Through their own run's address: the file must be on that run.
    services.cancel_run(book.alice, under_way)
    shown = passed_run(mine, book.alice, stop=RunStatus.AWAITING_CLIENT)
    assert (
        client.get(f"/checklists/portal/runs/{shown.pk}/evidence/{foreign.pk}/").status_code == 404
    )


def test_an_engineer_without_the_account_gets_404_and_a_client_403_on_staff_pages(book):
    run = passed_run(checklist_for(book.a, book.alice), book.alice, stop=RunStatus.IN_PROGRESS)
    assert login(book.dana).get(run.get_absolute_url()).status_code == 404
    assert login(book.client_a).get(run.get_absolute_url()).status_code == 403
    assert login(book.client_a).get("/checklists/").status_code == 403


def test_the_account_tab_and_home_show_history_and_due_dates(book):
    checklist = checklist_for(book.a, book.alice)
    passed_run(checklist, book.alice)
    client = login(book.alice)
    tab = client.get(f"/accounts/{book.a.slug}/checklists/").content.decode()
    assert "History of runs" in tab and "Completed" in tab and "Passed" in tab
    assert client.get("/checklists/").status_code == 200
    assert client.get(checklist.get_absolute_url()).status_code == 200


def test_account_360_and_the_portal_home_carry_a_checklists_card(book):
    checklist = checklist_for(book.a, book.alice)
    passed_run(checklist, book.alice, stop=RunStatus.AWAITING_CLIENT)
    staff = login(book.alice).get(book.a.get_absolute_url()).content.decode()
    assert 'id="chk-h"' in staff and checklist.get_absolute_url() in staff
    home = login(book.client_a).get("/portal/").content.decode()
    assert "1 to sign" in home and "your PSM signed off, please review and sign" in home
    assert "Globex" not in home


def test_bad_input_gets_a_clear_answer_never_a_500(book):
    checklist = checklist_for(book.a, book.alice)
    run = passed_run(checklist, book.alice, stop=RunStatus.IN_PROGRESS)
    step = run.steps.first()
    staff = login(book.alice)
    assert staff.get("/checklists/templates/999999/").status_code == 404
    bogus = staff.post(
        f"{run.get_absolute_url()}steps/{step.pk}/",
        {f"s{step.pk}-result": "maybe", f"s{step.pk}-notes": "\x00"},
        follow=True,
    )
    assert bogus.status_code == 200 and "Select a valid choice" in bogus.content.decode()
    early = staff.post(run.get_absolute_url() + "sign-off/", {"summary": "x"}, follow=True)
    assert "has no result yet" in early.content.decode()
    bad_rule = staff.post(
        checklist.get_absolute_url() + "edit/",
        {"rrule": "FREQ=WEEKLY;COUNT=3", "remind_days": "14", "is_active": "on"},
    )
    assert bad_rule.status_code == 200 and "remove COUNT" in bad_rule.content.decode()
    again = staff.post(checklist.get_absolute_url() + "start/", follow=True)
    assert "already under way" in again.content.decode()
    # The client: a run not handed over yet, then one already signed.
    client = login(book.client_a)
    assert client.post(run.get_portal_url(), {"action": "sign"}).status_code == 404
    services.cancel_run(book.alice, run)
    done = passed_run(checklist, book.alice)
    page = client.post(done.get_portal_url(), {"action": "sign", "comment": "again"})
    assert page.status_code == 200 and "not waiting for your sign-off" in page.content.decode()
    back = client.post(done.get_portal_url(), {"action": "return", "comment": ""})
    assert back.status_code == 200
