from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from psm.accounts.models import Account
from psm.knowledge.models import Article, Status, Visibility
from psm.knowledge.services import MAX_FILE_BYTES, clean_tags


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=300)
    body = forms.CharField(
        required=False,
        strip=False,
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text=(
            "Link another article with [text](article:its-slug); show a file of this article "
            "with ![picture](files/name.png) or [manual](files/name.pdf)."
        ),
    )
    tags = forms.CharField(
        required=False, max_length=500, help_text="Separated by commas: backup, clearcase"
    )
    visibility = forms.ChoiceField(choices=Visibility.choices)
    status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(
        required=False,
        max_length=300,
        label="What changed",
        help_text="Shown in the list of revisions (optional).",
    )

    @classmethod
    def for_article(cls, article: Article, data: Any = None) -> ArticleForm:
        return cls(
            data,
            initial={
                "title": article.title,
                "body": article.body,
                "tags": ", ".join(article.tags),
                "visibility": article.visibility,
                "status": article.status,
            },
        )

    def clean_tags(self) -> list[str]:
        try:
            return clean_tags(self.cleaned_data.get("tags", ""))
        except Exception as exc:
            raise forms.ValidationError(str(exc)) from exc


class NewArticleForm(ArticleForm):
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        required=False,
        empty_label="All accounts (a global article)",
        help_text="A global article is offered to every account.",
    )
    field_order = ["account", "title", "body", "tags", "visibility", "status"]

    def __init__(self, *args: Any, accounts: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        del self.fields["note"]


class FileForm(forms.Form):
    file = forms.FileField(
        label="Image or file to add",
        widget=forms.ClearableFileInput(attrs={"data-max-bytes": str(MAX_FILE_BYTES)}),
    )


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was missing? (optional)",
    )


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=300, label="Search")
    tag = forms.CharField(required=False, max_length=40)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    visibility = forms.ChoiceField(
        required=False, choices=[("", "Any visibility"), *Visibility.choices]
    )
