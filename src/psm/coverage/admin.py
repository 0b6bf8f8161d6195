from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec
from psm.coverage.models import (
    HolidayCalendar,
    OnCallMember,
    OnCallOverride,
    OnCallRotation,
    ServicePlan,
)


class ServicePlanForm(forms.ModelForm[ServicePlan]):
    class Meta:
        model = ServicePlan
        fields = [
            "name",
            "slug",
            "description",
            "timezone",
            "hours",
            "holiday_calendar",
            "always_covered",
            "sla_targets",
            "on_call_rotation",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The engine validates hours and priorities and names the bad field.
        ServicePlan.validate_overrides(
            {k: data[k] for k in ("hours", "always_covered") if data.get(k) is not None}
        )
        return data


class HolidayCalendarForm(forms.ModelForm[HolidayCalendar]):
    class Meta:
        model = HolidayCalendar
        fields = ["name", "country", "subdivision", "added", "removed"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        probe = HolidayCalendar(
            country=data.get("country", ""),
            subdivision=data.get("subdivision", ""),
            added=data.get("added") or [],
            removed=data.get("removed") or [],
        )
        try:
            HolidaySpec.from_dict(probe.to_dict(), "holidays")
        except SpecError as exc:
            raise ValidationError(str(exc)) from exc
        return data


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin[ServicePlan]):
    form = ServicePlanForm
    list_display = ["name", "slug", "timezone", "holiday_calendar", "on_call_rotation"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description"]}),
        (
            "Coverage",
            {
                "fields": ["timezone", "hours", "holiday_calendar", "always_covered"],
                "description": (
                    'Hours are local wall time per weekday, e.g. {"mon": [["08:00", "17:00"]]}.'
                    " Running cases keep the plan they started under."
                ),
            },
        ),
        ("SLA targets (minutes of covered time)", {"fields": ["sla_targets"]}),
        ("Out of hours", {"fields": ["on_call_rotation"]}),
    ]


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(admin.ModelAdmin[HolidayCalendar]):
    form = HolidayCalendarForm
    list_display = ["name", "country", "subdivision"]


class OnCallMemberInline(admin.TabularInline[OnCallMember, OnCallRotation]):
    model = OnCallMember
    extra = 1


class OnCallOverrideInline(admin.TabularInline[OnCallOverride, OnCallRotation]):
    model = OnCallOverride
    extra = 0


@admin.register(OnCallRotation)
class OnCallRotationAdmin(admin.ModelAdmin[OnCallRotation]):
    list_display = ["name", "start", "shift_hours"]
    inlines = [OnCallMemberInline, OnCallOverrideInline]
