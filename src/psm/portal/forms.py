from __future__ import annotations

from typing import Any

from django import forms

from psm.accounts.models import Account, Priority, Site
from psm.lib.forms import MultipleFileField


class CaseFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Open"), ("closed", "Resolved and closed"), ("all", "All")],
        label="Show",
    )


class NewCaseForm(forms.Form):
    title = forms.CharField(max_length=300, label="Subject")
    priority = forms.ChoiceField(
        choices=Priority.choices,
        initial=Priority.P3,
        help_text="P1: production down or unusable, work stopped. P2: serious impact, "
        "no workaround. P3: some impact or a question. P4: a request or information.",
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="—")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label="What happened?",
        help_text="What you see, since when, what changed, how many people are affected.",
    )
    attachments = MultipleFileField(label="Attachments (logs, screenshots)")

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = Site.objects.filter(account=account)


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Your reply")
    attachments = MultipleFileField(label="Attachments")
