"""Staff pages: the knowledge base (search and list), one article with its revisions, files
and answers, writing and editing, comparing and restoring revisions, an account's tab with
its bundle, and the case page's "insert an article" search."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from psm.accounts.models import Account
from psm.accounts.scoping import get_visible_account, visible_accounts
from psm.cases.views import get_case
from psm.knowledge import bundle, search, services
from psm.knowledge.forms import ArticleForm, FileForm, NewArticleForm, SearchForm
from psm.knowledge.links import staff_links
from psm.knowledge.models import IMAGE_TYPES, Article, ArticleFile, Revision, Status
from psm.knowledge.queries import staff_articles, suggestions
from psm.knowledge.render import render as render_markdown
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, staff_only

PAGE = 30


def get_article(request: HttpRequest, article_id: int) -> Article:
    return get_object_or_404(staff_articles(request.user), pk=article_id)


def _filtered(articles: QuerySet[Article], form: SearchForm) -> tuple[QuerySet[Article], str]:
    if not form.is_valid():
        return articles, ""
    data = form.cleaned_data
    if data["tag"]:
        articles = articles.filter(tags__icontains=f'"{data["tag"].lower()}"')
    if data["status"]:
        articles = articles.filter(status=data["status"])
    if data["visibility"]:
        articles = articles.filter(visibility=data["visibility"])
    return articles, str(data["q"] or "").strip()


def _listing(request: HtmxRequest, articles: QuerySet[Article]) -> dict[str, Any]:
    form = SearchForm(request.GET or None)
    articles, q = _filtered(articles, form)
    results = None
    if q:
        number = _number(request.GET.get("page"), 1)
        number = number if 1 <= number <= 500 else 1
        results = search.search(articles, q, limit=PAGE, offset=(number - 1) * PAGE)
        page = Paginator(range(results.total), PAGE).get_page(number)
    else:
        page = Paginator(articles.order_by("-updated_at", "-pk"), PAGE).get_page(  # type: ignore[assignment]
            request.GET.get("page")
        )
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "q": q, "results": results, "page": page, "query": query.urlencode()}


@staff_only
def home(request: HtmxRequest) -> HttpResponse:
    context = _listing(request, staff_articles(request.user))
    if request.htmx and request.htmx.target == "kb-results":
        return render(request, "knowledge/_results.html", context)
    context["tags"] = _tags(staff_articles(request.user))
    return render(request, "knowledge/home.html", context)


def _tags(articles: QuerySet[Article]) -> list[str]:
    found: set[str] = set()
    for tags in articles.values_list("tags", flat=True)[:2000]:
        found.update(tags or [])
    return sorted(found)


@staff_only
def account_tab(request: HtmxRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    articles = Article.objects.filter(account=account).select_related("account")
    context = _listing(request, articles)
    if request.htmx and request.htmx.target == "kb-results":
        return render(request, "knowledge/_results.html", context)
    context.update(
        account=account,
        tags=_tags(articles),
        client_count=Article.objects.for_client(account.pk).count(),
    )
    return render(request, "knowledge/account.html", context)


@staff_only
def account_bundle(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    return bundle_response(account)


def bundle_response(account: Account) -> HttpResponse:
    made = bundle.build(account)
    response = HttpResponse(made.zip_bytes(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{made.zip_name}"'
    return response


@staff_only
def create(request: HtmxRequest) -> HttpResponse:
    accounts = visible_accounts(request.user).distinct().order_by("name")
    initial: dict[str, Any] = {"status": Status.DRAFT}
    if slug := request.GET.get("account"):
        initial["account"] = accounts.filter(slug=slug).first()
    form = NewArticleForm(request.POST or None, accounts=accounts, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.save_article(
                acting_user(request),
                None,
                account=data["account"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                visibility=data["visibility"],
                status=data["status"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{article.title}” saved as revision 1.")
            return redirect(article)
    return render(request, "knowledge/form.html", {"form": form, "article": None})


@staff_only
def article_detail(request: HtmxRequest, article_id: int) -> HttpResponse:
    article = get_article(request, article_id)
    revisions = list(article.revisions.select_related("author")[:200])
    context = {
        "article": article,
        "body": render_markdown(article.body, staff_links(article)).html,
        "revisions": revisions,
        "files": list(article.files.all()),
        "file_form": FileForm(),
        "summary": services.feedback_summary(article),
        "answers": article.feedback.select_related("contact").order_by("-answered_at")[:50],
        "portal_url": settings.BASE_URL + article.get_portal_url(),
    }
    return render(request, "knowledge/article.html", context)


@staff_only
def edit(request: HtmxRequest, article_id: int) -> HttpResponse:
    article = get_article(request, article_id)
    form = ArticleForm.for_article(article, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = article.revision
        try:
            article = services.save_article(
                acting_user(request),
                article,
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                visibility=data["visibility"],
                status=data["status"],
                note=data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if article.revision == before:
                messages.info(request, "Nothing changed, so no new revision.")
            else:
                messages.success(request, f"Saved as revision {article.revision}.")
            return redirect(article)
    return render(request, "knowledge/form.html", {"form": form, "article": article})


@staff_only
@require_POST
def delete(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_article(request, article_id)
    account = article.account
    services.delete_article(acting_user(request), article)
    messages.success(request, f"“{article.title}” deleted.")
    if account is not None:
        return redirect("knowledge:account", slug=account.slug)
    return redirect("knowledge:home")


def _number(raw: str | None, default: int) -> int:
    try:
        return int(raw or default)
    except ValueError:
        return default


@staff_only
def revisions(request: HtmxRequest, article_id: int) -> HttpResponse:
    """Compare any two revisions (``?a=1&b=3``; by default the last two)."""
    article = get_article(request, article_id)
    numbers = list(article.revisions.values_list("number", flat=True))
    newest = numbers[0] if numbers else 0
    a = _number(request.GET.get("a"), max(newest - 1, 1))
    b = _number(request.GET.get("b"), newest)
    found = {r.number: r for r in article.revisions.filter(number__in=[a, b])}
    if a not in found or b not in found:
        messages.error(request, "Choose two revisions of this article.")
        a, b = max(newest - 1, 1), newest
        found = {r.number: r for r in article.revisions.filter(number__in=[a, b])}
    old, new = found[a], found[b]
    context = {
        "article": article,
        "old": old,
        "new": new,
        "lines": services.compare(old, new),
        "numbers": numbers,
    }
    return render(request, "knowledge/compare.html", context)


@staff_only
def revision(request: HtmxRequest, article_id: int, number: int) -> HttpResponse:
    article = get_article(request, article_id)
    found = get_object_or_404(
        Revision.objects.select_related("author"), article=article, number=number
    )
    body = render_markdown(found.body, staff_links(article)).html
    return render(
        request, "knowledge/revision.html", {"article": article, "rev": found, "body": body}
    )


@staff_only
@require_POST
def restore(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    article = get_article(request, article_id)
    try:
        article = services.restore(acting_user(request), article, number)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Revision {number} restored as revision {article.revision}.")
    return redirect(article)


@staff_only
@require_POST
def upload(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_article(request, article_id)
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to add.")
        return redirect(article)
    upload = form.cleaned_data["file"]
    try:
        item = services.add_file(
            acting_user(request),
            article,
            upload.name or "file",
            upload.read(),
            upload.content_type or "",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        show = (
            f"![{item.name}](files/{item.name})"
            if item.is_image
            else f"[{item.name}](files/{item.name})"
        )
        messages.success(request, f"{item.name} added; show it in the text with {show}")
    return redirect(article)


def file_response(item: ArticleFile) -> HttpResponseBase:
    inline = item.content_type in IMAGE_TYPES
    response = FileResponse(item.file.open("rb"), as_attachment=not inline, filename=item.name)
    response["Content-Type"] = item.content_type
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    response["Cache-Control"] = "private, max-age=300"
    return response


def file(request: HttpRequest, article_id: int, file_id: int) -> HttpResponseBase:
    """Staff only (a streamed response, so the guard is spelled out)."""
    if not getattr(request.user, "is_provider_staff", False):
        raise PermissionDenied("This file link is for the provider's staff.")
    article = get_article(request, article_id)
    item = article.files.filter(pk=file_id).first()
    if item is None:
        raise Http404("No such file")
    return file_response(item)


@staff_only
@require_POST
def remove_file(request: HttpRequest, article_id: int, file_id: int) -> HttpResponse:
    article = get_article(request, article_id)
    item = get_object_or_404(ArticleFile, article=article, pk=file_id)
    services.remove_file(acting_user(request), item)
    messages.success(request, f"{item.name} removed.")
    return redirect(article)


# --- the case page: insert an article into the reply --------------------------------------


@staff_only
def case_search(request: HtmxRequest, reference: str) -> HttpResponse:
    case = get_case(request.user, reference)
    q = request.GET.get("q", "").strip()[:300]
    context = {"case": case, "articles": suggestions(case, q), "q": q, "base": settings.BASE_URL}
    return render(request, "knowledge/_case_articles.html", context)
