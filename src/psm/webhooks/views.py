"""Webhook pages for the provider's staff. An administrator manages every endpoint,
including the installation's (told about every account); an engineer or manager manages
the endpoints of the accounts they can see (``visible_accounts``)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from psm.accounts.scoping import visible_accounts
from psm.team.access import acting_user, staff_only
from psm.team.models import User
from psm.webhooks import services
from psm.webhooks.forms import DeliveryFilter, EndpointForm
from psm.webhooks.models import Delivery, DeliveryStatus, Endpoint

PAGE = 50


def _endpoints(user: User) -> QuerySet[Endpoint]:
    endpoints = Endpoint.objects.select_related("account", "created_by")
    if user.is_admin:
        return endpoints
    return endpoints.filter(account__in=visible_accounts(user))


def _endpoint(request: HttpRequest, endpoint_id: int) -> Endpoint:
    return get_object_or_404(_endpoints(acting_user(request)), pk=endpoint_id)


def _form(request: HttpRequest, **kwargs: object) -> EndpointForm:
    user = acting_user(request)
    return EndpointForm(
        request.POST or None, accounts=visible_accounts(user), installation=user.is_admin, **kwargs
    )


@staff_only
def endpoint_list(request: HttpRequest) -> HttpResponse:
    endpoints = _endpoints(acting_user(request)).annotate(
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        waiting=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        last_delivered=Max("deliveries__delivered_at"),
    )
    return render(request, "webhooks/list.html", {"endpoints": endpoints})


@staff_only
def endpoint_new(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_endpoint(acting_user(request), form.spec())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                "Endpoint added. Give its signing secret (below) to the receiver, which "
                "verifies every request with it.",
            )
            return redirect(endpoint.get_absolute_url())
    return render(request, "webhooks/edit.html", {"form": form, "endpoint": None})


@staff_only
def endpoint_edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "account": endpoint.account,
        "events": endpoint.events,
    }
    form = _form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(acting_user(request), endpoint, form.spec())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect(endpoint.get_absolute_url())
    return render(request, "webhooks/edit.html", {"form": form, "endpoint": endpoint})


@staff_only
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    filters = DeliveryFilter(request.GET or None)
    deliveries = endpoint.deliveries.order_by("-created_at", "-id")
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            deliveries = deliveries.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["event"]:
            deliveries = deliveries.filter(event_type=filters.cleaned_data["event"])
    page = Paginator(deliveries, PAGE).get_page(request.GET.get("page"))
    query = "&".join(
        f"{k}={v}" for k, v in request.GET.items() if k != "page" and v and k in filters.fields
    )
    context = {
        "endpoint": endpoint,
        "secret": services.secret_shown(endpoint),
        "filters": filters,
        "page": page,
        "query": query,
    }
    htmx = getattr(request, "htmx", False)
    template = "webhooks/_deliveries.html" if htmx else "webhooks/endpoint.html"
    return render(request, template, context)


@staff_only
@require_POST
def endpoint_rotate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    services.rotate_secret(acting_user(request), endpoint)
    messages.success(
        request,
        "New signing secret made. Until the old one expires, each request carries a "
        "signature with each, so update the receiver in that time.",
    )
    return redirect(endpoint.get_absolute_url())


@staff_only
@require_POST
def endpoint_disable(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    user = acting_user(request)
    if services.disable(user, endpoint, f"Disabled by {user.get_full_name() or user.username}"):
        messages.success(request, "Endpoint disabled: nothing is sent to it until enabled.")
    return redirect(endpoint.get_absolute_url())


@staff_only
@require_POST
def endpoint_enable(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    if services.enable(acting_user(request), endpoint):
        messages.success(
            request, "Endpoint enabled. Replay what failed meanwhile from the delivery log."
        )
    return redirect(endpoint.get_absolute_url())


@staff_only
@require_POST
def endpoint_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    if not endpoint.is_active:
        messages.error(request, "The endpoint is disabled: enable it first.")
        return redirect(endpoint.get_absolute_url())
    delivery = services.send_test(acting_user(request), endpoint)
    messages.success(request, "A webhook.test event is on its way.")
    return redirect(delivery.get_absolute_url())


def _delivery(request: HttpRequest, endpoint_id: int, delivery_id: int) -> Delivery:
    endpoint = _endpoint(request, endpoint_id)
    delivery = endpoint.deliveries.filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery")
    return delivery


@staff_only
def delivery_detail(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    delivery = _delivery(request, endpoint_id, delivery_id)
    try:
        body = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
    except ValueError:
        body = delivery.body
    context = {
        "endpoint": delivery.endpoint,
        "delivery": delivery,
        "body": body,
        "attempts": delivery.log.all()[:100],
    }
    return render(request, "webhooks/delivery.html", context)


@staff_only
@require_POST
def delivery_replay(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    delivery = _delivery(request, endpoint_id, delivery_id)
    try:
        services.replay(acting_user(request), delivery)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Sending {delivery.event_type} again ({delivery.msg_id}).")
    if request.POST.get("back") == "endpoint":
        return redirect(delivery.endpoint.get_absolute_url())
    return redirect(delivery.get_absolute_url())
