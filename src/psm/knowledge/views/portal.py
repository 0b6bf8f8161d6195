"""The client's side: the account's published, client-visible articles and global ones
(grouped by tag, searchable), one article with "Did this help?", its files, and the
intranet bundle to download. Drafts, internal articles and other accounts' articles are
never found here: every lookup starts from ``Article.objects.for_client``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from psm.accounts.models import Contact
from psm.accounts.scoping import client_contact
from psm.knowledge import search, services
from psm.knowledge.bundle import UNTAGGED
from psm.knowledge.forms import FeedbackForm
from psm.knowledge.links import portal_links
from psm.knowledge.models import Article, Feedback
from psm.knowledge.render import render as render_markdown
from psm.knowledge.views.staff import bundle_response, file_response
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, clients_only

PAGE = 20


def _contact(request: HttpRequest) -> Contact:
    return client_contact(acting_user(request))


def _article(request: HttpRequest, article_id: int) -> tuple[Contact, Article]:
    contact = _contact(request)
    article = get_object_or_404(
        Article.objects.for_client(contact.account_id).select_related("account"), pk=article_id
    )
    return contact, article


@clients_only
def portal_home(request: HtmxRequest) -> HttpResponse:
    contact = _contact(request)
    articles = Article.objects.for_client(contact.account_id)
    q = request.GET.get("q", "").strip()[:300]
    context: dict[str, Any] = {"account": contact.account, "q": q}
    if q:
        context["results"] = search.search(articles, q, limit=PAGE)
        if request.htmx and request.htmx.target == "kb-results":
            return render(request, "knowledge/_portal_results.html", context)
        return render(request, "knowledge/portal.html", context)
    by_tag: dict[str, list[Article]] = defaultdict(list)
    for article in articles.order_by("title", "pk"):
        for tag in article.tags or [UNTAGGED]:
            by_tag[tag].append(article)
    context["groups"] = sorted(by_tag.items(), key=lambda kv: (kv[0] == UNTAGGED, kv[0]))
    context["count"] = articles.count()
    if request.htmx and request.htmx.target == "kb-results":
        return render(request, "knowledge/_portal_results.html", context)
    return render(request, "knowledge/portal.html", context)


@clients_only
def portal_article(request: HtmxRequest, article_id: int) -> HttpResponse:
    contact, article = _article(request, article_id)
    mine = Feedback.objects.filter(article=article, user=acting_user(request)).first()
    context = {
        "account": contact.account,
        "article": article,
        "body": render_markdown(article.body, portal_links(article, contact.account_id)).html,
        "answer": mine,
        "form": FeedbackForm(),
    }
    return render(request, "knowledge/portal_article.html", context)


@clients_only
@require_POST
def portal_feedback(request: HtmxRequest, article_id: int) -> HttpResponse:
    contact, article = _article(request, article_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Answer yes or no.")
        return redirect("knowledge:portal-article", article_id=article.pk)
    try:
        services.answer(
            article,
            acting_user(request),
            contact,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Thank you — your answer helps your PSM improve this article.")
    return redirect("knowledge:portal-article", article_id=article.pk)


def portal_file(request: HttpRequest, article_id: int, file_id: int) -> HttpResponseBase:
    """Client contacts only (a streamed response, so the guard is spelled out)."""
    if not getattr(request.user, "is_client", False):
        raise PermissionDenied("The portal is for client contacts.")
    _, article = _article(request, article_id)
    item = article.files.filter(pk=file_id).first()
    if item is None:
        raise Http404("No such file")
    return file_response(item)


@clients_only
def portal_bundle(request: HttpRequest) -> HttpResponse:
    contact = _contact(request)
    return bundle_response(contact.account)
