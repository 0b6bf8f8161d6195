"""Work items and advocacy items of one account."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from psm.accounts.scoping import get_visible_account
from psm.engagement.forms import (
    AdvocacyForm,
    AdvocacyUpdateForm,
    WorkItemForm,
    WorkItemUpdateForm,
)
from psm.engagement.models import AdvocacyItem, Milestone, WorkItem
from psm.engagement.services import work as services
from psm.engagement.services.people import primary_psm
from psm.team.access import acting_user, staff_only


@staff_only
def work_item_create(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = WorkItemForm(
        request.POST or None, account=account, initial={"owner": primary_psm(account)}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        milestones = data.pop("milestones") or []
        try:
            item = services.create_work_item(
                acting_user(request), account, milestones=milestones, **data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Work item added.")
            return redirect(item)
    return render(
        request,
        "engagement/form.html",
        {"account": account, "form": form, "title": "New work item"},
    )


@staff_only
def work_item_detail(request: HttpRequest, slug: str, work_item_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    item = get_object_or_404(
        WorkItem.objects.select_related("owner", "requested_by"), pk=work_item_id, account=account
    )
    user = acting_user(request)
    if request.method == "POST" and (milestone_id := request.POST.get("milestone_done")):
        milestone = get_object_or_404(Milestone, pk=milestone_id, work_item=item)
        services.complete_milestone(user, milestone)
        messages.success(request, f"Milestone reached: {milestone.title}.")
        return redirect(item)
    form = WorkItemUpdateForm(
        request.POST or None, initial={"status": item.status, "due_on": item.due_on}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_work_item(user, item, status=data["status"], due_on=data["due_on"])
        if data["note"]:
            services.add_progress_note(user, item, data["note"])
        if data["milestone"]:
            services.add_milestone(user, item, data["milestone"], data["milestone_due"])
        messages.success(request, "Work item updated.")
        return redirect(item)
    return render(
        request,
        "engagement/work_item.html",
        {
            "account": account,
            "item": item,
            "form": form,
            "milestones": item.milestones.all(),
            "notes": item.notes.select_related("author", "touchpoint"),
        },
    )


@staff_only
def advocacy_create(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    form = AdvocacyForm(
        request.POST or None, account=account, initial={"owner": primary_psm(account)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_advocacy_item(acting_user(request), account, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Advocacy item {item.internal_ref} added.")
            return redirect(item)
    return render(
        request,
        "engagement/form.html",
        {"account": account, "form": form, "title": "Champion an issue"},
    )


@staff_only
def advocacy_detail(request: HttpRequest, slug: str, advocacy_id: int) -> HttpResponse:
    account = get_visible_account(request.user, slug)
    item = get_object_or_404(
        AdvocacyItem.objects.select_related("owner"), pk=advocacy_id, account=account
    )
    form = AdvocacyUpdateForm(
        request.POST or None,
        initial={
            "status": item.status,
            "priority": item.priority,
            "target_release": item.target_release,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_advocacy_update(acting_user(request), item, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Update recorded.")
            return redirect(item)
    others = (
        AdvocacyItem.objects.filter(internal_ref=item.internal_ref)
        .exclude(pk=item.pk)
        .values("account")
        .distinct()
        .count()
    )
    return render(
        request,
        "engagement/advocacy_item.html",
        {
            "account": account,
            "item": item,
            "form": form,
            "updates": item.updates.select_related("author"),
            "other_clients": others,
        },
    )
