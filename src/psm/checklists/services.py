"""Checklist services: templates, checklists on accounts, runs from start to both sign-offs.

Every change is one function that writes, audits and (where someone must act) notifies in one
transaction. Views parse input, check permission and call one of these."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from psm.accounts.models import Account, Contact, Site
from psm.audit.models import record
from psm.checklists.models import (
    AccountChecklist,
    ChecklistRun,
    ChecklistTemplate,
    EvidenceFile,
    Outcome,
    RunStatus,
    RunStep,
    StepResult,
    TemplateStep,
)
from psm.engagement.cadence import RuleError, validate_rule
from psm.engagement.mail import send_email
from psm.engagement.models import WorkItem, WorkItemType
from psm.engagement.services.work import create_work_item
from psm.lib.forms import megabytes, upload_limit
from psm.team.models import Assignment, AssignmentRole, User

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StepSpec:
    title: str
    instructions: str = ""
    expected_result: str = ""
    evidence_required: bool = False


@dataclass(frozen=True)
class NewFile:
    filename: str
    content: bytes
    content_type: str = ""


def _rule(text: str) -> str:
    try:
        return validate_rule(text)
    except RuleError as exc:
        raise ValidationError({"rrule": str(exc)}) from None


# --- templates ----------------------------------------------------------------------------


def save_template(
    actor: User | None, template: ChecklistTemplate, steps: Sequence[StepSpec]
) -> ChecklistTemplate:
    """Create or update a template with exactly ``steps``, in that order. Runs already
    started keep the steps they copied."""
    steps = [s for s in steps if s.title.strip()]
    if not steps:
        raise ValidationError("A checklist needs at least one step.")
    template.default_rrule = _rule(template.default_rrule)
    template.full_clean()
    created = template.pk is None
    wanted = [
        (s.title.strip(), s.instructions.strip(), s.expected_result.strip(), s.evidence_required)
        for s in steps
    ]
    with transaction.atomic():
        before = (
            list(
                template.steps.order_by("position").values_list(
                    "title", "instructions", "expected_result", "evidence_required"
                )
            )
            if not created
            else []
        )
        changed_fields = created or _template_changed(template)
        if not changed_fields and before == wanted:
            return template
        template.save()
        if before != wanted:
            template.steps.all().delete()
            TemplateStep.objects.bulk_create(
                TemplateStep(
                    template=template,
                    position=i,
                    title=title[:200],
                    instructions=instructions,
                    expected_result=expected,
                    evidence_required=evidence,
                )
                for i, (title, instructions, expected, evidence) in enumerate(wanted, start=1)
            )
        record(
            actor,
            "checklist_template.create" if created else "checklist_template.update",
            template,
            changes={"name": template.name, "steps": len(wanted)},
        )
    return template


def _template_changed(template: ChecklistTemplate) -> bool:
    stored = ChecklistTemplate.objects.filter(pk=template.pk).values(
        "name", "description", "default_rrule", "is_active"
    )[0]
    return any(getattr(template, k) != v for k, v in stored.items())


# --- checklists on an account -------------------------------------------------------------


def add_checklist(
    actor: User | None,
    account: Account,
    template: ChecklistTemplate,
    *,
    site: Site | None = None,
    rrule: str = "",
    remind_days: int = 14,
    now: datetime | None = None,
) -> AccountChecklist:
    now = now or timezone.now()
    if site is not None and site.account_id != account.pk:
        raise ValidationError({"site": "That site belongs to another account."})
    if AccountChecklist.objects.filter(account=account, template=template, site=site).exists():
        where = f" at {site.name}" if site else ""
        raise ValidationError(f"{account.name} already has “{template.name}”{where}.")
    checklist = AccountChecklist(
        account=account,
        template=template,
        site=site,
        rrule=_rule(rrule or template.default_rrule),
        remind_days=remind_days,
        anchor=now,
    )
    with transaction.atomic():
        checklist.compute()
        checklist.save()
        record(
            actor,
            "checklist.add",
            checklist,
            account=account,
            changes={"template": template.name, "rrule": checklist.rrule},
        )
    return checklist


def update_checklist(
    actor: User | None, checklist: AccountChecklist, **changes: Any
) -> AccountChecklist:
    """Change the rule, reminder lead or tracking; saved unchanged, nothing happens."""
    if "rrule" in changes:
        changes["rrule"] = _rule(changes["rrule"])
    before = {name: getattr(checklist, name) for name in changes}
    diff = {n: [before[n], v] for n, v in changes.items() if before[n] != v}
    if not diff:
        return checklist
    with transaction.atomic():
        for name, value in changes.items():
            setattr(checklist, name, value)
        checklist.compute()
        checklist.save()
        record(actor, "checklist.update", checklist, account=checklist.account, changes=diff)
    return checklist


def remove_checklist(actor: User | None, checklist: AccountChecklist) -> None:
    if checklist.runs.exists():
        raise ValidationError(
            "This checklist has runs in its history: stop tracking it instead of removing it."
        )
    with transaction.atomic():
        record(actor, "checklist.remove", checklist, account=checklist.account)
        checklist.delete()


def last_validated(checklist: AccountChecklist) -> datetime | None:
    """When the checklist last passed and both sides signed: the PSM's sign-off time."""
    found: datetime | None = checklist.runs.filter(
        status=RunStatus.COMPLETED, outcome=Outcome.PASSED
    ).aggregate(at=Max("psm_signed_at"))["at"]
    return found


