"""Checklists: templates of ordered steps (backup procedure validation…), checklists on an
account with a re-validation rule, and runs with a result per step, evidence and sign-off.

A run copies its template's steps when it starts (the snapshot rule): editing a template never
changes a run under way or one in the history."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from psm.engagement.cadence import Cadence
from psm.engagement.models.cadences import rrule_validator

DEFAULT_RRULE = "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"


class ChecklistTemplate(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, help_text="What the checklist proves, and when.")
    default_rrule = models.CharField(
        "re-validation (RRULE)",
        max_length=300,
        default=DEFAULT_RRULE,
        validators=[rrule_validator],
        help_text="What a new checklist on an account starts with, evaluated in the client's "
        "time zone, e.g. FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
    )
    is_active = models.BooleanField(
        default=True, help_text="Off: no new checklist starts from it; existing ones go on."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("checklists:template", args=[self.pk])


class TemplateStep(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    expected_result = models.TextField(blank=True)
    evidence_required = models.BooleanField(
        default=False, help_text="A passed step needs at least one evidence file."
    )

    class Meta:
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="one_step_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class AccountChecklist(models.Model):
    """A template in use on an account (and optionally one of its sites), with its
    re-validation rule; ``next_due`` and friends are kept by ``services.refresh``."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="checklists"
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="account_checklists"
    )
    site = models.ForeignKey(
        "accounts.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rrule = models.CharField(
        "re-validation (RRULE)",
        max_length=300,
        validators=[rrule_validator],
        help_text="RFC 5545, in the client's time zone (the site's when there is one).",
    )
    remind_days = models.PositiveSmallIntegerField(
        default=14, help_text="Remind the PSM this many days before a re-validation falls due."
    )
    is_active = models.BooleanField(default=True, help_text="Off: re-validation is not tracked.")
    anchor = models.DateTimeField(help_text="DTSTART of the rule: tracking began here.")
    # Time-driven state (services.refresh): the last passed, signed-off run and what follows.
    last_validated_at = models.DateTimeField(null=True, blank=True)
    next_due = models.DateTimeField(null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Which due instant a reminder / overdue notice was sent for (the sweep's claims).
    reminded_for = models.DateTimeField(null=True, blank=True)
    overdue_notified_for = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "template__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "template", "site"],
                condition=Q(site__isnull=False),
                name="one_checklist_per_site_template",
            ),
            models.UniqueConstraint(
                fields=["account", "template"],
                condition=Q(site__isnull=True),
                name="one_account_wide_checklist_per_template",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("checklists:checklist", args=[self.account.slug, self.pk])

    @property
    def title(self) -> str:
        name = self.template.name
        return f"{name} ({self.site.name})" if self.site_id and self.site else name

    @property
    def timezone(self) -> str:
        return self.site.timezone if self.site_id and self.site else self.account.timezone

    @property
    def cadence(self) -> Cadence:
        return Cadence(self.rrule, self.timezone, self.anchor)

    def overdue_now(self, now: datetime) -> bool:
        return self.is_active and self.next_due is not None and now > self.next_due

    def compute(self) -> None:
        """next_due and remind_at from the rule and the last validation."""
        if not self.is_active:
            self.next_due = self.remind_at = None
            return
        due = self.cadence.next_due(self.last_validated_at)
        self.next_due = due
        self.remind_at = due - timedelta(days=self.remind_days) if due else None


class RunStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_CLIENT = "awaiting_client", "Awaiting the client's sign-off"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class ChecklistRun(models.Model):
    checklist = models.ForeignKey(AccountChecklist, on_delete=models.CASCADE, related_name="runs")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="checklist_runs"
    )
    site = models.ForeignKey(
        "accounts.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=260, help_text="The checklist's name when it started.")
    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.IN_PROGRESS
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    summary = models.TextField(blank=True, help_text="The PSM's conclusion, shown to the client.")
    psm_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    psm_signed_at = models.DateTimeField(null=True, blank=True)
    client_signed_by = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_signed_name = models.CharField(max_length=150, blank=True)
    client_signed_at = models.DateTimeField(null=True, blank=True)
    client_comment = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return f"{self.title} {self.started_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("checklists:run", args=[self.account.slug, self.pk])

    def get_portal_url(self) -> str:
        return reverse("checklists:portal-run", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == RunStatus.IN_PROGRESS

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(StepResult.values, 0)
        for step in self.steps.all():
            found[step.result] += 1
        return found


class StepResult(models.TextChoices):
    PENDING = "pending", "Not checked yet"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RunStep(models.Model):
    run = models.ForeignKey(ChecklistRun, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    expected_result = models.TextField(blank=True)
    evidence_required = models.BooleanField(default=False)
    result = models.CharField(max_length=16, choices=StepResult.choices, default=StepResult.PENDING)
    notes = models.TextField(blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    work_item = models.ForeignKey(
        "engagement.WorkItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["run", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="one_run_step_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    run = instance.step.run
    return f"checklists/{run.account_id}/{run.pk}/{PurePath(filename).name}"


class EvidenceFile(models.Model):
    step = models.ForeignKey(RunStep, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=400)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        run = self.step.run
        return reverse("checklists:evidence", args=[run.account.slug, run.pk, self.pk])

    def get_portal_url(self) -> str:
        return reverse("checklists:portal-evidence", args=[self.step.run_id, self.pk])
