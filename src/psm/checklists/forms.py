"""Forms of the checklist pages: a template with its steps, a checklist on an account, a
step's result, the sign-offs."""

from __future__ import annotations

from typing import Any

from django import forms

from psm.accounts.models import Account, Site
from psm.checklists.models import AccountChecklist, ChecklistTemplate, StepResult
from psm.checklists.services import StepSpec
from psm.lib.forms import MultipleFileField


class TemplateForm(forms.ModelForm[ChecklistTemplate]):
    class Meta:
        model = ChecklistTemplate
        fields = ["name", "description", "default_rrule", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class StepForm(forms.Form):
    position = forms.IntegerField(min_value=1, max_value=999, required=False, label="Order")
    title = forms.CharField(max_length=200, required=False)
    instructions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    expected_result = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Expected result"
    )
    evidence_required = forms.BooleanField(required=False, label="Evidence required")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = data.get("instructions") or data.get("expected_result")
        if filled and not (data.get("title") or "").strip():
            self.add_error("title", "Give the step a title.")
        return data


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True, max_num=100)


def initial_steps(template: ChecklistTemplate | None) -> list[dict[str, Any]]:
    if template is None or template.pk is None:
        return []
    return [
        {
            "position": s.position,
            "title": s.title,
            "instructions": s.instructions,
            "expected_result": s.expected_result,
            "evidence_required": s.evidence_required,
        }
        for s in template.steps.order_by("position")
    ]


def steps_from(formset: Any) -> list[StepSpec]:
    """The steps a valid formset describes, in the order its positions give (ties: as shown)."""
    kept = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE") or not (data.get("title") or "").strip():
            continue
        kept.append((data.get("position") or 1000 + index, index, data))
    kept.sort(key=lambda row: (row[0], row[1]))
    return [
        StepSpec(
            title=data["title"],
            instructions=data.get("instructions") or "",
            expected_result=data.get("expected_result") or "",
            evidence_required=bool(data.get("evidence_required")),
        )
        for _, _, data in kept
    ]


class ChecklistForm(forms.ModelForm[AccountChecklist]):
    """Add a template to an account (template and site chosen once) or edit its tracking."""

    class Meta:
        model = AccountChecklist
        fields = ["template", "site", "rrule", "remind_days", "is_active"]

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(account=account)  # type: ignore[attr-defined]
        self.fields["site"].empty_label = "The whole account"  # type: ignore[attr-defined]
        self.fields["rrule"].required = False
        self.fields[
            "rrule"
        ].help_text = "RFC 5545 in the client's time zone; empty: the template's default."
        if self.instance.pk:
            del self.fields["template"]
            del self.fields["site"]
            self.fields["rrule"].required = True
        else:
            self.fields["template"].queryset = ChecklistTemplate.objects.filter(  # type: ignore[attr-defined]
                is_active=True
            )
            del self.fields["is_active"]


class StepResultForm(forms.Form):
    result = forms.ChoiceField(choices=StepResult.choices, widget=forms.RadioSelect)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    files = MultipleFileField(label="Evidence files")  # type: ignore[assignment]


class SignOffForm(forms.Form):
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Conclusion for the client",
    )


class ClientSignOffForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