def refresh(checklist: AccountChecklist) -> AccountChecklist:
    """Bring next_due in line with the runs (after a sign-off, an edit, or the sweep)."""
    checklist.last_validated_at = last_validated(checklist)
    try:
        checklist.compute()
    except RuleError:
        # A rule that no longer evaluates (a zone removed…) stops tracking, not the sweep.
        checklist.next_due = checklist.remind_at = None
    checklist.save(update_fields=["last_validated_at", "next_due", "remind_at"])
    return checklist


# --- runs -----------------------------------------------------------------------------------


def _open(run: ChecklistRun) -> None:
    if run.status != RunStatus.IN_PROGRESS:
        raise ValidationError(f"This run is {run.get_status_display().lower()}: it is closed.")


def start_run(
    actor: User, checklist: AccountChecklist, *, now: datetime | None = None
) -> ChecklistRun:
    """A new run with the template's current steps copied onto it."""
    now = now or timezone.now()
    steps = list(checklist.template.steps.order_by("position"))
    if not steps:
        raise ValidationError("The template has no steps yet.")
    with transaction.atomic():
        # One run under way per checklist: the checklist's row makes two starts take turns.
        locked = AccountChecklist.objects.select_for_update().get(pk=checklist.pk)
        if locked.runs.filter(status__in=[RunStatus.IN_PROGRESS, RunStatus.AWAITING_CLIENT]):
            raise ValidationError("A run of this checklist is already under way: finish it first.")
        run = ChecklistRun.objects.create(
            checklist=checklist,
            account=checklist.account,
            site=checklist.site,
            title=checklist.title,
            started_by=actor,
            started_at=now,
        )
        RunStep.objects.bulk_create(
            RunStep(
                run=run,
                position=s.position,
                title=s.title,
                instructions=s.instructions,
                expected_result=s.expected_result,
                evidence_required=s.evidence_required,
            )
            for s in steps
        )
        record(actor, "checklist_run.start", run, account=run.account, changes={"title": run.title})
    return run


def attach(actor: User, step: RunStep, files: Sequence[NewFile]) -> list[EvidenceFile]:
    _open(step.run)
    limit = upload_limit()
    saved = []
    with transaction.atomic():
        for f in files:
            if len(f.content) > limit:
                raise ValidationError(
                    f"{f.filename} is {megabytes(len(f.content))}; the limit is {megabytes(limit)}."
                )
            name = _CONTROL.sub("", f.filename).replace("/", "_").replace("\\", "_")[:200]
            name = name.strip() or "evidence"
            content_type = _CONTROL.sub("", f.content_type)[:150]
            evidence = EvidenceFile(
                step=step,
                filename=name,
                content_type=content_type or "application/octet-stream",
                size=len(f.content),
                uploaded_by=actor,
            )
            evidence.file.save(name, ContentFile(f.content), save=False)
            evidence.save()
            saved.append(evidence)
        if saved:
            record(
                actor,
                "checklist_run.evidence",
                step.run,
                account=step.run.account,
                changes={"step": step.position, "files": [e.filename for e in saved]},
            )
    return saved


