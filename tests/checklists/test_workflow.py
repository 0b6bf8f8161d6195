"""A checklist run from start to both sign-offs: results, evidence, work items, audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from psm.audit.models import AuditEntry
from psm.checklists import services
from psm.checklists.models import (
    ChecklistTemplate,
    EvidenceFile,
    Outcome,
    RunStatus,
    StepResult,
)
from psm.checklists.services import NewFile, StepSpec
from psm.engagement.models import WorkItem
from psm.testing.checklists import backup_template, checklist_for, passed_run

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)


def test_a_template_keeps_its_steps_in_order_and_saving_it_unchanged_writes_nothing(book):
    template = backup_template()
    assert [s.position for s in template.steps.all()] == [1, 2, 3, 4]
    audits = AuditEntry.objects.count()
    steps = [
        StepSpec(s.title, s.instructions, s.expected_result, s.evidence_required)
        for s in template.steps.all()
    ]
    services.save_template(book.alice, template, steps)
    assert AuditEntry.objects.count() == audits
    services.save_template(book.alice, template, list(reversed(steps)))
    assert template.steps.first().title == "Off-site copy"
    assert AuditEntry.objects.filter(action="checklist_template.update").count() == 1


def test_a_template_needs_a_step_and_a_valid_rule(book):
    with pytest.raises(ValidationError, match="at least one step"):
        services.save_template(book.alice, ChecklistTemplate(name="Empty"), [StepSpec("  ")])
    with pytest.raises(ValidationError, match="FREQ"):
        services.save_template(
            book.alice,
            ChecklistTemplate(name="Bad", default_rrule="FREQ=HOURLY"),
            [StepSpec("One")],
        )


def test_a_run_copies_the_steps_so_a_later_template_edit_leaves_it_alone(book):
    checklist = checklist_for(book.a, book.alice)
    run = services.start_run(book.alice, checklist)
    services.save_template(book.alice, checklist.template, [StepSpec("Only one step now")])
    assert run.steps.count() == 4
    assert run.steps.first().title == "Confirm last night's backup completed"


def test_only_one_run_of_a_checklist_is_under_way_at_a_time(book):
    checklist = checklist_for(book.a, book.alice)
    services.start_run(book.alice, checklist)
    with pytest.raises(ValidationError, match="already under way"):
        services.start_run(book.alice, checklist)


def test_the_psm_cannot_sign_off_with_steps_unchecked_or_evidence_missing(book):
    checklist = checklist_for(book.a, book.alice)
    run = services.start_run(book.alice, checklist)
    first = run.steps.get(position=1)
    with pytest.raises(ValidationError) as caught:
        services.psm_sign_off(book.alice, run)
    assert (
        "Step 1 (Confirm last night's backup completed) has no result yet." in caught.value.messages
    )
    for step in run.steps.all():
        services.record_step(book.alice, step, result=StepResult.PASSED)
    with pytest.raises(ValidationError) as caught:
        services.psm_sign_off(book.alice, run)
    assert caught.value.messages == [
        "Step 1 (Confirm last night's backup completed) needs evidence to pass.",
        "Step 2 (Restore a sample VOB to the test server) needs evidence to pass.",
    ]
    services.attach(book.alice, first, [NewFile("job.log", b"ok", "text/plain")])
    services.record_step(book.alice, run.steps.get(position=2), result=StepResult.NOT_APPLICABLE)
    services.psm_sign_off(book.alice, run, "All good.")
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_CLIENT
    assert run.outcome == Outcome.PASSED


def test_a_failed_step_needs_notes_and_can_open_a_work_item(book):
    checklist = checklist_for(book.a, book.alice)
    run = services.start_run(book.alice, checklist)
    step = run.steps.get(position=4)
    with pytest.raises(ValidationError, match="needs notes"):
        services.record_step(book.alice, step, result=StepResult.FAILED)
    services.record_step(book.alice, step, result=StepResult.FAILED, notes="No copy since May.")
    item = services.open_work_item(book.alice, step)
    assert item.account == book.a and item.owner == book.alice and item.is_open
    assert "No copy since May." in item.description
    step.refresh_from_db()
    assert step.work_item == item
    with pytest.raises(ValidationError, match="already has a work item"):
        services.open_work_item(book.alice, step)
    passed = run.steps.get(position=3)
    services.record_step(book.alice, passed, result=StepResult.PASSED)
    with pytest.raises(ValidationError, match="Only a failed step"):
        services.open_work_item(book.alice, passed)
    assert WorkItem.objects.filter(account=book.a).count() == 1


def test_a_run_with_a_failed_step_is_signed_off_as_failed_and_does_not_count_as_validation(
    book,
):
    checklist = checklist_for(book.a, book.alice)
    run = passed_run(checklist, book.alice, failed=(4,))
    assert run.status == RunStatus.COMPLETED and run.outcome == Outcome.FAILED
    checklist.refresh_from_db()
    assert checklist.last_validated_at is None


def test_the_client_signs_off_and_the_checklist_counts_as_validated(book, run_tasks, mailoutbox):
    with time_machine.travel(T0, tick=False):
        checklist = checklist_for(book.a, book.alice)
        run = passed_run(checklist, book.alice, stop=RunStatus.AWAITING_CLIENT)
    ask = next(m for m in mailoutbox if "please sign off" in m.subject)
    assert ask.to == ["alma@acme.example"]
    assert run.get_portal_url() in ask.body
    with time_machine.travel(datetime(2026, 3, 3, 15, tzinfo=UTC), tick=False):
        services.client_sign_off(book.contact_a, run, "Looks right.")
    run.refresh_from_db()
    checklist.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.client_signed_name == "Alma Client"
    assert run.completed_at == datetime(2026, 3, 3, 15, tzinfo=UTC)
    # Validated when the PSM signed; next: 1 September 09:00 New York (EDT) = 13:00 UTC.
    assert checklist.last_validated_at == T0
    assert checklist.next_due == datetime(2026, 9, 1, 13, tzinfo=UTC)
    actions = list(
        AuditEntry.objects.filter(account=book.a, action__startswith="checklist_run")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[0] == "checklist_run.start"
    assert actions[-2:] == ["checklist_run.psm_sign_off", "checklist_run.client_sign_off"]


def test_a_client_of_another_account_cannot_sign_and_nobody_signs_twice(book):
    checklist = checklist_for(book.a, book.alice)
    run = passed_run(checklist, book.alice, stop=RunStatus.AWAITING_CLIENT)
    with pytest.raises(ValidationError, match="another account"):
        services.client_sign_off(book.contact_b, run)
    services.client_sign_off(book.contact_a, run)
    with pytest.raises(ValidationError, match="not waiting"):
        services.client_sign_off(book.contact_a, run)


def test_the_client_can_send_a_run_back_with_a_reason(book, run_tasks, mailoutbox):
    checklist = checklist_for(book.a, book.alice)
    run = passed_run(checklist, book.alice, stop=RunStatus.AWAITING_CLIENT)
    with pytest.raises(ValidationError):
        services.client_return(book.contact_a, run, "  ")
    services.client_return(book.contact_a, run, "Step 2 restored the wrong VOB.")
    run.refresh_from_db()
    assert run.status == RunStatus.IN_PROGRESS and run.psm_signed_at is None
    back = next(m for m in mailoutbox if "came back" in m.subject)
    assert back.to == [book.alice.email] and "wrong VOB" in back.body
    # The PSM fixes it and signs again.
    services.psm_sign_off(book.alice, run, "Restored the right one.")


def test_a_closed_run_refuses_changes(book):
    checklist = checklist_for(book.a, book.alice)
    run = passed_run(checklist, book.alice)
    step = run.steps.first()
    with pytest.raises(ValidationError, match="closed"):
        services.record_step(book.alice, step, result=StepResult.FAILED, notes="late")
    with pytest.raises(ValidationError, match="closed"):
        services.remove_evidence(book.alice, EvidenceFile.objects.filter(step=step).get())


def test_an_evidence_file_name_cannot_escape_its_folder_and_size_is_limited(book, settings):
    checklist = checklist_for(book.a, book.alice)
    run = services.start_run(book.alice, checklist)
    step = run.steps.first()
    (saved,) = services.attach(book.alice, step, [NewFile("../../etc/pass\x00wd", b"x")])
    assert saved.filename == ".._.._etc_passwd"
    assert saved.file.name.startswith(f"checklists/{book.a.pk}/{run.pk}/")
    settings.PSM_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="the limit"):
        services.attach(book.alice, step, [NewFile("big.bin", b"x" * 11)])


def test_a_checklist_is_added_once_per_account_and_site(book):
    checklist_for(book.a, book.alice)
    with pytest.raises(ValidationError, match="already has"):
        services.add_checklist(book.alice, book.a, backup_template())
    with pytest.raises(ValidationError):
        services.add_checklist(book.alice, book.a, backup_template(), site=book.b.sites.get())
    at_boston = services.add_checklist(
        book.alice, book.a, backup_template(), site=book.a.sites.get()
    )
    assert at_boston.title == "Backup procedure validation (Boston)"
