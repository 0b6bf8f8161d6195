"""Staff pages: the advisories page (review queue, delivered, ranges to read, exposure),
one advisory, the upload, an account's tab and one account's item with the PSM's actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.accounts.scoping import get_visible_account, visible_accounts
from psm.advisories import queries, services
from psm.advisories.forms import (
    DeliverForm,
    FilterForm,
    InstallStateForm,
    NotRelevantForm,
    RangeForm,
    TextForm,
    UploadForm,
)
from psm.advisories.importer import ImportReport, import_document
from psm.advisories.matching import Catalog
from psm.advisories.models import (
    AccountAdvisory,
    Advisory,
    InstallAction,
    ItemState,
    Match,
)
from psm.lib.htmx import HtmxRequest
from psm.team.access import acting_user, staff_only

PAGE = 50


def _filtered(request: HtmxRequest, form: FilterForm) -> Any:
    items = (
        queries.items_for(request.user)
        .select_related("advisory", "account")
        .annotate(installs=queries.match_count())
    )
    state = "open"
    if form.is_valid():
        state = form.cleaned_data["state"] or "open"
        if severity := form.cleaned_data["severity"]:
            items = items.filter(advisory__severity=severity)
        if q := form.cleaned_data["q"]:
            items = items.filter(
                Q(advisory__tracking_id__icontains=q)
                | Q(advisory__title__icontains=q)
                | Q(account__name__icontains=q)
                | Q(advisory__cves__icontains=q)
            )
    if state == "open":
        items = items.filter(state__in=[ItemState.REVIEW, ItemState.DELIVERED])
    elif state != "all":
        items = items.filter(state=state)
    return items.order_by("state", "-relevant_since", "-pk")


@staff_only
def home(request: HtmxRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    page = Paginator(_filtered(request, form), PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"form": form, "page": page, "now": timezone.now()}
    if request.htmx and request.htmx.target == "advisory-items":
        return render(request, "advisories/_items.html", context)
    context["queue"] = queries.review_queue(acting_user(request), limit=20)
    context["ranges"] = list(queries.ranges_to_read(request.user)[:50])
    context["exposure"] = queries.exposure_by_account(request.user)[:100]
    context["latest"] = Advisory.objects.order_by("-imported_at")[:10]
    return render(request, "advisories/home.html", context)


@staff_only
def catalog(request: HtmxRequest) -> HttpResponse:
    """Every imported advisory (documents are provider data, not client data)."""
    q = request.GET.get("q", "").strip()
    advisories = Advisory.objects.all()
    if q:
        advisories = advisories.filter(
            Q(tracking_id__icontains=q) | Q(title__icontains=q) | Q(cves__icontains=q)
        )
    page = Paginator(
        advisories.only(
            "tracking_id", "title", "revision", "severity", "tlp", "current_release", "publisher"
        ),
        PAGE,
    ).get_page(request.GET.get("page"))
    return render(request, "advisories/catalog.html", {"page": page, "q": q})


@staff_only
def advisory_detail(request: HtmxRequest, advisory_id: int) -> HttpResponse:
    advisory = get_object_or_404(Advisory, pk=advisory_id)
    visible = visible_accounts(request.user)
    context = {
        "advisory": advisory,
        "statements": advisory.statements.select_related("catalog_product").order_by(
            "vulnerability", "status", "pk"
        )[:500],
        "items": AccountAdvisory.objects.filter(advisory=advisory, account__in=visible)
        .select_related("account")
        .annotate(installs=queries.match_count())
        .order_by("account__name"),
        "range_form": RangeForm(),
    }
    return render(request, "advisories/advisory.html", context)


@staff_only
def upload(request: HtmxRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = ImportReport()
        catalog = Catalog.load()
        for upload_file in form.cleaned_data["documents"]:
            raw = upload_file.read()
            name = upload_file.name or "upload.json"
            report.add(import_document(raw, name, actor=acting_user(request), catalog=catalog))
        if not report.rejected:
            messages.success(
                request,
                f"Imported {report.imported}, updated {report.updated}, unchanged "
                f"{report.unchanged}; {report.needs_review} range(s) wait for a person.",
            )
    status = 400 if report is not None and report.rejected else 200
    return render(
        request, "advisories/upload.html", {"form": form, "report": report}, status=status
    )


@staff_only
def read_range(request: HtmxRequest, statement_id: int) -> HttpResponse:
    """A person reads a free-text range (or ignores it); only for products of the
    user's accounts (administrators: all)."""
    statement = get_object_or_404(queries.ranges_to_read(request.user), pk=statement_id)
    form = RangeForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "ignore":
            services.ignore_range(acting_user(request), statement)
            messages.success(request, "The range is ignored.")
            return redirect("advisories:home")
        if form.is_valid():
            try:
                services.read_range(acting_user(request), statement, form.cleaned_data["vers"])
            except ValidationError as exc:
                form.add_error("vers", exc)
            else:
                messages.success(request, f"Read as {statement.vers}; matched again.")
                return redirect(statement.advisory)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "advisories/range.html", {"statement": statement, "form": form}, status=status
    )


