from __future__ import annotations

from typing import Any

from django import forms

from psm.api.models import Scope

EXPIRY_CHOICES = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
    ("never", "Never"),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What it is for, e.g. “Monitoring opens P1 cases”."
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        initial=[Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text="Read sees what you see in PSM; write also changes things in your name.",
    )
    expires = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", label="Expires after")

    def expires_days(self) -> int | None:
        value: Any = self.cleaned_data["expires"]
        return None if value == "never" else int(value)
