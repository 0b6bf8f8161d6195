"""Checklists in the admin: templates with their steps; checklists on accounts and their runs
to look at (runs change only through the pages, which audit and notify)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psm.checklists.models import (
    AccountChecklist,
    ChecklistRun,
    ChecklistTemplate,
    EvidenceFile,
    RunStep,
    TemplateStep,
)


class TemplateStepInline(admin.StackedInline[TemplateStep, ChecklistTemplate]):
    model = TemplateStep
    extra = 1
    fields = ["position", "title", "instructions", "expected_result", "evidence_required"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin[ChecklistTemplate]):
    list_display = ["name", "default_rrule", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "description"]
    inlines = [TemplateStepInline]


@admin.register(AccountChecklist)
class AccountChecklistAdmin(admin.ModelAdmin[AccountChecklist]):
    list_display = ["account", "template", "site", "rrule", "is_active", "next_due"]
    list_filter = ["is_active", "template"]
    search_fields = ["account__name", "template__name"]
    raw_id_fields = ["account", "site"]
    readonly_fields = [
        "anchor",
        "last_validated_at",
        "next_due",
        "remind_at",
        "reminded_for",
        "overdue_notified_for",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added from the account's Checklists tab (audited, dated from then)

    def save_model(
        self, request: HttpRequest, obj: AccountChecklist, form: Any, change: bool
    ) -> None:
        obj.compute()  # an edited rule moves the next re-validation at once
        super().save_model(request, obj, form, change)


class RunStepInline(admin.TabularInline[RunStep, ChecklistRun]):
    model = RunStep
    extra = 0
    can_delete = False
    fields = ("position", "title", "result", "notes", "checked_by", "checked_at", "work_item")
    readonly_fields = fields


@admin.register(ChecklistRun)
class ChecklistRunAdmin(admin.ModelAdmin[ChecklistRun]):
    list_display = ["title", "account", "status", "outcome", "started_at", "completed_at"]
    list_filter = ["status", "outcome"]
    search_fields = ["title", "account__name"]
    inlines = [RunStepInline]
    readonly_fields = [f.name for f in ChecklistRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin[EvidenceFile]):
    list_display = ["filename", "step", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = [f.name for f in EvidenceFile._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
