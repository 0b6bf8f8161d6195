"""People: users and their roles, engineer profiles, assignments to accounts, absences."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from psm.lib import crypto
from psm.lib.timezones import validate_timezone


class Role(models.TextChoices):
    CLIENT = "client", "Client contact"
    ENGINEER = "engineer", "Engineer"
    MANAGER = "manager", "PSM manager"
    ADMIN = "admin", "Administrator"


# django-otp's Device base is untyped, so the plugin cannot name the reverse manager of
# security.RecoveryCodeDevice.user.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ENGINEER)
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], help_text="IANA zone"
    )

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p] or [self.username]
        return "".join(p[0].upper() for p in parts[:2])

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT and not self.is_superuser

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_provider_staff(self) -> bool:
        return not self.is_client


class Seniority(models.TextChoices):
    ENGINEER = "engineer", "Support engineer"
    SENIOR = "senior", "Senior support engineer"
    PRINCIPAL = "principal", "Principal support engineer"


class Engineer(models.Model):
    """The profile of a provider person who can be assigned to accounts."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="engineer")
    seniority = models.CharField(max_length=16, choices=Seniority.choices, default=Seniority.SENIOR)
    years_experience = models.PositiveSmallIntegerField(default=0)
    skills = models.ManyToManyField("accounts.Product", blank=True, related_name="engineers")
    phone = models.CharField(max_length=40, blank=True)
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    bio = models.TextField(blank=True)
    # Apprise URLs, one per line, encrypted at rest: they carry provider tokens.
    pager_targets_encrypted = models.TextField(blank=True, editable=False)

    def __str__(self) -> str:
        return self.user.display_name

    @property
    def pager_targets(self) -> list[str]:
        if not self.pager_targets_encrypted:
            return []
        return [line for line in crypto.decrypt(self.pager_targets_encrypted).splitlines() if line]

    def set_pager_targets(self, urls: list[str]) -> None:
        self.pager_targets_encrypted = crypto.encrypt("\n".join(urls)) if urls else ""

    @property
    def masked_pager_targets(self) -> list[str]:
        """What other people may see: the scheme and a hint, never the token."""
        try:
            urls = self.pager_targets
        except crypto.UnreadableSecret:
            return ["unreadable with the current key (an administrator runs psm reencrypt)"]
        masked = []
        for url in urls:
            scheme, _, rest = url.partition("://")
            masked.append(f"{scheme}://…{rest[-4:]}" if len(rest) > 8 else f"{scheme}://…")
        return masked


class AssignmentRole(models.TextChoices):
    PRIMARY = "primary", "Primary PSM"
    SUBSTITUTE = "substitute", "Substitute PSM"
    MANAGER = "manager", "PSM manager"


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def active_on(self, day: date) -> AssignmentQuerySet:
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day))

    def current(self) -> AssignmentQuerySet:
        return self.active_on(timezone.localdate())


class Assignment(models.Model):
    """An engineer's role on an account for a period; ``ends_on`` null means ongoing."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="assignments"
    )
    engineer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=16, choices=AssignmentRole.choices)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            # The database guarantees a single ongoing primary PSM per account; handing an
            # account over (services.assign) ends the old assignment in the same transaction.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(role="primary", ends_on__isnull=True),
                name="one_ongoing_primary_psm_per_account",
            ),
            models.UniqueConstraint(
                fields=["account", "engineer", "role"],
                condition=Q(ends_on__isnull=True),
                name="no_duplicate_ongoing_assignment",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["engineer", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.engineer} — {self.get_role_display()} of {self.account}"


class AbsenceQuerySet(models.QuerySet["Absence"]):
    def at(self, instant: datetime) -> AbsenceQuerySet:
        return self.filter(start__lte=instant, end__gt=instant)

    def overlapping(self, start: datetime, end: datetime) -> AbsenceQuerySet:
        return self.filter(start__lt=end, end__gt=start)


class Absence(models.Model):
    """An engineer away for [start, end); ``substitute`` covers their accounts meanwhile."""

    engineer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="absences")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    substitute = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="substitutions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="absence_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(substitute=models.F("engineer")), name="absence_substitute_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["engineer", "end"]),
            models.Index(fields=["substitute", "end"]),
        ]

    def __str__(self) -> str:
        return f"{self.engineer} away {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"
