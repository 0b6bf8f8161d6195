"""Webhooks in the admin: endpoints are created and saved through the services (a new one
gets its secret, every change is audited); deliveries are read-only, with a replay action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from psm.team.access import acting_user
from psm.webhooks import services
from psm.webhooks.catalog import EVENTS
from psm.webhooks.models import Attempt, Delivery, Endpoint


class EndpointAdminForm(forms.ModelForm[Endpoint]):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENTS], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Endpoint
        fields = ["url", "account", "description", "events"]

    def clean_url(self) -> str:
        return services.clean_url(self.cleaned_data["url"])

    def clean_events(self) -> list[str]:
        return services.clean_events(self.cleaned_data["events"])


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin[Endpoint]):
    form = EndpointAdminForm
    list_display = ["url", "account", "is_active", "failing_since", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description", "account__name"]
    raw_id_fields = ["account"]
    readonly_fields = ["is_active", "disabled_reason", "disabled_at", "failing_since"]
    actions = ["rotate", "disable_endpoints", "enable_endpoints"]

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        spec = services.EndpointSpec(
            url=obj.url, events=obj.events, account=obj.account, description=obj.description
        )
        user = acting_user(request)
        if change:
            current = Endpoint.objects.get(pk=obj.pk)
            services.update_endpoint(user, current, spec)
        else:
            created = services.create_endpoint(user, spec)
            obj.pk = created.pk
            messages.info(request, f"Signing secret: {created.secret}")

    @admin.action(description="Rotate the signing secret")
    def rotate(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            services.rotate_secret(acting_user(request), endpoint)
        messages.success(request, "New secrets made; the old ones sign too for a while.")

    @admin.action(description="Disable")
    def disable_endpoints(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        user = acting_user(request)
        for endpoint in queryset:
            services.disable(user, endpoint, f"Disabled by {user.username} in the admin")

    @admin.action(description="Enable")
    def enable_endpoints(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            services.enable(acting_user(request), endpoint)


class AttemptInline(admin.TabularInline[Attempt, Delivery]):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "duration_ms", "address", "error", "response"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ["event_type", "msg_id", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["msg_id", "endpoint__url"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Replay (same webhook-id)")
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        for delivery in queryset:
            try:
                services.replay(acting_user(request), delivery)
            except ValidationError as exc:
                messages.error(request, f"{delivery.msg_id}: {exc.messages[0]}")
