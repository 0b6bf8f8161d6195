from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from psm.accounts.models import Account, Contact, ContactEmail, Site
from psm.coverage.models import ServicePlan
from psm.lib.forms import DateInput
from psm.lib.timezones import timezone_choices
from psm.team.models import AssignmentRole, Role, User


class AccountFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    psm = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=[Role.ENGINEER, Role.MANAGER]),
        required=False,
        label="PSM",
    )
    status = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from psm.accounts.models import AccountStatus

        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", "Any status"), *AccountStatus.choices]


class AccountForm(forms.ModelForm[Account]):
    timezone = forms.ChoiceField(choices=timezone_choices)

    class Meta:
        model = Account
        fields = [
            "name",
            "slug",
            "status",
            "contract_start",
            "contract_end",
            "timezone",
            "country",
            "service_plan",
            "environment_notes",
            "relationship_notes",
        ]
        widgets = {
            "contract_start": DateInput(),
            "contract_end": DateInput(),
            "environment_notes": forms.Textarea(attrs={"rows": 5}),
            "relationship_notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).upper()


DAYS = [("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
        ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday")]  # fmt: skip
CLOCKS = [("first_response", "first response"), ("next_update", "next update"),
          ("resolution", "resolution")]  # fmt: skip
_SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def hours_text(spans: list[list[str]]) -> str:
    """``[["08:00", "12:00"], ["13:00", "17:00"]]`` → "08:00–12:00, 13:00–17:00"."""
    return ", ".join(f"{a}–{b}" for a, b in spans) if spans else "closed"


def parse_hours(text: str) -> list[list[str]]:
    if text.strip().lower() in ("", "closed", "-", "—"):
        return []
    spans = []
    for part in text.split(","):
        found = _SPAN.match(part)
        if found is None:
            raise forms.ValidationError(f"“{part.strip()}” is not a span like 08:00–17:00.")
        spans.append([f"{int(x.split(':')[0]):02d}:{x.split(':')[1]}" for x in found.groups()])
    return spans


class PlanOverridesForm(forms.Form):
    """An account's departures from its service plan, as a form (no JSON by hand). Each group
    is either the plan's (its values shown) or the account's own; a form saved unchanged
    gives the same overrides."""

    own_timezone = forms.BooleanField(required=False, label="Use its own time zone for hours")
    timezone = forms.ChoiceField(choices=timezone_choices, required=False)
    own_hours = forms.BooleanField(required=False, label="Its own business hours")
    own_always = forms.BooleanField(required=False, label="Its own 7x24 priorities")
    always_covered = forms.MultipleChoiceField(
        choices=[(p, p) for p in ("P1", "P2", "P3", "P4")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Covered 7x24 (except provider holidays)",
    )
    own_sla = forms.BooleanField(required=False, label="Its own SLA targets")

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        self.account = account
        plan = account.service_plan.own_settings()
        mine = account.plan_overrides or {}
        merged = {**plan, **{k: v for k, v in mine.items() if k in ServicePlan.OVERRIDABLE}}
        initial = {
            "own_timezone": "timezone" in mine,
            "timezone": merged.get("timezone") or account.timezone,
            "own_hours": "hours" in mine,
            "own_always": "always_covered" in mine,
            "always_covered": list(merged["always_covered"]),
            "own_sla": "sla_targets" in mine,
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for day, label in DAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                required=False, label=label, help_text="e.g. 08:00–17:00, or closed"
            )
            self.initial[f"hours_{day}"] = hours_text(merged["hours"].get(day, []))
        for priority in ("P1", "P2", "P3", "P4"):
            targets = merged["sla_targets"].get(priority, {})
            for clock, label in CLOCKS:
                name = f"sla_{priority}_{clock}"
                self.fields[name] = forms.IntegerField(
                    required=False, min_value=1, label=f"{priority} {label} (covered minutes)"
                )
                self.initial[name] = targets.get(clock)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        overrides: dict[str, Any] = {
            k: v for k, v in (self.account.plan_overrides or {}).items() if k == "holidays"
        }
        if data.get("own_timezone"):
            overrides["timezone"] = data.get("timezone") or self.account.timezone
        if data.get("own_hours"):
            try:
                overrides["hours"] = {
                    day: parse_hours(data.get(f"hours_{day}") or "") for day, _ in DAYS
                }
            except forms.ValidationError as exc:
                raise forms.ValidationError(f"Business hours: {exc.messages[0]}") from None
        if data.get("own_always"):
            overrides["always_covered"] = sorted(data.get("always_covered") or [])
        if data.get("own_sla"):
            overrides["sla_targets"] = {
                p: {
                    clock: data[f"sla_{p}_{clock}"]
                    for clock, _ in CLOCKS
                    if data.get(f"sla_{p}_{clock}") is not None
                }
                for p in ("P1", "P2", "P3", "P4")
            }
        try:
            ServicePlan.validate_overrides(overrides)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        data["overrides"] = overrides
        return data


class SiteForm(forms.ModelForm[Site]):
    timezone = forms.ChoiceField(choices=timezone_choices)

    class Meta:
        model = Site
        fields = ["name", "timezone", "city", "country", "address", "is_headquarters"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class ContactForm(forms.ModelForm[Contact]):
    emails = forms.CharField(
        help_text="One or more addresses, separated by commas; the first is the main one."
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active (can contact the PSM and receive mail)"
    )

    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "site",
            "phone",
            "mobile",
            "preferred_channel",
            "default_priority",
            "receives_reports",
        ]

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["site"].queryset = account.sites.all()  # type: ignore[attr-defined]

    def clean_emails(self) -> list[str]:
        raw = [part.strip().lower() for part in self.cleaned_data["emails"].split(",")]
        addresses = [a for a in raw if a]
        if not addresses:
            raise forms.ValidationError("Give at least one e-mail address.")
        validator = forms.EmailField()
        for address in addresses:
            validator.clean(address)
        taken = ContactEmail.objects.filter(address__in=addresses).select_related("contact")
        if self.instance.pk:
            taken = taken.exclude(contact=self.instance)
        if taken:
            names = ", ".join(f"{t.address} ({t.contact})" for t in taken)
            raise forms.ValidationError(f"Already used by another contact: {names}")
        return addresses


class InstallImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV with columns product, version, platform, site, users, notes (max 2 MB)."
    )

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text; save it as CSV UTF-8."
            ) from None


class AssignmentForm(forms.Form):
    engineer = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=[Role.ENGINEER, Role.MANAGER], is_active=True)
    )
    role = forms.ChoiceField(choices=AssignmentRole.choices)
