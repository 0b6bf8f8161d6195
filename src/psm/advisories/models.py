"""Advisories, what they say about products, which installs they match, and the PSM's work
on each (review, delivery, acknowledgement, per-install status)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    NONE = "none", "None"
    UNKNOWN = "", "Not rated"


SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "none": 4, "": 5}


class Advisory(models.Model):
    """One CSAF document (its latest revision); the raw document is kept as received."""

    tracking_id = models.CharField(max_length=200, unique=True)
    revision = models.CharField(max_length=60)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=60, blank=True)
    tlp = models.CharField(max_length=10, blank=True, help_text="TLP label, e.g. WHITE, AMBER")
    doc_status = models.CharField(max_length=20, blank=True)
    initial_release = models.DateTimeField(null=True, blank=True)
    current_release = models.DateTimeField(null=True, blank=True, db_index=True)
    cves = models.JSONField(default=list, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Highest CVSS base score")
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    notes = models.JSONField(default=list, blank=True)
    remediations = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    document = models.JSONField(help_text="The document as received (latest revision).")
    source = models.CharField(max_length=500, blank=True, help_text="File name or URL")
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-current_release", "-pk"]
        verbose_name_plural = "advisories"

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.title}"[:200]

    def get_absolute_url(self) -> str:
        return reverse("advisories:advisory", args=[self.pk])

    @property
    def restricted(self) -> bool:
        """TLP:AMBER and TLP:RED never reach a client without a person's review."""
        return self.tlp.upper() in ("AMBER", "AMBER+STRICT", "RED")

    @property
    def summary(self) -> str:
        for note in self.notes:
            if note.get("category") in ("summary", "description"):
                return str(note["text"])
        return ""


# CSAF product statuses as people read them.
STATUS_LABELS = {
    "known_affected": "affected",
    "first_affected": "first affected version",
    "last_affected": "last affected version",
    "fixed": "fixed",
    "first_fixed": "first fixed version",
    "known_not_affected": "not affected",
    "under_investigation": "under investigation",
    "recommended": "recommended version",
}


class ReviewState(models.TextChoices):
    NONE = "", "Readable"
    OPEN = "open", "Waiting for a person"
    RESOLVED = "resolved", "Read by a person"
    IGNORED = "ignored", "Ignored"


class Statement(models.Model):
    """What one vulnerability of an advisory says about one product (one status)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="statements")
    vulnerability = models.CharField(max_length=200)
    status = models.CharField(max_length=24)
    product_ref = models.CharField(max_length=400, help_text="The CSAF product id")
    full_name = models.CharField(max_length=500, blank=True)
    vendor = models.CharField(max_length=200, blank=True)
    product_name = models.CharField(max_length=300, blank=True)
    # Lower-cased keys the catalog is matched on: product name (or family), full name,
    # package URL without version, CPE part:vendor:product.
    name_key = models.CharField(max_length=300, blank=True, db_index=True)
    alt_key = models.CharField(max_length=300, blank=True, db_index=True)
    purl_key = models.CharField(max_length=300, blank=True, db_index=True)
    cpe_key = models.CharField(max_length=300, blank=True, db_index=True)
    version = models.CharField(max_length=200, blank=True)
    version_range = models.CharField(max_length=500, blank=True)
    architecture = models.CharField(max_length=100, blank=True)
    platform = models.CharField(max_length=300, blank=True)
    purl = models.CharField(max_length=400, blank=True)
    cpe = models.CharField(max_length=400, blank=True)
    remediation = models.TextField(blank=True)
    catalog_product = models.ForeignKey(
        "accounts.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advisory_statements",
    )
    # The range as matched ("vers:generic/>=9.0.0|<9.0.2.3"); "" while unreadable.
    vers = models.CharField(max_length=500, blank=True)
    unreadable = models.CharField(max_length=300, blank=True, help_text="Why it cannot be read")
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, blank=True, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["advisory", "pk"]
        indexes = [models.Index(fields=["catalog_product", "advisory"])]

    def __str__(self) -> str:
        return f"{self.advisory_id} {self.status} {self.full_name or self.product_ref}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.replace("_", " "))

    @property
    def range_text(self) -> str:
        return self.version_range or self.version or "all versions"


class MatchStatus(models.TextChoices):
    AFFECTED = "affected", "Affected"
    UNDER_INVESTIGATION = "under_investigation", "Under investigation"


class Match(models.Model):
    """An advisory is relevant to an install: kept current on import, inventory change and
    catalog change (never computed per page view)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="matches")
    install = models.ForeignKey(
        "accounts.InstalledProduct", on_delete=models.CASCADE, related_name="advisory_matches"
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="advisory_matches"
    )
    status = models.CharField(max_length=24, choices=MatchStatus.choices)
    reason = models.CharField(max_length=500)
    fixed_in = models.CharField(max_length=300, blank=True)
    matched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["advisory", "install"], name="one_match_per_install")
        ]
        indexes = [
            models.Index(fields=["account", "advisory"]),
            models.Index(fields=["install"]),
        ]

    def __str__(self) -> str:
        return self.reason


