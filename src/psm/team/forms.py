from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from psm.lib.forms import DateTimeInput
from psm.team.models import Role, User


class AbsenceForm(forms.Form):
    engineer = forms.ModelChoiceField(queryset=User.objects.none())
    start = forms.DateTimeField(widget=DateTimeInput())
    end = forms.DateTimeField(widget=DateTimeInput())
    substitute = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        help_text="Covers the engineer's accounts meanwhile (else the account's substitute).",
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        staff = User.objects.filter(role__in=[Role.ENGINEER, Role.MANAGER], is_active=True)
        engineer = self.fields["engineer"]
        substitute = self.fields["substitute"]
        assert isinstance(engineer, forms.ModelChoiceField)
        assert isinstance(substitute, forms.ModelChoiceField)
        # Engineers record their own absences; managers and administrators anyone's.
        engineer.queryset = (
            staff if (user.is_manager or user.is_admin) else staff.filter(pk=user.pk)
        )
        engineer.initial = user.pk
        substitute.queryset = staff
        zone = f" ({user.timezone})"
        self.fields["start"].label = "Starts" + zone
        self.fields["end"].label = "Ends" + zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone = ZoneInfo(self.user.timezone or "UTC")
        # Times are typed in the viewer's own zone.
        for name in ("start", "end"):
            if data.get(name) is not None:
                data[name] = data[name].replace(tzinfo=None).replace(tzinfo=zone)
        return data
