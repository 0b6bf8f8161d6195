from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from psm.accounts.models import Account, Contact, Site
from psm.cases.models import Case
from psm.engagement.cadence import RuleError, validate_rule
from psm.engagement.models import (
    AdvocacyItem,
    AdvocacyPriority,
    AdvocacyStatus,
    TouchpointKind,
    WorkItem,
    WorkItemStatus,
    WorkItemType,
)
from psm.lib.forms import DateInput, DateTimeInput
from psm.team.models import Role, User


def staff_users() -> Any:
    return User.objects.filter(is_active=True).exclude(role=Role.CLIENT)


class AccountForm(forms.Form):
    """A form about one account: local times are read in the account's (or site's) zone."""

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        self.account = account
        super().__init__(*args, **kwargs)
        if "contacts" in self.fields:
            self.fields["contacts"].queryset = account.contacts.filter(is_active=True)  # type: ignore[attr-defined]
        if "site" in self.fields:
            self.fields["site"].queryset = account.sites.all()  # type: ignore[attr-defined]
        for name in ("owner", "staff"):
            if name in self.fields:
                self.fields[name].queryset = staff_users()  # type: ignore[attr-defined]

    def aware(self, value: datetime, zone: str) -> datetime:
        """A wall time typed in ``zone`` as an aware instant (fold=0 as RFC 5545 reads it)."""
        return value.replace(tzinfo=ZoneInfo(zone), fold=0)


