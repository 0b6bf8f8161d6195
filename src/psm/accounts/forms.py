from __future__ import annotations

from typing import Any

from django import forms

from psm.accounts.models import Account, Contact, ContactEmail, Site
from psm.coverage.models import ServicePlan
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
    plan_overrides = forms.JSONField(required=False, initial=dict)

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
            "plan_overrides",
            "environment_notes",
            "relationship_notes",
        ]
        widgets = {
            "contract_start": forms.DateInput(attrs={"type": "date"}),
            "contract_end": forms.DateInput(attrs={"type": "date"}),
            "environment_notes": forms.Textarea(attrs={"rows": 5}),
            "relationship_notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_plan_overrides(self) -> dict[str, Any]:
        value = self.cleaned_data.get("plan_overrides") or {}
        ServicePlan.validate_overrides(value)
        return dict(value)

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).upper()


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
            "receives_advisories",
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
