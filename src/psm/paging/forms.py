from __future__ import annotations

from django import forms

from psm.accounts.models import Priority


class PageForm(forms.Form):
    priority = forms.ChoiceField(
        choices=Priority.choices,
        initial=Priority.P1,
        help_text="P1 is for emergencies: it reaches an engineer day and night.",
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        label="What is happening? (optional)",
        help_text="No message is needed: we page at once. A line helps the engineer, who "
        "reads it on their pager.",
    )
