from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from psm.channels.email import services
from psm.channels.email.models import InboundMessage, MailAlias


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin[InboundMessage]):
    list_display = [
        "received_at",
        "source",
        "from_address",
        "subject",
        "state",
        "case",
        "acknowledged",
    ]
    list_filter = ["state", "source", "acknowledged"]
    search_fields = ["from_address", "subject", "message_id", "reason"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
    list_select_related = ["case"]
    actions = ["reprocess"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Reprocess (failed, stuck or quarantined messages)")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        done = services.reprocess(queryset.order_by("id"))
        states = ", ".join(sorted({f"{row.state}" for row in done})) or "nothing to do"
        self.message_user(request, f"Reprocessed {len(done)}: {states}.", messages.SUCCESS)


@admin.register(MailAlias)
class MailAliasAdmin(admin.ModelAdmin[MailAlias]):
    list_display = ["address", "account"]
    search_fields = ["address", "account__name", "account__slug"]
