"""Demo checklists for ``psm demo``: the backup-validation template, kept for Acme every six
months, with one passed run both sides signed seven and a half months ago, so its
re-validation is now overdue. Idempotent (an account that keeps it already is left alone)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from psm.accounts.models import Account
from psm.checklists import services
from psm.checklists.models import AccountChecklist, ChecklistTemplate, StepResult
from psm.checklists.services import NewFile, StepSpec

BACKUP = "Backup procedure validation"
EVERY_SIX_MONTHS = "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"
BACKUP_STEPS = [
    StepSpec(
        "Confirm last night's backup completed",
        "Open the backup console and find last night's job for every VOB server.",
        "Every job finished without errors.",
        evidence_required=True,
    ),
    StepSpec(
        "Restore a sample VOB to the test server",
        "Restore one VOB from last night's backup to the test server.",
        "The restore finishes and the VOB mounts.",
        evidence_required=True,
    ),
    StepSpec(
        "Check the restored VOB",
        "Run cleartool checkvob on the restored VOB.",
        "No errors reported.",
    ),
    StepSpec(
        "Off-site copy",
        "Confirm the weekly copy reached the off-site store.",
        "The copy is listed with this week's date.",
    ),
]
NOTES = {
    1: "All four VOB servers: job finished 02:14, no errors.",
    2: "Restored /vobs/release to vobtest01 in 38 minutes; it mounts.",
    3: "checkvob: no errors, 0 orphaned containers.",
    4: "Weekly copy listed at the off-site store, dated Sunday.",
}


def backup_template() -> ChecklistTemplate:
    existing = ChecklistTemplate.objects.filter(name=BACKUP).first()
    if existing is not None:
        return existing
    return services.save_template(
        None,
        ChecklistTemplate(
            name=BACKUP,
            description=(
                "Proves that the client's ClearCase backups can be restored: the nightly jobs, "
                "a test restore, its integrity and the off-site copy."
            ),
            default_rrule=EVERY_SIX_MONTHS,
        ),
        BACKUP_STEPS,
    )


def populate() -> dict[str, int]:
    acme = Account.objects.filter(slug="acme").first()
    template = backup_template()
    if acme is None or AccountChecklist.objects.filter(account=acme, template=template).exists():
        return {"templates": ChecklistTemplate.objects.count()}
    psm = services.primary_psm(acme)
    contact = acme.contacts.filter(user__isnull=False, is_active=True).order_by("pk").first()
    if psm is None or contact is None:
        return {"templates": ChecklistTemplate.objects.count()}
    now = timezone.now()
    started = now - timedelta(days=230)
    with transaction.atomic():
        checklist = services.add_checklist(
            psm, acme, template, rrule=EVERY_SIX_MONTHS, now=started - timedelta(days=1)
        )
        run = services.start_run(psm, checklist, now=started)
        for step in run.steps.all():
            files = (
                [
                    NewFile(
                        f"step-{step.position}-{started:%Y%m%d}.log",
                        f"{NOTES[step.position]}\n".encode(),
                        "text/plain",
                    )
                ]
                if step.evidence_required
                else []
            )
            services.record_step(
                psm,
                step,
                result=StepResult.PASSED,
                notes=NOTES[step.position],
                files=files,
                now=started + timedelta(minutes=20 * step.position),
            )
        services.psm_sign_off(
            psm,
            run,
            "Backups restore cleanly; the off-site copy is current.",
            now=started + timedelta(hours=2),
        )
        services.client_sign_off(contact, run, "Thank you.", now=started + timedelta(days=1))
    checklist.refresh_from_db()
    return {
        "templates": ChecklistTemplate.objects.count(),
        "runs": 1,
        "overdue": int(checklist.overdue_now(now)),
    }
