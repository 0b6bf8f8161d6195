from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q, QuerySet

from psm.accounts.models import Account
from psm.audit.models import AuditEntry
from psm.team.models import User


class AuditFilterForm(forms.Form):
    account = forms.ModelChoiceField(
        Account.objects.order_by("name"), required=False, to_field_name="slug", empty_label="All"
    )
    person = forms.ModelChoiceField(
        User.objects.order_by("username"),
        required=False,
        to_field_name="username",
        empty_label="Anyone",
        help_text="Who made the change",
    )
    object = forms.CharField(
        required=False,
        max_length=200,
        help_text="A kind (cases.case), a kind and id (cases.case:42) or words of its name",
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, date) and isinstance(until, date) and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data

    def filter(self, entries: QuerySet[AuditEntry], zone: str) -> QuerySet[AuditEntry]:
        """Dates are whole days in the viewer's zone."""
        data = self.cleaned_data
        tz = ZoneInfo(zone)
        if data.get("account"):
            entries = entries.filter(account=data["account"])
        if data.get("person"):
            entries = entries.filter(actor=data["person"])
        wanted = (data.get("object") or "").strip()
        if wanted:
            kind, _, pk = wanted.partition(":")
            if "." in kind and " " not in kind:
                entries = entries.filter(object_type=kind.lower())
                if pk:
                    entries = entries.filter(object_id=pk.strip())
            else:
                entries = entries.filter(
                    Q(object_repr__icontains=wanted) | Q(action__icontains=wanted)
                )
        if data.get("since"):
            entries = entries.filter(at__gte=datetime.combine(data["since"], time(), tzinfo=tz))
        if data.get("until"):
            end = datetime.combine(data["until"] + timedelta(days=1), time(), tzinfo=tz)
            entries = entries.filter(at__lt=end)
        return entries
