"""Date and time inputs that keep their values.

A browser's ``<input type="date">`` reads only ISO values (``2024-01-01``); Django writes a
date in the first localized input format (``01/01/2024`` in en-gb), which the browser shows
as blank, so a form saved unchanged lost its dates. Every date and time field of PSM uses
these widgets (a test walks every edit form to hold that)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_FILES = 10


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">``: a wall time, without a zone (the form says whose)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def upload_limit() -> int:
    """The one limit on an attached file, in bytes (``PSM_ATTACHMENT_MAX_BYTES``): forms,
    services and the mail pipeline all read it."""
    return int(settings.PSM_ATTACHMENT_MAX_BYTES)


def megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 10 or mb == int(mb) else f"{mb:.1f} MB"


class MultipleFileInput(forms.ClearableFileInput):
    """Several files from one input; ``data-max-bytes`` lets the browser refuse a file that
    is too large before it is uploaded (``static/psm/app.js``)."""

    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"data-max-bytes": str(upload_limit()), **(attrs or {})})


class MultipleFileField(forms.FileField):
    """Several files from one input, each checked against the one limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", f"Up to {MAX_FILES} files, {megabytes(upload_limit())} each."
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(MultipleFileField, self).clean(item, initial) for item in items]
        files = [f for f in files if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"At most {MAX_FILES} files at a time.")
        limit = upload_limit()
        for upload in files:
            if upload.size is not None and upload.size > limit:
                raise forms.ValidationError(
                    f"{upload.name} is {megabytes(upload.size)}; the limit is "
                    f"{megabytes(limit)} a file. Send a link to it instead."
                )
        return files


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's refusal on the form: each field's errors beside the field (a field
    the form lacks: at the top), a plain refusal at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
