from __future__ import annotations

from django.contrib import admin

from psm.api.models import Token


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin[Token]):
    list_display = ["name", "user", "prefix", "scopes", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # made on the user's token page or with `psm api token`
