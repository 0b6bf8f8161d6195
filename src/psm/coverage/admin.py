from django.contrib import admin

from psm.coverage.models import ServicePlan


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin[ServicePlan]):
    list_display = ["name", "slug", "timezone"]
    prepopulated_fields = {"slug": ["name"]}
