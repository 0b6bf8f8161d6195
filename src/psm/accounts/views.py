from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from psm.accounts import services
from psm.accounts.forms import (
    AccountFilterForm,
    AccountForm,
    AssignmentForm,
    ContactForm,
    InstallImportForm,
    PlanOverridesForm,
    SiteForm,
)
from psm.accounts.scoping import get_visible_account, visible_accounts
from psm.lib.htmx import HtmxRequest
from psm.team import services as team_services
from psm.team.access import acting_user, managers_only, staff_only
from psm.team.models import Assignment, AssignmentRole, User


def _current_assignments() -> Prefetch[str]:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.current().select_related("engineer"),
        to_attr="current_assignments",
    )


@staff_only
def account_list(request: HtmxRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None)
    accounts = visible_accounts(request.user).select_related("service_plan")
    if form.is_valid():
        if q := form.cleaned_data["q"]:
            accounts = accounts.filter(
                Q(name__icontains=q) | Q(slug__icontains=q) | Q(sites__city__icontains=q)
            )
        if psm := form.cleaned_data["psm"]:
            accounts = accounts.filter(
                pk__in=Assignment.objects.current()
                .filter(engineer=psm, role=AssignmentRole.PRIMARY)
                .values("account")
            )
        if status := form.cleaned_data["status"]:
            accounts = accounts.filter(status=status)
    accounts = accounts.distinct().prefetch_related(_current_assignments(), "sites")
    page = Paginator(accounts.order_by("name"), 50).get_page(request.GET.get("page"))
    template = "accounts/_account_rows.html" if request.htmx else "accounts/account_list.html"
    return render(request, template, {"form": form, "page": page})


@managers_only
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = services.create_account(acting_user(request), **form.cleaned_data)
        messages.success(request, f"Account {account} created.")
        return redirect(account)
    return render(request, "accounts/account_form.html", {"form": form})


@staff_only
def account_edit(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = AccountForm(request.POST or None, instance=account)
    plan = PlanOverridesForm(request.POST or None, account=account, prefix="plan")
    if request.method == "POST" and form.is_valid() and plan.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        overrides = plan.cleaned_data["overrides"]
        account.refresh_from_db()
        if overrides != account.plan_overrides:
            changed["plan_overrides"] = overrides
        if changed:
            services.update_account(acting_user(request), account, **changed)
        messages.success(request, "Account saved." if changed else "Nothing changed.")
        return redirect(account)
    context = {"form": form, "plan_form": plan, "account": account}
    return render(request, "accounts/account_form.html", context)


@staff_only
def site_create(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = SiteForm(request.POST or None, initial={"timezone": account.timezone})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_site(acting_user(request), account, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Site added.")
            return redirect(account)
    return render(
        request,
        "accounts/simple_form.html",
        {"form": form, "account": account, "title": "New site"},
    )


@staff_only
def contact_create(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = ContactForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        emails = data.pop("emails")
        services.add_contact(acting_user(request), account, emails=emails, **data)
        messages.success(request, f"Contact {data['name']} added.")
        return redirect(account)
    return render(
        request,
        "accounts/simple_form.html",
        {"form": form, "account": account, "title": "New contact"},
    )


@staff_only
def installs_import(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = InstallImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.import_installed_products(
            acting_user(request),
            account,
            form.cleaned_data["file"],
        )
        if report.ok:
            messages.success(request, f"Imported {report.created} installed products.")
            return redirect(account)
    status = 400 if report is not None and not report.ok else 200
    return render(
        request,
        "accounts/installs_import.html",
        {"form": form, "account": account, "report": report},
        status=status,
    )


@staff_only
def contact_edit(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    contact = get_object_or_404(account.contacts.prefetch_related("emails"), pk=contact_id)
    initial = {"emails": ", ".join(e.address for e in contact.emails.all())}
    form = ContactForm(request.POST or None, instance=contact, initial=initial, account=account)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.update_contact(
            acting_user(request),
            contact,
            emails=form.cleaned_data["emails"],
            is_active=form.cleaned_data["is_active"],
            **data,
        )
        messages.success(request, f"{contact.name} saved.")
        return redirect(account)
    return render(
        request,
        "accounts/contact_form.html",
        {"form": form, "account": account, "contact": contact},
    )


@staff_only
@require_POST
def contact_portal(request: HttpRequest, slug: str, contact_id: int) -> HttpResponse:
    """Grant (and e-mail a set-password link) or revoke a contact's portal log-in."""
    account = get_visible_account(request.user, slug)
    contact = get_object_or_404(account.contacts, pk=contact_id)
    if request.POST.get("action") == "revoke":
        services.revoke_portal_access(acting_user(request), contact)
        messages.success(request, f"{contact.name} can no longer log in to the portal.")
    else:
        try:
            services.grant_portal_access(acting_user(request), contact)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{contact.name} has been e-mailed a portal invitation.")
    return redirect("accounts:contact-edit", slug=account.slug, contact_id=contact.pk)


@staff_only
def site_edit(request: HttpRequest, slug: str, site_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    site = get_object_or_404(account.sites, pk=site_id)
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        site.refresh_from_db()
        services.update_site(acting_user(request), site, **changed)
        messages.success(request, "Site saved.")
        return redirect(account)
    return render(
        request, "accounts/simple_form.html", {"form": form, "account": account, "title": site.name}
    )


@managers_only
def assignment_create(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        engineer: User = form.cleaned_data["engineer"]
        try:
            team_services.assign(acting_user(request), account, engineer, form.cleaned_data["role"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{engineer} assigned.")
            return redirect(account)
    return render(
        request, "accounts/simple_form.html", {"form": form, "account": account, "title": "Assign"}
    )
