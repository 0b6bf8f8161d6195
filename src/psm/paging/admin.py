from django.contrib import admin

from psm.paging.models import ApiKey, Page, PageStep, PagingPolicy


@admin.register(PagingPolicy)
class PagingPolicyAdmin(admin.ModelAdmin[PagingPolicy]):
    list_display = ("plan", "ack_minutes", "escalate_to_manager")


class PageStepInline(admin.TabularInline[PageStep, Page]):
    model = PageStep
    extra = 0
    can_delete = False
    readonly_fields = (
        "kind", "at", "position", "user", "target_name", "role", "transports", "via", "detail",
    )  # fmt: skip
    exclude = ("notification_keys",)

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Page)
class PageAdmin(admin.ModelAdmin[Page]):
    list_display = ("id", "account", "priority", "status", "target_name", "opened_at")
    list_filter = ("status", "priority", "source")
    search_fields = ("account__name", "message", "target_name")
    readonly_fields = ("policy", "route")
    inlines = [PageStepInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
