from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from psm.accounts.models import Account, Priority, Site

MAX_FILES = 10


def max_upload_bytes() -> int:
    return int(getattr(settings, "PSM_MAX_ATTACHMENT_MB", 25)) * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each checked for size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(MultipleFileField, self).clean(item, initial) for item in items]
        files = [f for f in files if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"At most {MAX_FILES} files at a time.")
        limit = max_upload_bytes()
        for upload in files:
            if upload.size is not None and upload.size > limit:
                raise forms.ValidationError(
                    f"{upload.name} is larger than {limit // (1024 * 1024)} MB; "
                    "send a link to it instead."
                )
        return files


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
    attachments = MultipleFileField(label="Attachments", help_text="Logs, screenshots (up to 10).")

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = Site.objects.filter(account=account)


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Your reply")
    attachments = MultipleFileField(label="Attachments")
