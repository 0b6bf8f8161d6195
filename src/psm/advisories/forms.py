from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from psm.advisories.models import InstallState, ItemState, Severity
from psm.lib.forms import DateInput

MAX_FILES = 200


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".json,application/json"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [single(f, initial) for f in files if f]
        if not cleaned:
            raise forms.ValidationError("Choose one or more CSAF JSON files.")
        if len(cleaned) > MAX_FILES:
            raise forms.ValidationError(f"At most {MAX_FILES} files at once.")
        return cleaned


class UploadForm(forms.Form):
    documents = MultipleFileField(
        label="CSAF 2.0 documents (.json)",
        help_text="Several files at once; each is checked on its own and a bad one does not "
        "stop the rest.",
    )


class FilterForm(forms.Form):
    STATES = [("open", "Open (review or delivered)"), *ItemState.choices, ("all", "All")]
    state = forms.ChoiceField(choices=STATES, required=False)
    severity = forms.ChoiceField(
        choices=[("", "Any severity"), *[c for c in Severity.choices if c[0]]], required=False
    )
    q = forms.CharField(required=False, label="Search", max_length=100)


class DeliverForm(forms.Form):
    client_text = forms.CharField(
        label="Text for this client",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="What the client reads above their installs and the remediation. Empty: "
        "the advisory's own summary.",
    )
    confirm_tlp = forms.BooleanField(
        required=False,
        label="I have checked that this client may receive this document under its TLP label",
    )


class NotRelevantForm(forms.Form):
    reason = forms.CharField(
        label="Why it is not relevant to this client",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class TextForm(forms.Form):
    client_text = forms.CharField(
        label="Text for this client", widget=forms.Textarea(attrs={"rows": 8}), required=False
    )


class InstallStateForm(forms.Form):
    state = forms.ChoiceField(choices=InstallState.choices, label="Status")
    deferred_until = forms.DateField(
        required=False,
        label="Deferred until",
        widget=DateInput(),
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Note",
        widget=forms.TextInput(attrs={"placeholder": "Note (optional)"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("state") == InstallState.DEFERRED and not data.get("deferred_until"):
            self.add_error("deferred_until", "Give the date it is deferred until.")
        return data


class RangeForm(forms.Form):
    vers = forms.CharField(
        label="The range in vers syntax",
        max_length=500,
        help_text="e.g. vers:generic/<7.2 or vers:generic/>=9.0.0|<9.0.2.3",
    )
