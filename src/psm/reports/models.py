"""Report definitions (what, for which period, when, to whom), their recipients, and the
archive of every run.

``next_run_at`` (indexed) is the definition's next scheduled instant; the sweep claims a
definition's period by moving it on with a conditional UPDATE and writes one ``ReportRun``
per (definition, period) — a unique constraint, so two schedulers never make two runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse


class PeriodKind(models.TextChoices):
    WEEK = "week", "Week (Monday to Sunday)"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    CUSTOM = "custom", "Custom: the last N days"


class ReleaseMode(models.TextChoices):
    AUTOMATIC = "automatic", "Send automatically"
    HOLD = "hold", "Hold for the PSM's commentary and release"


class ReportDefinition(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="report_definitions"
    )
    name = models.CharField(max_length=120)
    is_default = models.BooleanField(
        default=False, help_text="Used by `psm reports run` when no definition is named."
    )
    # [{"key": "cases", "options": {...}}, ...] in the order they appear (psm.reports.sections).
    sections = models.JSONField(default=list)
    period_kind = models.CharField(
        max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    custom_days = models.PositiveSmallIntegerField(
        default=30, help_text="For a custom period: how many days before the run it covers."
    )
    schedule = models.CharField(
        "schedule (RRULE)",
        max_length=300,
        help_text="RFC 5545, in the client's time zone, e.g. FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;"
        "BYMINUTE=0 (the first Monday of each month at 09:00).",
    )
    release_mode = models.CharField(
        max_length=10, choices=ReleaseMode.choices, default=ReleaseMode.AUTOMATIC
    )
    release_within_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Held reports: remind the PSM if not released within this time."
    )
    is_active = models.BooleanField(default=True, help_text="Paused definitions send nothing.")
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="report_name_per_account"),
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_default=True), name="one_default_report"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "next_run_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.account})"

    def get_absolute_url(self) -> str:
        return reverse("reports:definition", args=[self.account.slug, self.pk])

    @property
    def section_keys(self) -> list[str]:
        return [str(s.get("key")) for s in self.sections]


class ReportRecipient(models.Model):
    """A contact of the account, or an outside address that waits for the PSM's approval."""

    definition = models.ForeignKey(
        ReportDefinition, on_delete=models.CASCADE, related_name="recipients"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(blank=True, help_text="Outside addresses only.")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact__isnull=False) & Q(email=""))
                | (Q(contact__isnull=True) & ~Q(email="")),
                name="recipient_contact_or_address",
            ),
            models.UniqueConstraint(
                fields=["definition", "contact"],
                condition=Q(contact__isnull=False),
                name="recipient_contact_once",
            ),
            models.UniqueConstraint(
                "definition",
                Lower("email"),
                condition=~Q(email=""),
                name="recipient_address_once",
            ),
        ]

    def __str__(self) -> str:
        return self.contact.name if self.contact else self.email

    @property
    def is_outside(self) -> bool:
        return self.contact_id is None

    @property
    def is_approved(self) -> bool:
        return self.contact_id is not None or self.approved_at is not None


class RunStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    HELD = "held", "Waiting for the PSM's commentary"
    RELEASING = "releasing", "Released, being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Run now"


def archive_path(run: ReportRun, name: str) -> str:
    return f"reports/{run.account_id}/{run.pk}/{name}"


class ReportRun(models.Model):
    """One report for one period: the data it was drawn from, its HTML and PDF, who got it."""

    definition = models.ForeignKey(
        ReportDefinition, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="report_runs"
    )
    name = models.CharField(max_length=120, help_text="The definition's name at the time.")
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices, default="schedule")
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_code = models.CharField(max_length=30)
    period_label = models.CharField(max_length=80)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING, db_index=True
    )
    release_mode = models.CharField(max_length=10, choices=ReleaseMode.choices)
    # The data the report is drawn from (psm.reports.gather) and the branding it wore: the
    # archive re-renders the same report from these two.
    data = models.JSONField(default=dict, blank=True)
    brand = models.JSONField(default=dict, blank=True)
    # Files in the default storage under reports/<account>/<run>/ (report.html, report.pdf,
    # report.json, email.html, chart-N.png); blank until rendered.
    html_path = models.CharField(max_length=300, blank=True)
    pdf_path = models.CharField(max_length=300, blank=True)
    json_path = models.CharField(max_length=300, blank=True)
    email_path = models.CharField(max_length=300, blank=True)
    images = models.JSONField(default=list, blank=True, help_text="[{cid, path}] for the e-mail")
    pdf_bytes = models.PositiveIntegerField(default=0)
    commentary = models.TextField(blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True, help_text="Addresses it was sent to")
    withheld = models.JSONField(
        default=list, blank=True, help_text="Recipients left out at send time, with the reason"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "period_start", "period_end"],
                condition=Q(definition__isnull=False),
                name="one_run_per_definition_period",
            )
        ]
        indexes = [models.Index(fields=["account", "-period_start"])]

    def __str__(self) -> str:
        return f"{self.name} · {self.period_label}"

    @property
    def is_rendered(self) -> bool:
        return bool(self.pdf_path)
