"""The headers follow Standard Webhooks: the independent ``standardwebhooks`` package
verifies what a real receiver got, before and after a secret is rotated."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from psm.cases import services as cases
from psm.testing.webhooks import make_endpoint
from psm.webhooks import services, signing
from psm.webhooks.models import Delivery, DeliveryStatus


def test_a_new_secret_is_a_whsec_secret_of_32_random_bytes() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert secret != signing.new_secret()
    Webhook(secret)  # the package accepts it


def test_a_delivery_verifies_with_the_standardwebhooks_package(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"], actor=book.admin)
    case = cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    assert services.deliver_due() == 1
    [request] = receiver.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "case.created"
    assert payload["data"]["case"]["reference"] == case.reference
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == Delivery.objects.get().msg_id
    assert request.headers["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(request.body, request.headers)


def test_a_changed_body_fails_verification(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"])
    cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    services.deliver_due()
    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"VOB", b"BOV"), request.headers)


def test_after_rotation_both_secrets_verify_until_the_old_one_expires(
    book, receiver, settings
) -> None:
    settings.PSM_WEBHOOKS_ROTATION_HOURS = 24
    endpoint = make_endpoint(receiver.url(), events=["case.created"])
    old = endpoint.secret
    new = services.rotate_secret(book.admin, endpoint)
    assert new != old and endpoint.secret == new
    cases.open_case(None, book.a, title="First", text="x", contact=book.contact_a)
    services.deliver_due()
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(new).verify(request.body, request.headers)

    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        cases.open_case(None, book.a, title="Second", text="x", contact=book.contact_a)
        services.deliver_due()
        request = receiver.requests[-1]
        assert request.json["data"]["case"]["title"] == "Second"
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        # The receiver's clock is the frozen one too: only the timestamp check is real.
        Webhook(new).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(request.body, request.headers)
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2


def test_the_timestamp_is_the_attempts_and_the_id_is_the_same_on_a_retry(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"])
    receiver.answers.append(503)
    cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    services.deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
        assert services.deliver_due() == 1
        first, second = receiver.requests
        assert first.id == second.id == delivery.msg_id
        assert first.body == second.body
        assert int(second.headers["webhook-timestamp"]) > int(first.headers["webhook-timestamp"])
        Webhook(endpoint.secret).verify(second.body, second.headers)
