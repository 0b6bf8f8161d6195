from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from psm.notifications import services
from psm.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "key", "transport", "recipient", "status", "attempts"]
    list_filter = ["status", "transport"]
    search_fields = ["key", "recipient", "subject"]
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "target_encrypted"]
    actions = ["retry_failed"]

    @admin.action(description="Retry the selected failed notifications")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        for row in queryset:
            services.retry(row)
