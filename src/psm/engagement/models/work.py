"""Work items (assignments beyond support cases) and advocacy items (issues the PSM champions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class WorkItemType(models.TextChoices):
    PLANNING = "planning", "Planning"
    TESTING = "testing", "Testing"
    IMPLEMENTING = "implementing", "Implementing"
    SUPPORTING = "supporting", "Supporting"
    CUSTOMIZING = "customizing", "Customizing"


class WorkItemStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_WORK = (
    WorkItemStatus.PROPOSED,
    WorkItemStatus.PLANNED,
    WorkItemStatus.IN_PROGRESS,
    WorkItemStatus.ON_HOLD,
)


class WorkItem(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="work_items"
    )
    type = models.CharField(max_length=16, choices=WorkItemType.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=WorkItemStatus.choices, default=WorkItemStatus.PLANNED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_items"
    )
    requested_by = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [models.F("due_on").asc(nulls_last=True), "pk"]
        indexes = [models.Index(fields=["account", "status"]), models.Index(fields=["owner"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("engagement:work-item", args=[self.account.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WORK

    def progress(self) -> tuple[int, int]:
        milestones = list(self.milestones.all())
        return sum(1 for m in milestones if m.done_on), len(milestones)


class Milestone(models.Model):
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = [models.F("due_on").asc(nulls_last=True), "pk"]

    def __str__(self) -> str:
        return self.title


class ProgressNote(models.Model):
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()
    # Set when the note was written while reviewing the item at a check-in.
    touchpoint = models.ForeignKey(
        "engagement.Touchpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_item_notes",
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]


class AdvocacyKind(models.TextChoices):
    DEFECT = "defect", "Defect"
    ENHANCEMENT = "enhancement", "Enhancement request"


class AdvocacyPriority(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class AdvocacyStatus(models.TextChoices):
    RAISED = "raised", "Raised with development"
    ACCEPTED = "accepted", "Accepted"
    SCHEDULED = "scheduled", "Scheduled for a release"
    DELIVERED = "delivered", "Delivered"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_ADVOCACY = (AdvocacyStatus.RAISED, AdvocacyStatus.ACCEPTED, AdvocacyStatus.SCHEDULED)


class AdvocacyItem(models.Model):
    """An internal defect or enhancement the PSM pushes for on the client's behalf."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="advocacy_items"
    )
    kind = models.CharField(max_length=16, choices=AdvocacyKind.choices)
    title = models.CharField(max_length=200)
    internal_ref = models.CharField(
        "internal reference",
        max_length=60,
        db_index=True,
        help_text="The defect or enhancement number in the development tracker, e.g. DEF-10442.",
    )
    business_impact = models.TextField(help_text="In the client's own words.")
    priority = models.CharField(
        max_length=10, choices=AdvocacyPriority.choices, default=AdvocacyPriority.HIGH
    )
    priority_argument = models.TextField(
        blank=True, help_text="Why the PSM argues for this priority."
    )
    status = models.CharField(
        max_length=12, choices=AdvocacyStatus.choices, default=AdvocacyStatus.RAISED
    )
    target_release = models.CharField(max_length=60, blank=True)
    cases = models.ManyToManyField(
        "cases.Case", blank=True, related_name="advocacy_items", help_text="Cases it came from."
    )
    related_cases = models.CharField(
        "other references",
        max_length=200,
        blank=True,
        help_text="Case numbers outside PSM (e.g. basic support), comma-separated.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="advocacy_items"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return f"{self.internal_ref}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("engagement:advocacy-item", args=[self.account.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ADVOCACY


class AdvocacyUpdate(models.Model):
    item = models.ForeignKey(AdvocacyItem, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()
    status = models.CharField(max_length=12, choices=AdvocacyStatus.choices)
    target_release = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]
