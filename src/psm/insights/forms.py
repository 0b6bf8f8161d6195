from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms

from psm.insights import timeline

PERIODS = [("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "a year")]
DEFAULT_DAYS = 90


class TimelineFilter(forms.Form):
    """Which of an account's sources to show, and how far back."""

    source = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Show"
    )
    days = forms.TypedChoiceField(
        choices=PERIODS, coerce=int, required=False, label="Last", initial=str(DEFAULT_DAYS)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.MultipleChoiceField)
        source.choices = timeline.source_choices()

    def entries(self, account: Any, now: datetime, include_internal: bool) -> list[timeline.Entry]:
        data = self.cleaned_data if self.is_valid() else {}
        days = data.get("days") or DEFAULT_DAYS
        return timeline.gather(
            account,
            now - timedelta(days=days),
            now + timedelta(minutes=1),
            only=data.get("source") or (),
            include_internal=include_internal,
        )
