from django.contrib import admin

from psm.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["at", "actor", "action", "object_type", "object_repr", "account"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor__username"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