class TouchpointForm(AccountForm):
    title = forms.CharField(max_length=200)
    starts = forms.DateTimeField(widget=DateTimeInput(), help_text="Local time at the site.")
    duration_minutes = forms.IntegerField(
        min_value=5, max_value=60 * 24 * 14, initial=60, label="Duration (minutes)"
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False)
    location = forms.CharField(max_length=200, required=False)
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Client attendees",
    )
    staff = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Provider attendees",
    )
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    travel_from = forms.DateField(widget=DateInput(), required=False)
    travel_to = forms.DateField(widget=DateInput(), required=False)
    materials = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Links, one per line"
    )
    invite = forms.BooleanField(
        required=False, initial=True, help_text="E-mail calendar invitations to the attendees."
    )

    KIND_FIELDS = {
        TouchpointKind.CHECK_IN: {"travel_from", "travel_to", "materials"},
        TouchpointKind.SITE_VISIT: {"materials"},
        TouchpointKind.MANAGEMENT_REVIEW: {"travel_from", "travel_to", "materials"},
        TouchpointKind.EVENT: {"travel_from", "travel_to"},
    }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in self.KIND_FIELDS[TouchpointKind(kind)]:
            del self.fields[name]
        if kind == TouchpointKind.SITE_VISIT:
            self.fields["site"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        travel = (data.get("travel_from"), data.get("travel_to"))
        if travel[0] and travel[1] and travel[1] < travel[0]:
            self.add_error("travel_to", "Travel must end on or after it starts.")
        starts = data.get("starts")
        if starts is not None:
            site = data.get("site")
            zone = site.timezone if site else self.account.timezone
            data["starts_at"] = self.aware(starts.replace(tzinfo=None), zone)
            data["ends_at"] = data["starts_at"] + timedelta(
                minutes=data.get("duration_minutes") or 60
            )
        return data


class FollowUpsField(forms.CharField):
    """One follow-up per line: ``text`` or ``text | YYYY-MM-DD``."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value) or ""
        items = []
        for n, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            what, _, when = line.partition("|")
            due = None
            if when.strip():
                try:
                    due = datetime.strptime(when.strip(), "%Y-%m-%d").date()
                except ValueError:
                    raise ValidationError(f"Line {n}: write the date as YYYY-MM-DD.") from None
            items.append((what.strip(), due))
        return items


RATING = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


class CheckInLogForm(AccountForm):
    when = forms.DateTimeField(widget=DateTimeInput(), help_text="Local time of the account.")
    duration_minutes = forms.IntegerField(
        min_value=5, max_value=600, initial=45, label="Duration (minutes)"
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Attendees",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    outcomes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    follow_ups = FollowUpsField(required=False, help_text="One per line; optional '| YYYY-MM-DD'.")
    satisfaction_rating = forms.TypedChoiceField(
        choices=RATING,
        coerce=int,
        empty_value=None,
        required=False,
        label="Satisfaction asked at the end (1–5)",
    )

    def __init__(self, *args: Any, work_items: list[WorkItem] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.work_items = list(work_items)
        for item in self.work_items:
            self.fields[f"review_{item.pk}"] = forms.CharField(
                required=False,
                label=f"Reviewed: {item.title}",
                help_text=f"{item.get_type_display()} · {item.get_status_display()} — "
                "a progress note marks it reviewed.",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") is not None:
            data["starts_at"] = self.aware(data["when"].replace(tzinfo=None), self.account.timezone)
            data["ends_at"] = data["starts_at"] + timedelta(
                minutes=data.get("duration_minutes") or 45
            )
        data["reviewed"] = {
            item.pk: data[f"review_{item.pk}"]
            for item in self.work_items
            if data.get(f"review_{item.pk}")
        }
        return data


class CompleteForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    outcomes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    trip_report = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False)
    follow_ups = FollowUpsField(required=False, help_text="One per line; optional '| YYYY-MM-DD'.")
    satisfaction_rating = forms.TypedChoiceField(
        choices=RATING,
        coerce=int,
        empty_value=None,
        required=False,
        label="Client satisfaction (1–5)",
    )
    psm_rating = forms.TypedChoiceField(
        choices=RATING,
        coerce=int,
        empty_value=None,
        required=False,
        label="Rating of the PSM (1–5)",
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind != TouchpointKind.SITE_VISIT:
            del self.fields["trip_report"]
        if kind != TouchpointKind.CHECK_IN:
            del self.fields["satisfaction_rating"]
        if kind != TouchpointKind.MANAGEMENT_REVIEW:
            del self.fields["psm_rating"]


class CadenceForm(forms.Form):
    rrule = forms.CharField(
        label="Recurrence (RRULE)",
        max_length=300,
        help_text="e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0 — in the "
        "client's time zone.",
    )
    enabled = forms.BooleanField(required=False, initial=True, label="Track this touchpoint")
    tolerance_days = forms.IntegerField(min_value=0, max_value=90, initial=2)
    remind_days = forms.IntegerField(min_value=0, max_value=90, initial=3)

    def clean_rrule(self) -> str:
        try:
            return validate_rule(self.cleaned_data["rrule"])
        except RuleError as exc:
            raise ValidationError(str(exc)) from None


class WorkItemForm(AccountForm):
    type = forms.ChoiceField(choices=WorkItemType.choices)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ChoiceField(choices=WorkItemStatus.choices, initial=WorkItemStatus.PLANNED)
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    requested_by = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    due_on = forms.DateField(widget=DateInput(), required=False)
    milestones = FollowUpsField(required=False, help_text="One per line; optional '| YYYY-MM-DD'.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requested_by"].queryset = self.account.contacts.filter(is_active=True)  # type: ignore[attr-defined]


class WorkItemUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=WorkItemStatus.choices)
    due_on = forms.DateField(widget=DateInput(), required=False)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Progress note"
    )
    milestone = forms.CharField(max_length=200, required=False, label="New milestone")
    milestone_due = forms.DateField(widget=DateInput(), required=False)


class AdvocacyForm(AccountForm):
    kind = forms.ChoiceField(choices=AdvocacyItem._meta.get_field("kind").choices)  # type: ignore[arg-type]
    title = forms.CharField(max_length=200)
    internal_ref = forms.CharField(
        max_length=60,
        label="Internal reference",
        help_text="Defect or enhancement number, e.g. DEF-10442",
    )
    business_impact = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), help_text="In the client's own words."
    )
    priority = forms.ChoiceField(choices=AdvocacyPriority.choices, initial=AdvocacyPriority.HIGH)
    priority_argument = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    target_release = forms.CharField(max_length=60, required=False)
    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(), required=False, help_text="The account's cases it came from."
    )
    related_cases = forms.CharField(
        max_length=200,
        required=False,
        label="Other references",
        help_text="Case numbers outside PSM, comma-separated.",
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = Case.objects.filter(  # type: ignore[attr-defined]
            account=self.account
        ).order_by("-opened_at")


class AdvocacyUpdateForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Update")
    status = forms.ChoiceField(choices=AdvocacyStatus.choices)
    priority = forms.ChoiceField(choices=AdvocacyPriority.choices)
    target_release = forms.CharField(max_length=60, required=False)


class SurveyAnswerForm(forms.Form):
    score = forms.IntegerField()
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        label="Anything you want to tell us (optional)",
    )

    def __init__(self, *args: Any, scale: tuple[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = scale
        self.fields["score"] = forms.TypedChoiceField(
            choices=[(str(n), str(n)) for n in range(low, high + 1)],
            coerce=int,
            widget=forms.RadioSelect,
            label=f"Your answer ({low}–{high})",
        )
