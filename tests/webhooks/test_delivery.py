"""Deliveries: a row written with the change, sent by the worker, retried with backoff,
replayed from the log; a 410 or days of failure disable the endpoint and tell its owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from psm.cases import services as cases
from psm.notifications.models import Notification
from psm.testing.webhooks import make_endpoint
from psm.webhooks import services
from psm.webhooks.models import Attempt, Delivery, DeliveryStatus


def open_case(book, title="VOB down"):
    return cases.open_case(None, book.a, title=title, text="help", contact=book.contact_a)


def test_a_rolled_back_change_leaves_no_delivery(book, receiver) -> None:
    make_endpoint(receiver.url(), events=["case.created"])

    def change_that_fails() -> None:
        with transaction.atomic():
            open_case(book)
            assert Delivery.objects.count() == 1
            raise RuntimeError("the change fails after the event")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert Delivery.objects.count() == 0
    assert services.deliver_due() == 0
    assert receiver.requests == []


def test_only_subscribed_events_and_the_accounts_own_endpoints_get_deliveries(book, receiver):
    everything = make_endpoint(receiver.url("/all"), events=["case.created", "case.updated"])
    acme = make_endpoint(receiver.url("/acme"), account=book.a, events=["case.created"])
    globex = make_endpoint(receiver.url("/globex"), account=book.b, events=["case.created"])
    pages = make_endpoint(receiver.url("/pages"), events=["page.triggered"])
    open_case(book)
    assert set(Delivery.objects.values_list("endpoint", flat=True)) == {everything.pk, acme.pk}
    services.deliver_due()
    assert sorted(r.path for r in receiver.requests) == ["/acme", "/all"]
    assert globex.deliveries.count() == pages.deliveries.count() == 0
    # One event, one webhook-id for every endpoint that gets it.
    assert len({r.id for r in receiver.requests}) == 1


def test_an_internal_note_goes_to_the_installation_only(book, receiver) -> None:
    make_endpoint(receiver.url("/all"), events=["case.message_added"])
    make_endpoint(receiver.url("/acme"), account=book.a, events=["case.message_added"])
    case = open_case(book)
    cases.add_note(book.alice, case, "The client's admin is on holiday.")
    services.deliver_due()
    [request] = receiver.requests
    assert request.path == "/all"
    message = request.json["data"]["message"]
    assert message["internal"] is True and message["text"] == "The client's admin is on holiday."


def test_a_disabled_endpoint_gets_nothing(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"])
    services.disable(book.admin, endpoint, "Paused for maintenance")
    open_case(book)
    assert Delivery.objects.count() == 0


def test_a_failed_attempt_is_retried_later_with_growing_jittered_delays(book, receiver) -> None:
    make_endpoint(receiver.url(), events=["case.created"])
    receiver.answers.extend([500, 502])
    open_case(book)
    services.deliver_due()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "The receiver answered 500."
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=14) < first_wait <= timedelta(seconds=31)
    assert services.deliver_due() == 0  # not yet
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
        services.deliver_due()
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_status_code) == (2, 502)
        second_wait = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=29) < second_wait <= timedelta(seconds=61)
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
        assert services.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in Attempt.objects.order_by("at")] == [500, 502, 200]
    assert delivery.endpoint.failing_since is None


def test_backoff_spreads_retries_over_about_three_days(settings) -> None:
    settings.PSM_WEBHOOKS_BACKOFF_SECONDS = 30
    for where in (0.0, 1.0):  # the two ends of the jitter
        waited, attempts = timedelta(), 1
        while waited + services.backoff(attempts, _Fixed(where)) <= timedelta(hours=72):
            waited += services.backoff(attempts, _Fixed(where))
            attempts += 1
        assert 12 <= attempts <= 24, (where, attempts)
        assert waited > timedelta(hours=60)
    assert services.backoff(40, _Fixed(1.0)) == timedelta(hours=12)
    assert services.backoff(40, _Fixed(0.0)) == timedelta(hours=6)


class _Fixed:
    def __init__(self, where: float) -> None:
        self.where = where

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.where


def test_a_redirect_is_not_followed(book, receiver) -> None:
    make_endpoint(receiver.url(), events=["case.created"])
    receiver.answers.append((302, "http://169.254.169.254/latest/meta-data"))
    open_case(book)
    services.deliver_due()
    delivery = Delivery.objects.get()
    assert len(receiver.requests) == 1
    assert delivery.status == DeliveryStatus.PENDING
    assert "redirects are not followed" in delivery.last_error
    assert "169.254.169.254" in delivery.last_error


def test_410_gone_disables_the_endpoint_and_tells_its_owner(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"], actor=book.alice)
    receiver.answers.append(410)
    open_case(book, "First")
    open_case(book, "Second")
    services.deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.disabled_reason
    assert len(receiver.requests) == 1  # the second was not sent to a receiver that is gone
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    mail = Notification.objects.get(key__startswith=f"webhook:{endpoint.pk}:disabled")
    assert mail.recipient == book.alice.email
    assert endpoint.url in mail.body and "410" in mail.body


def test_after_three_days_of_failure_the_endpoint_is_disabled_and_its_owner_told(
    book, receiver
) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"], actor=book.alice)
    receiver.answers.extend([500] * 100)
    open_case(book)
    now = timezone.now()
    for _ in range(40):
        delivery = Delivery.objects.get()
        if delivery.status != DeliveryStatus.PENDING:
            break
        now = max(now, delivery.next_attempt_at) + timedelta(seconds=1)
        with time_machine.travel(now, tick=False):
            services.deliver_due()
    delivery = Delivery.objects.get()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert timedelta(hours=60) < now - delivery.created_at <= timedelta(hours=73)
    assert 12 <= delivery.attempts <= 24
    assert not endpoint.is_active and "72 hours" in endpoint.disabled_reason
    mail = Notification.objects.get(key__startswith=f"webhook:{endpoint.pk}:disabled")
    assert mail.recipient == book.alice.email


def test_a_success_in_between_keeps_the_endpoint_enabled(book, receiver, settings) -> None:
    settings.PSM_WEBHOOKS_RETRY_HOURS = 1
    endpoint = make_endpoint(receiver.url(), events=["case.created"])
    receiver.answers.append(500)
    start = timezone.now()
    open_case(book, "Failing")
    services.deliver_due()
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        open_case(book, "Works")
        works = Delivery.objects.get(body__contains="Works")
        assert services.deliver_messages([works.msg_id]) == 1
    receiver.answers.extend([500] * 10)
    for hours in (2, 3):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            services.deliver_due()
    endpoint.refresh_from_db()
    failing = Delivery.objects.get(body__contains="Failing")
    assert failing.status == DeliveryStatus.FAILED
    assert endpoint.is_active and endpoint.failing_since is not None


def test_replay_sends_the_same_webhook_id_and_body_again(book, receiver) -> None:
    make_endpoint(receiver.url(), events=["case.created"])
    open_case(book)
    services.deliver_due()
    delivery = Delivery.objects.get()
    services.replay(book.admin, delivery)
    assert delivery.status == DeliveryStatus.PENDING
    assert services.deliver_due() == 1
    first, second = receiver.requests
    assert first.id == second.id and first.body == second.body
    assert delivery.log.count() == 2


def test_a_disabled_endpoints_delivery_cannot_be_replayed(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), events=["case.created"])
    open_case(book)
    services.disable(book.admin, endpoint, "Receiver moved")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    with pytest.raises(ValidationError, match="enable it first"):
        services.replay(book.admin, delivery)
    services.enable(book.admin, endpoint)
    services.replay(book.admin, delivery)
    assert services.deliver_due() == 1


def test_a_receiver_that_does_not_answer_times_out(book, receiver, settings) -> None:
    settings.PSM_WEBHOOKS_TIMEOUT_SECONDS = 1
    make_endpoint(receiver.url(), events=["case.created"])
    receiver.hang_next = 1
    open_case(book)
    services.deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "timed out" in delivery.last_error.lower()
    assert delivery.log.get().duration_ms < 5000


def test_a_test_event_reaches_one_endpoint(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url("/one"), events=["case.created"])
    make_endpoint(receiver.url("/other"), events=["case.created"])
    delivery = services.send_test(book.admin, endpoint)
    services.deliver_due()
    [request] = receiver.requests
    assert request.path == "/one" and request.id == delivery.msg_id
    assert request.json["type"] == "webhook.test"


def test_retention_prunes_old_finished_deliveries_and_keeps_waiting_ones(book, receiver) -> None:
    from psm.ops.retention import prune_webhook_deliveries

    make_endpoint(receiver.url(), events=["case.created"])
    receiver.answers.append(500)
    open_case(book, "Waits")
    open_case(book, "Delivered")
    services.deliver_due()
    later = timezone.now() + timedelta(days=31)
    assert prune_webhook_deliveries(later, dry_run=True).rows == 1
    pruned = prune_webhook_deliveries(later)
    assert (pruned.kind, pruned.keep_days, pruned.rows) == ("webhook deliveries", 30, 1)
    assert [d.status for d in Delivery.objects.all()] == [DeliveryStatus.PENDING]
    assert Attempt.objects.count() == 1  # the waiting one's log stays with it
