from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from psm.team.models import Absence, Assignment, Engineer, User
from psm.team.pager import validate_pager_url


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("PSM", {"fields": ("role", "timezone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("PSM", {"fields": ("role", "timezone", "first_name", "last_name", "email")}),
    )


class EngineerForm(forms.ModelForm[Engineer]):
    pager_targets = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Apprise URLs, one per line (stored encrypted). Leave empty to keep the current ones."
        ),
    )

    class Meta:
        model = Engineer
        fields = ["user", "seniority", "years_experience", "skills", "phone", "manager", "bio"]

    def clean_pager_targets(self) -> list[str] | None:
        raw = self.cleaned_data.get("pager_targets", "")
        if not raw.strip():
            return None
        urls = [line.strip() for line in raw.splitlines() if line.strip()]
        for url in urls:
            validate_pager_url(url)
        return urls

    def save(self, commit: bool = True) -> Engineer:
        engineer = super().save(commit=False)
        if self.cleaned_data.get("pager_targets") is not None:
            engineer.set_pager_targets(self.cleaned_data["pager_targets"])
        if commit:
            engineer.save()
            self.save_m2m()
        return engineer


@admin.register(Engineer)
class EngineerAdmin(admin.ModelAdmin[Engineer]):
    form = EngineerForm
    list_display = ["user", "seniority", "manager", "phone", "pager_summary"]
    readonly_fields = ["pager_summary"]
    filter_horizontal = ["skills"]

    @admin.display(description="Pager targets")
    def pager_summary(self, obj: Engineer) -> str:
        return ", ".join(obj.masked_pager_targets) or "—"


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = ["account", "engineer", "role", "starts_on", "ends_on"]
    list_filter = ["role"]
    search_fields = ["account__name", "engineer__username"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin[Absence]):
    list_display = ["engineer", "start", "end", "substitute", "reason"]
    search_fields = ["engineer__username", "reason"]
