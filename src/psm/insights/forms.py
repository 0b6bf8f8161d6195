from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.http import QueryDict

from psm.lib import timeline

PERIODS = [("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "a year")]
DEFAULT_DAYS = 90
PER_PAGE = 50


class TimelineFilter(forms.Form):
    """Which of an account's sources to show, and how far back."""

    source = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Show"
    )
    days = forms.TypedChoiceField(
        choices=PERIODS, coerce=int, required=False, label="Last", initial=str(DEFAULT_DAYS)
    )
    # "Older": the entries before this instant (the oldest one shown).
    before = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.MultipleChoiceField)
        source.choices = timeline.source_choices()

    def entries(self, account: Any, now: datetime, include_internal: bool) -> list[timeline.Entry]:
        """At most PER_PAGE entries of the period, newest first, before ``before`` if given."""
        data = self.cleaned_data if self.is_valid() else {}
        days = data.get("days") or DEFAULT_DAYS
        until = data.get("before") or now + timedelta(minutes=1)
        return timeline.gather(
            account,
            now - timedelta(days=days),
            min(until, now + timedelta(minutes=1)),
            only=data.get("source") or (),
            include_internal=include_internal,
            limit=PER_PAGE,
        )

    def older_query(self, entries: list[timeline.Entry]) -> str:
        """The query string of the next, older page, or "" when this page is the last."""
        if len(entries) < PER_PAGE:
            return ""
        data = self.cleaned_data if self.is_valid() else {}
        query = QueryDict(mutable=True)
        query.setlist("source", list(data.get("source") or []))
        query["days"] = str(data.get("days") or DEFAULT_DAYS)
        query["before"] = entries[-1].at.isoformat()
        return str(query.urlencode())


class HealthWeightsForm(forms.Form):
    """One weight (0–100) per registered health component; blank inherits."""

    def __init__(
        self,
        *args: Any,
        components: list[Any],
        current: dict[str, int],
        inherited: dict[str, tuple[float, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.component_names = [c.name for c in components]
        for component in components:
            weight, source = inherited[component.name]
            where = {"plan": "the plan", "default": "the default"}.get(source, source)
            self.fields[component.name] = forms.IntegerField(
                label=component.label,
                required=False,
                min_value=0,
                max_value=100,
                initial=current.get(component.name),
                help_text=f"Blank: {weight:g} from {where}. 0 leaves it out of the score.",
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
            )

    def weights(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(name) for name in self.component_names}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        return data


class PeriodForm(forms.Form):
    """Which period of PSM performance: its kind and a day inside it."""

    period = forms.ChoiceField(
        choices=[("week", "Week"), ("month", "Month"), ("quarter", "Quarter")], required=False
    )
    start = forms.DateField(
        required=False,
        label="Containing",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