def remove_evidence(actor: User, evidence: EvidenceFile) -> None:
    step = evidence.step
    _open(step.run)
    with transaction.atomic():
        record(
            actor,
            "checklist_run.evidence.remove",
            step.run,
            account=step.run.account,
            changes={"step": step.position, "file": evidence.filename},
        )
        evidence.file.delete(save=False)
        evidence.delete()


def record_step(
    actor: User,
    step: RunStep,
    *,
    result: str,
    notes: str = "",
    files: Sequence[NewFile] = (),
    now: datetime | None = None,
) -> RunStep:
    """A step's result and notes (and any evidence given with them)."""
    _open(step.run)
    if result not in StepResult.values:
        raise ValidationError({"result": f"Unknown result {result!r}."})
    notes = notes.replace("\x00", "").strip()
    if result == StepResult.FAILED and not notes:
        raise ValidationError({"notes": "Say what went wrong: a failed step needs notes."})
    with transaction.atomic():
        if files:
            attach(actor, step, files)
        changed = (step.result, step.notes) != (result, notes)
        if changed:
            before = step.result
            step.result = result
            step.notes = notes
            step.checked_by = actor if result != StepResult.PENDING else None
            step.checked_at = (now or timezone.now()) if result != StepResult.PENDING else None
            step.save(update_fields=["result", "notes", "checked_by", "checked_at"])
            record(
                actor,
                "checklist_run.step",
                step.run,
                account=step.run.account,
                changes={"step": step.position, "result": [before, result]},
            )
    return step


def primary_psm(account: Account) -> User | None:
    found = (
        Assignment.objects.current()
        .filter(account=account, role=AssignmentRole.PRIMARY)
        .select_related("engineer")
        .order_by("starts_on")
        .first()
    )
    return found.engineer if found else None


def open_work_item(actor: User, step: RunStep) -> WorkItem:
    """A work item to fix what a failed step found (engagement's work items), linked back."""
    run = step.run
    if step.result != StepResult.FAILED:
        raise ValidationError("Only a failed step opens a work item.")
    if step.work_item_id is not None:
        raise ValidationError("This step already has a work item.")
    owner = actor if actor.is_provider_staff else primary_psm(run.account)
    if owner is None:
        raise ValidationError("The account has no PSM to own the work item.")
    description = (
        f"Step {step.position} of “{run.title}” failed on {run.started_at:%Y-%m-%d}.\n\n"
        f"Expected: {step.expected_result or '—'}\n\nFound: {step.notes}"
    )
    with transaction.atomic():
        item = create_work_item(
            actor,
            run.account,
            type=WorkItemType.SUPPORTING,
            title=f"Fix: {step.title}"[:200],
            description=description,
            owner=owner,
        )
        step.work_item = item
        step.save(update_fields=["work_item"])
        record(
            actor,
            "checklist_run.work_item",
            run,
            account=run.account,
            changes={"step": step.position, "work_item": item.pk},
        )
    return item


def problems(run: ChecklistRun) -> list[str]:
    """What stops the PSM signing off, in words (empty: ready)."""
    found = []
    for step in run.steps.all().prefetch_related("evidence"):
        if step.result == StepResult.PENDING:
            found.append(f"Step {step.position} ({step.title}) has no result yet.")
        elif (
            step.result == StepResult.PASSED and step.evidence_required and not step.evidence.all()
        ):
            found.append(f"Step {step.position} ({step.title}) needs evidence to pass.")
    return found


def portal_contacts(account: Account) -> list[Contact]:
    return list(
        Contact.objects.filter(
            account=account, is_active=True, user__isnull=False, user__is_active=True
        )
        .prefetch_related("emails")
        .order_by("name")
    )


def psm_sign_off(
    actor: User, run: ChecklistRun, summary: str = "", *, now: datetime | None = None
) -> ChecklistRun:
    """The PSM signs the run off; it then waits for a client contact in the portal."""
    _open(run)
    if not actor.is_provider_staff:
        raise ValidationError("Only the provider's staff sign off as the PSM.")
    found = problems(run)
    if found:
        raise ValidationError(found)
    now = now or timezone.now()
    failed = run.steps.filter(result=StepResult.FAILED).exists()
    with transaction.atomic():
        claimed = ChecklistRun.objects.filter(pk=run.pk, status=RunStatus.IN_PROGRESS).update(
            status=RunStatus.AWAITING_CLIENT,
            outcome=Outcome.FAILED if failed else Outcome.PASSED,
            summary=summary.replace("\x00", "").strip(),
            psm_signed_by=actor,
            psm_signed_at=now,
        )
        if not claimed:
            raise ValidationError("This run was signed off a moment ago.")
        run.refresh_from_db()
        record(
            actor,
            "checklist_run.psm_sign_off",
            run,
            account=run.account,
            changes={"outcome": run.outcome},
        )
        _ask_client(run)
    return run


