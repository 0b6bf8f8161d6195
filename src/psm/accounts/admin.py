from django.contrib import admin

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
    list_display = ["name", "account", "title", "preferred_channel", "receives_reports"]
    list_filter = ["preferred_channel", "receives_reports"]
    search_fields = ["name", "emails__address", "account__name"]
    inlines = [ContactEmailInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["name", "vendor", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(InstalledProduct)
class InstalledProductAdmin(admin.ModelAdmin[InstalledProduct]):
    list_display = ["account", "product", "version", "platform", "site", "users"]
    list_filter = ["product"]


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin[CustomField]):
    list_display = ["label", "key", "kind", "order"]
