from django.contrib import admin

from psm.channels.telephony.models import CallLog


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin[CallLog]):
    list_display = (
        "created_at",
        "kind",
        "from_number",
        "account",
        "outcome",
        "engineer",
        "repeats",
    )
    list_filter = ("kind", "outcome")
    search_fields = (
        "from_number",
        "provider_sid",
        "account__name",
        "case_reference",
        "remote_address",
    )
    readonly_fields = ("route",)
