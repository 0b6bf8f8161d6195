from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from psm.advisories.feeds import poll
from psm.advisories.models import (
    AccountAdvisory,
    Advisory,
    AdvisoryPolicy,
    Feed,
    Rejection,
)


@admin.register(Advisory)
class AdvisoryAdmin(admin.ModelAdmin[Advisory]):
    list_display = ["tracking_id", "title", "revision", "severity", "tlp", "current_release"]
    list_filter = ["severity", "tlp", "publisher"]
    search_fields = ["tracking_id", "title"]
    readonly_fields = [f.name for f in Advisory._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # advisories come from CSAF documents (import, upload or a feed)


@admin.register(AccountAdvisory)
class AccountAdvisoryAdmin(admin.ModelAdmin[AccountAdvisory]):
    list_display = ["advisory", "account", "state", "delivered_at", "acknowledged_at", "remind_at"]
    list_filter = ["state"]
    search_fields = ["advisory__tracking_id", "account__name"]
    readonly_fields = ["account", "advisory", "nonce"]


@admin.register(AdvisoryPolicy)
class AdvisoryPolicyAdmin(admin.ModelAdmin[AdvisoryPolicy]):
    list_display = ["plan", "remind_after_days", "repeat_days"]


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin[Feed]):
    list_display = ["name", "url", "enabled", "interval_minutes", "last_polled_at", "next_poll_at"]
    readonly_fields = ["last_polled_at", "last_error", "last_summary"]
    actions = ["poll_now"]

    @admin.action(description="Poll the selected feeds now")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        for feed in queryset:
            result = poll(feed)
            level = messages.WARNING if result.errors or result.report.rejected else messages.INFO
            self.message_user(request, f"{feed.name}: {result.as_json()}", level)


@admin.register(Rejection)
class RejectionAdmin(admin.ModelAdmin[Rejection]):
    list_display = ["source", "reason", "received_at", "feed"]
    search_fields = ["source", "reason"]
    readonly_fields = ["source", "reason", "received_at", "feed"]
