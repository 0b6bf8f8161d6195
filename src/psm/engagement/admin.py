from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from psm.engagement.models import (
    AdvocacyItem,
    CadenceRule,
    CadenceState,
    CalendarFeed,
    EngagementPolicy,
    HandoverBrief,
    Survey,
    Touchpoint,
    WorkItem,
)
from psm.engagement.services.cadences import refresh_cadences, refresh_plan


@admin.register(CadenceRule)
class CadenceRuleAdmin(admin.ModelAdmin[CadenceRule]):
    list_display = ("kind", "plan", "account", "rrule", "enabled", "tolerance_days", "remind_days")
    list_filter = ("kind", "enabled", "plan")

    def save_model(self, request: HttpRequest, obj: CadenceRule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Due dates follow the rule at once, not at the next refresh.
        if obj.plan_id:
            refresh_plan(obj.plan_id)
        elif obj.account is not None:
            refresh_cadences(obj.account)


@admin.register(CadenceState)
class CadenceStateAdmin(admin.ModelAdmin[CadenceState]):
    list_display = ("account", "kind", "next_due", "overdue", "last_done_at")
    list_filter = ("kind", "overdue")
    readonly_fields = [f.name for f in CadenceState._meta.fields]


@admin.register(EngagementPolicy)
class EngagementPolicyAdmin(admin.ModelAdmin[EngagementPolicy]):
    list_display = ("plan", "account", "announce_substitute", "survey_after_check_in")


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin[Touchpoint]):
    list_display = ("title", "account", "kind", "status", "starts_at", "owner")
    list_filter = ("kind", "status")
    search_fields = ("title", "account__name")


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin[WorkItem]):
    list_display = ("title", "account", "type", "status", "owner", "due_on")
    list_filter = ("type", "status")


@admin.register(AdvocacyItem)
class AdvocacyItemAdmin(admin.ModelAdmin[AdvocacyItem]):
    list_display = ("internal_ref", "title", "account", "priority", "status", "target_release")
    list_filter = ("status", "priority", "kind")
    search_fields = ("internal_ref", "title")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    list_display = ("account", "kind", "contact", "engineer", "sent_at", "answered_at", "score")
    list_filter = ("kind", "channel")
    exclude = ("nonce",)


@admin.register(HandoverBrief)
class HandoverBriefAdmin(admin.ModelAdmin[HandoverBrief]):
    list_display = ("account", "kind", "recipient", "created_at", "sent_at")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin[CalendarFeed]):
    list_display = ("owner", "scope", "account", "token_hint", "created_at", "revoked_at")
    readonly_fields = ("token_hint", "last_fetched_at")
