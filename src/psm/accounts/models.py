"""Client accounts and what the PSM must know about them: sites, contacts, environment."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from psm.lib.timezones import validate_timezone


class AccountStatus(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
    "Lower-case letters, digits and dashes (it becomes the account's e-mail address).",
)


class Account(models.Model):
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=40, unique=True, validators=[slug_validator])
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE, db_index=True
    )
    contract_start = models.DateField(null=True, blank=True)
    contract_end = models.DateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    country = models.CharField(max_length=2, help_text="ISO 3166 country code, e.g. DE")
    service_plan = models.ForeignKey(
        "coverage.ServicePlan", on_delete=models.PROTECT, related_name="accounts"
    )
    # Per-account values that win over the plan's (see coverage.ServicePlan.OVERRIDABLE).
    plan_overrides = models.JSONField(default=dict, blank=True)
    environment_notes = models.TextField(
        blank=True, help_text="What the PSM must know about the client's environment (Markdown)."
    )
    relationship_notes = models.TextField(
        blank=True, help_text="People, politics, goals: what makes the PSM part of the team."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contract_end__isnull=True)
                | models.Q(contract_start__isnull=True)
                | models.Q(contract_end__gte=models.F("contract_start")),
                name="account_contract_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("insights:account", args=[self.slug])

    def effective_plan(self) -> dict[str, Any]:
        """The plan's settings with this account's overrides applied."""
        return self.service_plan.settings_with(self.plan_overrides, account=self)


class CustomFieldKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"


class CustomField(models.Model):
    """A per-account attribute an administrator defines (e.g. "Contract number")."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=CustomFieldKind.choices, default="text")
    choices = models.JSONField(default=list, blank=True, help_text='For "choice": a list of values')
    help_text = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "label"]

    def __str__(self) -> str:
        return self.label


class CustomValue(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="custom_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "field"], name="one_value_per_custom_field")
        ]

    def __str__(self) -> str:
        return f"{self.field.label}: {self.value}"


class Site(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=120)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    address = models.TextField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    is_headquarters = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_headquarters", "name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="unique_site_name_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.account})"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Telephone"
    PAGER = "pager", "Pager"
    PORTAL = "portal", "Portal"


class Priority(models.TextChoices):
    P1 = "P1", "P1 — critical"
    P2 = "P2", "P2 — high"
    P3 = "P3", "P3 — medium"
    P4 = "P4", "P4 — low"


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    name = models.CharField(max_length=150)
    title = models.CharField(max_length=120, blank=True, help_text="Role at the client")
    phone = models.CharField(max_length=40, blank=True)
    mobile = models.CharField(max_length=40, blank=True)
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices, default="email")
    default_priority = models.CharField(max_length=2, choices=Priority.choices, default="P3")
    receives_reports = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    user = models.OneToOneField(
        "team.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["mobile"])]

    def __str__(self) -> str:
        return self.name

    @property
    def has_portal_access(self) -> bool:
        return self.user_id is not None and self.user is not None and self.user.is_active

    @property
    def primary_email(self) -> str:
        first = next(iter(self.emails.all()), None)
        return first.address if first else ""


class ContactEmail(models.Model):
    """Several addresses per contact; an address belongs to one contact in the whole system,
    so an inbound e-mail always identifies one contact and one account."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField()
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "address"]
        constraints = [
            models.UniqueConstraint(Lower("address"), name="contact_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)


class Product(models.Model):
    """The provider's product catalog (advisories and skills refer to it)."""

    name = models.CharField(max_length=120, unique=True)
    vendor = models.CharField(max_length=120, blank=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InstalledProduct(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="installs")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="installs"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="installs")
    version = models.CharField(max_length=60)
    platform = models.CharField(max_length=100, blank=True)
    users = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["product__name", "version"]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"
