from django.contrib import admin

from psm.reports.models import ReportDefinition, ReportRecipient, ReportRun


class RecipientInline(admin.TabularInline[ReportRecipient, ReportDefinition]):
    model = ReportRecipient
    extra = 0
    raw_id_fields = ["contact"]
    readonly_fields = ["approved_at", "approved_by", "added_by"]


@admin.register(ReportDefinition)
class ReportDefinitionAdmin(admin.ModelAdmin[ReportDefinition]):
    list_display = ["name", "account", "period_kind", "release_mode", "is_active", "next_run_at"]
    list_filter = ["period_kind", "release_mode", "is_active"]
    search_fields = ["name", "account__name"]
    inlines = [RecipientInline]


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin[ReportRun]):
    list_display = ["name", "account", "period_label", "status", "sent_at"]
    list_filter = ["status", "period_kind"]
    search_fields = ["name", "account__name", "period_code"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]
