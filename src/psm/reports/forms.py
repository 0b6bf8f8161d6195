"""The definition form: name, ordered sections with their options, period, schedule, release
mode and recipients. Built from the section catalogue, so a new app's sections appear here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import validate_email

from psm.accounts.models import Account, Contact
from psm.reports import sections as catalogue
from psm.reports.models import PeriodKind, ReleaseMode, ReportDefinition
from psm.reports.periods import MAX_CUSTOM_DAYS
from psm.reports.schedule import DEFAULT_RULES, ScheduleError, validate_rule
from psm.reports.sections import OptionError, Section
from psm.reports.services import DefinitionSpec


@dataclass
class SectionRow:
    section: Section
    include: forms.BoundField
    position: forms.BoundField
    options: list[forms.BoundField]


def _option_field(option: catalogue.Option, initial: Any) -> forms.Field:
    if option.kind == "bool":
        return forms.BooleanField(
            label=option.label, required=False, initial=initial, help_text=option.help
        )
    if option.kind == "int":
        return forms.IntegerField(
            required=False,
            label=option.label,
            initial=initial,
            min_value=option.minimum,
            max_value=option.maximum,
            help_text=option.help,
        )
    return forms.ChoiceField(
        required=False,
        label=option.label,
        choices=option.choices,
        initial=initial,
        help_text=option.help,
    )


class ContactChoices(forms.ModelMultipleChoiceField[Contact]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.primary_email})"


class DefinitionForm(forms.Form):
    name = forms.CharField(max_length=120, initial="Monthly status report")
    period_kind = forms.ChoiceField(label="Period", choices=PeriodKind.choices, initial="month")
    custom_days = forms.IntegerField(
        label="Days in a custom period", min_value=1, max_value=MAX_CUSTOM_DAYS, initial=30
    )
    schedule = forms.CharField(
        label="Schedule (RRULE, your time zone)",
        max_length=300,
        required=False,
        help_text="e.g. FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0 — the first Monday of each "
        "month at 09:00. Blank: the usual schedule for the period.",
    )
    release_mode = forms.ChoiceField(choices=ReleaseMode.choices, initial=ReleaseMode.AUTOMATIC)
    release_within_hours = forms.IntegerField(
        label="Remind the PSM after (hours)", min_value=1, max_value=720, initial=24
    )
    is_active = forms.BooleanField(label="Active (send on schedule)", required=False, initial=True)
    is_default = forms.BooleanField(label="The account's default report", required=False)
    contacts = ContactChoices(
        label="Recipients",
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outside = forms.CharField(
        label="Other addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line. Addresses outside your account receive reports once the PSM "
        "approves them.",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        account: Account,
        definition: ReportDefinition | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        initial = dict(initial or {})
        chosen: list[dict[str, Any]] = []
        if definition is not None:
            recipients = list(definition.recipients.all())
            initial.update(
                name=definition.name,
                period_kind=definition.period_kind,
                custom_days=definition.custom_days,
                schedule=definition.schedule,
                release_mode=definition.release_mode,
                release_within_hours=definition.release_within_hours,
                is_active=definition.is_active,
                is_default=definition.is_default,
                contacts=[r.contact_id for r in recipients if r.contact_id],
                outside="\n".join(r.email for r in recipients if not r.contact_id),
            )
            chosen = list(definition.sections)
        else:
            chosen = [
                {"key": k, "options": {}} for k in ("cases", "sla", "open_cases", "commentary")
            ]
            initial.setdefault(
                "contacts",
                list(
                    Contact.objects.filter(
                        account=account, receives_reports=True, is_active=True
                    ).values_list("pk", flat=True)
                ),
            )
        super().__init__(data, initial=initial)
        self.account = account
        contacts = self.fields["contacts"]
        assert isinstance(contacts, forms.ModelMultipleChoiceField)
        contacts.queryset = (
            Contact.objects.filter(account=account, is_active=True, emails__isnull=False)
            .distinct()
            .order_by("name")
        )
        order = {item["key"]: i for i, item in enumerate(chosen)}
        options_of = {item["key"]: item.get("options") or {} for item in chosen}
        ordered = sorted(
            catalogue.catalogue(), key=lambda s: (order.get(s.key, 100 + s.order / 1000), s.key)
        )
        self.section_keys = [s.key for s in ordered]
        for position, section in enumerate(ordered, start=1):
            self.fields[f"s-{section.key}"] = forms.BooleanField(
                label=section.title, required=False, initial=section.key in order
            )
            self.fields[f"p-{section.key}"] = forms.IntegerField(
                label=f"Position of {section.title}",
                min_value=1,
                max_value=99,
                initial=position,
                required=False,
            )
            for option in section.options:
                value = options_of.get(section.key, {}).get(option.name, option.default)
                self.fields[f"o-{section.key}-{option.name}"] = _option_field(option, value)

    def section_rows(self) -> list[SectionRow]:
        rows = []
        for key in self.section_keys:
            section = catalogue.get(key)
            assert section is not None
            rows.append(
                SectionRow(
                    section,
                    self[f"s-{key}"],
                    self[f"p-{key}"],
                    [self[f"o-{key}-{o.name}"] for o in section.options],
                )
            )
        return rows

    def basic_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "name",
                "period_kind",
                "custom_days",
                "schedule",
                "release_mode",
                "release_within_hours",
                "is_active",
                "is_default",
            )
        ]

    def clean_schedule(self) -> str:
        value = str(self.cleaned_data.get("schedule") or "").strip()
        if not value:
            return ""
        try:
            return validate_rule(value)
        except ScheduleError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_outside(self) -> list[str]:
        addresses = []
        for line in str(self.cleaned_data.get("outside") or "").replace(",", "\n").splitlines():
            address = line.strip().lower()
            if not address:
                continue
            try:
                validate_email(address)
            except forms.ValidationError:
                raise forms.ValidationError(f"{address} is not an e-mail address.") from None
            addresses.append(address)
        return addresses

    def chosen_sections(self) -> list[dict[str, Any]]:
        """The ticked sections in position order with their options (raw, cleaned later)."""
        data = self.cleaned_data
        picked = []
        for index, key in enumerate(self.section_keys):
            if not data.get(f"s-{key}"):
                continue
            section = catalogue.get(key)
            assert section is not None
            options = {o.name: data.get(f"o-{key}-{o.name}") for o in section.options}
            picked.append((data.get(f"p-{key}") or 99, index, {"key": key, "options": options}))
        return [item for _, _, item in sorted(picked, key=lambda p: (p[0], p[1]))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["sections"] = catalogue.clean_sections(self.chosen_sections())
        except OptionError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not data.get("schedule"):
            data["schedule"] = DEFAULT_RULES[data.get("period_kind") or "month"]
        return data

    def spec(self) -> DefinitionSpec:
        data = self.cleaned_data
        return DefinitionSpec(
            name=data["name"].strip(),
            sections=data["sections"],
            period_kind=data["period_kind"],
            custom_days=data["custom_days"],
            schedule=data["schedule"],
            release_mode=data["release_mode"],
            release_within_hours=data["release_within_hours"],
            is_active=bool(data.get("is_active")),
            is_default=bool(data.get("is_default")),
            contacts=list(data.get("contacts") or []),
            outside=list(data.get("outside") or []),
        )


class ReleaseForm(forms.Form):
    commentary = forms.CharField(
        label="Your commentary for the client",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Shown in the report's commentary section. Blank paragraphs separate paragraphs.",
        required=False,
    )
