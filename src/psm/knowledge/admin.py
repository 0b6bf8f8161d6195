from django.contrib import admin

from psm.knowledge.models import Article, ArticleFile, Feedback, Revision


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("title", "account", "visibility", "status", "revision", "updated_at")
    list_filter = ("visibility", "status")
    search_fields = ("title", "slug")
    readonly_fields = ("revision", "plain", "published_at", "updated_at")


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin[Revision]):
    list_display = ("article", "number", "author", "created_at", "note")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ArticleFile)
class ArticleFileAdmin(admin.ModelAdmin[ArticleFile]):
    list_display = ("name", "article", "content_type", "size", "uploaded_at")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin[Feedback]):
    list_display = ("article", "account", "helpful", "answered_at")
    list_filter = ("helpful",)