class ItemState(models.TextChoices):
    REVIEW = "review", "Waiting for review"
    DELIVERED = "delivered", "Delivered"
    NOT_RELEVANT = "not_relevant", "Marked not relevant"
    WITHDRAWN = "withdrawn", "No longer relevant"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class AccountAdvisory(models.Model):
    """One advisory for one account: the PSM's review, the delivery and the acknowledgement."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="advisory_items"
    )
    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="items")
    state = models.CharField(max_length=14, choices=ItemState.choices, db_index=True)
    client_text = models.TextField(
        blank=True, help_text="The advisory in words for this client (edited by the PSM)."
    )
    not_relevant_reason = models.TextField(blank=True)
    relevant_since = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_revision = models.CharField(max_length=60, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The next reminder while an install is still pending; cleared when none is.
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminders_sent = models.PositiveIntegerField(default=0)
    # Part of the signed acknowledgement link and checked against it.
    nonce = models.CharField(max_length=32, unique=True, default=new_nonce, editable=False)

    class Meta:
        ordering = ["-relevant_since", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "advisory"], name="one_item_per_account")
        ]
        indexes = [models.Index(fields=["account", "state"])]

    def __str__(self) -> str:
        return f"{self.advisory.tracking_id} for {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("advisories:item", args=[self.account.slug, self.pk])

    @property
    def open(self) -> bool:
        return self.state in (ItemState.REVIEW, ItemState.DELIVERED)


class InstallState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPLIED = "applied", "Applied"
    DEFERRED = "deferred", "Deferred"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class InstallAction(models.Model):
    """Per install of a delivered advisory: pending, applied, deferred until a date, or not
    applicable."""

    item = models.ForeignKey(AccountAdvisory, on_delete=models.CASCADE, related_name="actions")
    install = models.ForeignKey(
        "accounts.InstalledProduct", on_delete=models.CASCADE, related_name="advisory_actions"
    )
    state = models.CharField(
        max_length=16, choices=InstallState.choices, default=InstallState.PENDING
    )
    deferred_until = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["install__product__name", "install__version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "install"], name="one_action_per_install"),
            models.CheckConstraint(
                condition=~Q(state="deferred") | Q(deferred_until__isnull=False),
                name="deferred_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.install} {self.state}"


class AdvisoryPolicy(models.Model):
    """Per service plan: how long a delivered item may stay pending before a reminder."""

    plan = models.OneToOneField(
        "coverage.ServicePlan", on_delete=models.CASCADE, related_name="advisory_policy"
    )
    remind_after_days = models.PositiveSmallIntegerField(
        default=14, help_text="Remind when an install is still pending this many days after."
    )
    repeat_days = models.PositiveSmallIntegerField(
        default=7, help_text="Then again every this many days (0: remind once)."
    )

    class Meta:
        verbose_name_plural = "advisory policies"

    def __str__(self) -> str:
        return f"Advisories for {self.plan}"


class Feed(models.Model):
    """A provider's CSAF directory-based distribution, polled on a schedule."""

    name = models.CharField(max_length=120)
    url = models.URLField(
        max_length=500,
        help_text="provider-metadata.json of the provider, or a directory with changes.csv",
    )
    enabled = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(default=60)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Per document URL, the timestamp changes.csv gave when it was last fetched.
    seen = models.JSONField(default=dict, blank=True, editable=False)
    last_summary = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Rejection(models.Model):
    """A file that could not be imported, kept with the reason (nothing received is lost)."""

    source = models.CharField(max_length=500)
    reason = models.TextField()
    content = models.BinaryField(editable=False)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.source}: {self.reason[:80]}"


def as_dict(match: Match) -> dict[str, Any]:
    """A match as ``psm advisories relevant --json`` prints it."""
    install = match.install
    advisory = match.advisory
    return {
        "account": match.account.slug,
        "advisory": advisory.tracking_id,
        "product": install.product.name,
        "version": install.version,
        "platform": install.platform,
        "site": install.site.name if install.site else "",
        "status": match.status,
        "reason": match.reason,
        "fixed_in": match.fixed_in,
        "severity": advisory.severity,
        "cves": list(advisory.cves),
    }