@staff_only
def account_tab(request: HtmxRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    now = timezone.now()
    items = (
        AccountAdvisory.objects.filter(account=account)
        .select_related("advisory")
        .annotate(installs=queries.match_count())
        .order_by("state", "-relevant_since")
    )
    context = {
        "account": account,
        "items": Paginator(items, PAGE).get_page(request.GET.get("page")),
        "exposure": queries.exposure(account, now),
        "contacts": services.advisory_contacts(account),
        "now": now,
    }
    return render(request, "advisories/account.html", context)


def _item(request: HtmxRequest, slug: str, item_id: int) -> AccountAdvisory:
    account = get_visible_account(request.user, slug)
    item = get_object_or_404(
        AccountAdvisory.objects.select_related("advisory", "account"), account=account, pk=item_id
    )
    return item


def _item_context(item: AccountAdvisory, **forms: Any) -> dict[str, Any]:
    advisory = item.advisory
    return {
        "item": item,
        "advisory": advisory,
        "account": item.account,
        "matches": Match.objects.filter(account=item.account, advisory=advisory)
        .select_related("install__product", "install__site")
        .order_by("reason"),
        "actions": [
            (action, InstallStateForm(prefix=f"a{action.pk}", initial=_initial(action)))
            for action in item.actions.select_related("install__product", "install__site")
        ],
        "contacts": services.advisory_contacts(item.account),
        "deliver_form": forms.get("deliver_form")
        or DeliverForm(initial={"client_text": item.client_text or advisory.summary}),
        "not_relevant_form": forms.get("not_relevant_form") or NotRelevantForm(),
        "text_form": forms.get("text_form") or TextForm(initial={"client_text": item.client_text}),
    }


def _initial(action: InstallAction) -> dict[str, Any]:
    return {"state": action.state, "deferred_until": action.deferred_until, "note": action.note}


@staff_only
def item_detail(request: HtmxRequest, slug: str, item_id: int) -> HttpResponse:
    item = _item(request, slug, item_id)
    return render(request, "advisories/item.html", _item_context(item))


@staff_only
@require_POST
def item_deliver(request: HtmxRequest, slug: str, item_id: int) -> HttpResponse:
    item = _item(request, slug, item_id)
    form = DeliverForm(request.POST)
    if form.is_valid():
        try:
            sent = services.deliver(
                acting_user(request),
                item,
                client_text=form.cleaned_data["client_text"],
                confirm_tlp=form.cleaned_data["confirm_tlp"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Delivered to {', '.join(sent)}.")
            return redirect(item.get_absolute_url())
    context = _item_context(item, deliver_form=form)
    return render(request, "advisories/item.html", context, status=400)


@staff_only
@require_POST
def item_not_relevant(request: HtmxRequest, slug: str, item_id: int) -> HttpResponse:
    item = _item(request, slug, item_id)
    form = NotRelevantForm(request.POST)
    if form.is_valid():
        try:
            services.mark_not_relevant(acting_user(request), item, form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Marked not relevant for this client.")
            return redirect(item.get_absolute_url())
    context = _item_context(item, not_relevant_form=form)
    return render(request, "advisories/item.html", context, status=400)


@staff_only
@require_POST
def item_text(request: HtmxRequest, slug: str, item_id: int) -> HttpResponse:
    item = _item(request, slug, item_id)
    form = TextForm(request.POST)
    if form.is_valid():
        services.edit_client_text(acting_user(request), item, form.cleaned_data["client_text"])
        messages.success(request, "Text saved.")
        return redirect(item.get_absolute_url())
    return render(request, "advisories/item.html", _item_context(item, text_form=form), status=400)


@staff_only
@require_POST
def item_install(request: HtmxRequest, slug: str, item_id: int, action_id: int) -> HttpResponse:
    item = _item(request, slug, item_id)
    action = get_object_or_404(item.actions.select_related("install__product"), pk=action_id)
    return install_state(request, action, item.get_absolute_url())


def install_state(request: HtmxRequest, action: InstallAction, back: str) -> HttpResponse:
    """Shared by the staff and portal pages: parse, call the service, answer."""
    form = InstallStateForm(request.POST, prefix=f"a{action.pk}")
    if form.is_valid():
        try:
            services.set_install_state(
                acting_user(request),
                action,
                services.InstallUpdate(
                    form.cleaned_data["state"],
                    form.cleaned_data["deferred_until"],
                    form.cleaned_data["note"],
                ),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if request.htmx:
                fresh = InstallStateForm(prefix=f"a{action.pk}", initial=_initial(action))
                context = {"action": action, "form": fresh, "post_url": request.path}
                return render(request, "advisories/_action.html", {**context, "saved": True})
            messages.success(request, f"{action.install}: {action.get_state_display()}.")
            return redirect(back)
    return render(
        request,
        "advisories/_action.html",
        {"action": action, "form": form, "post_url": request.path},
        status=400,
    )