def _ask_client(run: ChecklistRun) -> None:
    people = portal_contacts(run.account)
    if not people:
        return
    url = f"{settings.BASE_URL}{run.get_portal_url()}"
    signer = run.psm_signed_by.display_name if run.psm_signed_by else "Your PSM"
    body = (
        f"{signer} has completed “{run.title}” for {run.account.name}: "
        f"{run.get_outcome_display().lower()}.\n\n"
        f"{run.summary + chr(10) + chr(10) if run.summary else ''}"
        f"Please review the results and sign off in the portal:\n{url}\n"
    )
    send_email(
        f"checklists:sign-off:{run.pk}:{run.psm_signed_at:%Y%m%d%H%M%S}",
        [c.primary_email for c in people if c.primary_email],
        f"{run.account.name}: please sign off “{run.title}”",
        body,
    )


def client_sign_off(
    contact: Contact, run: ChecklistRun, comment: str = "", *, now: datetime | None = None
) -> ChecklistRun:
    """A client contact signs the run off in the portal: the run is complete, and a passed
    one is the checklist's new validation (its next re-validation moves on)."""
    if contact.account_id != run.account_id:
        raise ValidationError("This run belongs to another account.")
    if run.status != RunStatus.AWAITING_CLIENT:
        raise ValidationError("This run is not waiting for your sign-off.")
    now = now or timezone.now()
    with transaction.atomic():
        claimed = ChecklistRun.objects.filter(pk=run.pk, status=RunStatus.AWAITING_CLIENT).update(
            status=RunStatus.COMPLETED,
            client_signed_by=contact,
            client_signed_name=contact.name,
            client_signed_at=now,
            client_comment=comment.replace("\x00", "").strip(),
            completed_at=now,
        )
        if not claimed:
            raise ValidationError("This run was signed off a moment ago.")
        run.refresh_from_db()
        record(
            contact.user,
            "checklist_run.client_sign_off",
            run,
            account=run.account,
            changes={"contact": contact.name},
        )
        refresh(run.checklist)
    return run


def client_return(contact: Contact, run: ChecklistRun, comment: str) -> ChecklistRun:
    """The client does not sign: the run goes back to the PSM with the reason."""
    if contact.account_id != run.account_id:
        raise ValidationError("This run belongs to another account.")
    if run.status != RunStatus.AWAITING_CLIENT:
        raise ValidationError("This run is not waiting for your sign-off.")
    comment = comment.replace("\x00", "").strip()
    if not comment:
        raise ValidationError({"comment": "Tell your PSM what needs another look."})
    with transaction.atomic():
        claimed = ChecklistRun.objects.filter(pk=run.pk, status=RunStatus.AWAITING_CLIENT).update(
            status=RunStatus.IN_PROGRESS,
            outcome="",
            psm_signed_by=None,
            psm_signed_at=None,
            client_comment=comment,
        )
        if not claimed:
            raise ValidationError("This run changed a moment ago.")
        run.refresh_from_db()
        record(
            contact.user,
            "checklist_run.client_return",
            run,
            account=run.account,
            changes={"comment": comment[:200]},
        )
        owner = run.started_by or primary_psm(run.account)
        if owner is not None:
            send_email(
                f"checklists:returned:{run.pk}:{timezone.now():%Y%m%d%H%M%S}",
                [owner.email],
                f"{run.account.name}: “{run.title}” came back from {contact.name}",
                f"{contact.name} did not sign off “{run.title}”:\n\n{comment}\n\n"
                f"{settings.BASE_URL}{run.get_absolute_url()}\n",
            )
    return run


def cancel_run(actor: User, run: ChecklistRun) -> ChecklistRun:
    if run.status not in (RunStatus.IN_PROGRESS, RunStatus.AWAITING_CLIENT):
        raise ValidationError("Only a run under way can be cancelled.")
    with transaction.atomic():
        run.status = RunStatus.CANCELLED
        run.save(update_fields=["status"])
        record(actor, "checklist_run.cancel", run, account=run.account)
    return run
