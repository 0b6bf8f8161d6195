from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from psm.accounts import services
from psm.accounts.models import (
    Account,
    Contact,
    ContactEmail,
    CustomField,
    CustomValue,
    InstalledProduct,
    Product,
    Site,
)
from psm.team.access import acting_user


class SiteInline(admin.TabularInline[Site, Account]):
    model = Site
    extra = 0


class CustomValueInline(admin.TabularInline[CustomValue, Account]):
    model = CustomValue
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ["name", "slug", "status", "timezone", "country", "service_plan"]
    list_filter = ["status", "service_plan", "country"]
    search_fields = ["name", "slug"]
    inlines = [SiteInline, CustomValueInline]


class ContactEmailInline(admin.TabularInline[ContactEmail, Contact]):
    model = ContactEmail
    extra = 1


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = [
        "name",
        "account",
        "title",
        "preferred_channel",
        "receives_reports",
        "receives_advisories",
    ]
    list_filter = ["preferred_channel", "receives_reports", "receives_advisories"]
    search_fields = ["name", "emails__address", "account__name"]
    inlines = [ContactEmailInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["name", "vendor", "version_scheme", "purl", "cpe"]
    search_fields = ["name", "aliases", "vendor"]
    list_filter = ["version_scheme", "vendor"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "vendor", "aliases", "version_scheme", "purl", "cpe"]

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        # Through the service: audited, and advisories are re-matched against the new names.
        services.save_product(acting_user(request), obj)


@admin.register(InstalledProduct)
class InstalledProductAdmin(admin.ModelAdmin[InstalledProduct]):
    list_display = ["account", "product", "version", "platform", "site", "users"]
    list_filter = ["product"]
    search_fields = ["account__name", "product__name", "version"]

    def save_model(
        self, request: HttpRequest, obj: InstalledProduct, form: Any, change: bool
    ) -> None:
        services.save_install(acting_user(request), obj)

    def delete_model(self, request: HttpRequest, obj: InstalledProduct) -> None:
        services.remove_install(acting_user(request), obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[InstalledProduct]) -> None:
        for install in queryset.select_related("account"):
            services.remove_install(acting_user(request), install)


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin[CustomField]):
    list_display = ["label", "key", "kind", "order"]
