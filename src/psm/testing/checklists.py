"""Test helpers for checklists: the backup-validation template, a checklist on an account, a
run carried to any point, and account B's objects for the URL walker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psm.accounts.models import Account
from psm.checklists import services
from psm.checklists.demo import BACKUP_STEPS
from psm.checklists.models import (
    AccountChecklist,
    ChecklistRun,
    ChecklistTemplate,
    EvidenceFile,
    RunStatus,
    StepResult,
)
from psm.checklists.services import NewFile
from psm.testing.book import Book


def backup_template(name: str = "Backup procedure validation") -> ChecklistTemplate:
    existing = ChecklistTemplate.objects.filter(name=name).first()
    if existing is not None:
        return existing
    return services.save_template(
        None,
        ChecklistTemplate(
            name=name,
            description="Proves that the client's backups can be restored.",
            default_rrule="FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
        ),
        BACKUP_STEPS,
    )


def checklist_for(
    account: Account, actor: Any = None, *, rrule: str = "", now: datetime | None = None
) -> AccountChecklist:
    existing = AccountChecklist.objects.filter(account=account, site=None).first()
    if existing is not None:
        return existing
    return services.add_checklist(actor, account, backup_template(), rrule=rrule, now=now)


def passed_run(
    checklist: AccountChecklist,
    psm: Any,
    *,
    stop: str = RunStatus.COMPLETED,
    now: datetime | None = None,
    failed: tuple[int, ...] = (),
) -> ChecklistRun:
    """A run of ``checklist`` with every step passed (``failed`` positions failed), evidence
    where required, carried up to ``stop`` (in progress, awaiting the client, completed)."""
    run = services.start_run(psm, checklist, now=now)
    if stop == RunStatus.IN_PROGRESS:
        return run
    for step in run.steps.all():
        files = (
            [NewFile(f"step-{step.position}.log", b"job 42: completed OK\n", "text/plain")]
            if step.evidence_required
            else []
        )
        if step.position in failed:
            services.record_step(
                psm, step, result=StepResult.FAILED, notes="The copy is missing.", now=now
            )
        else:
            services.record_step(psm, step, result=StepResult.PASSED, files=files, now=now)
    services.psm_sign_off(psm, run, "Restores work.", now=now)
    if stop == RunStatus.AWAITING_CLIENT:
        return run
    contact = checklist.account.contacts.filter(user__isnull=False).first()
    return services.client_sign_off(contact, run, "Thanks.", now=now)


def foreign_checklist(book: Book) -> AccountChecklist:
    return checklist_for(book.b, book.bob)


def foreign_run(book: Book) -> ChecklistRun:
    """A run of account B waiting for B's sign-off (what B's client may open)."""
    checklist = foreign_checklist(book)
    existing = checklist.runs.first()
    if existing is not None:
        return existing
    return passed_run(checklist, book.bob, stop=RunStatus.AWAITING_CLIENT)


def foreign_step_id(book: Book) -> int:
    return foreign_run(book).steps.order_by("position").values_list("pk", flat=True)[0]


def foreign_evidence(book: Book) -> EvidenceFile:
    return EvidenceFile.objects.filter(step__run=foreign_run(book)).order_by("pk")[0]
