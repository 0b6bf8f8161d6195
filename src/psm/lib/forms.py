"""Date and time inputs that keep their values.

A browser's ``<input type="date">`` reads only ISO values (``2024-01-01``); Django writes a
date in the first localized input format (``01/01/2024`` in en-gb), which the browser shows
as blank, so a form saved unchanged lost its dates. Every date and time field of PSM uses
these widgets (a test walks every edit form to hold that)."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">``: a wall time, without a zone (the form says whose)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")
