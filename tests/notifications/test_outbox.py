"""The outbox: a row first, one delivery per claim, retries with backoff, permanent failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from psm.notifications import services
from psm.notifications.mail import LOOP_HEADER, is_our_message_id, message_id_for
from psm.notifications.models import Notification, Status
from psm.notifications.transports.apprise import with_idempotency_key

pytestmark = pytest.mark.django_db


def email(key: str = "k1", **kw) -> Notification:
    return services.notify(
        key,
        transport="email",
        recipient="alma@acme.example",
        subject="Hello",
        body="Body",
        headers={"Message-ID": "<not-ours@elsewhere>", "Auto-Submitted": "auto-generated"},
        **kw,
    )


def test_notify_is_idempotent_per_key() -> None:
    first = email()
    again = email()
    assert first.pk == again.pk
    assert Notification.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_notification").count() == 1


def test_email_goes_through_django_mail_with_its_headers() -> None:
    row = email()
    assert services.deliver(row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)
    (sent,) = mail.outbox
    assert sent.to == ["alma@acme.example"]
    # The Message-ID and the loop header come from the key, whatever the writer asked for.
    assert sent.extra_headers["Message-ID"] == f"<{message_id_for('k1')}>"
    assert is_our_message_id(sent.extra_headers["Message-ID"])
    assert sent.extra_headers[LOOP_HEADER] == "psm.localhost"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sent.extra_headers["X-PSM-Notification"] == "k1"
    assert not services.deliver(row), "a sent row is never sent again"
    assert len(mail.outbox) == 1


def test_apprise_sends_the_key_to_the_provider(provider) -> None:
    row = services.notify(
        "page:1",
        transport="apprise",
        recipient="alice pager",
        target=provider.url(),
        subject="P1 ACME-1",
        body="VOB down",
    )
    assert row.target_encrypted and provider.url() not in row.target_encrypted
    assert services.deliver(row)
    (received,) = provider.requests
    assert received.key == "page:1"
    assert received.body["title"] == "P1 ACME-1" and received.body["message"] == "VOB down"


def test_key_header_is_added_only_where_the_scheme_takes_headers() -> None:
    assert with_idempotency_key("json://h/p", "a b") == "json://h/p?+X-Idempotency-Key=a%20b"
    assert with_idempotency_key("form://h/p?x=1", "k") == "form://h/p?x=1&+X-Idempotency-Key=k"
    assert with_idempotency_key("ntfy://topic", "k") == "ntfy://topic"


def test_a_failure_is_retried_with_backoff_then_given_up(provider, settings) -> None:
    settings.PSM_NOTIFY_MAX_ATTEMPTS = 3
    settings.PSM_NOTIFY_BACKOFF_SECONDS = 30
    provider.fail_next = 3
    row = services.notify(
        "page:2", transport="apprise", recipient="x", target=provider.url(), subject="s", body="b"
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert not services.deliver(row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.next_attempt_at == start + timedelta(seconds=30)
    assert "delivery failed" in row.last_error
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert services.deliver_due() == 0  # not due yet
        assert row.attempts == 1
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        services.deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 2)
    assert row.next_attempt_at == start + timedelta(seconds=31 + 60)
    with time_machine.travel(start + timedelta(seconds=200), tick=False):
        services.deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 3)
    services.retry(row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 0)
    assert services.deliver(row)
    assert provider.accepted["page:2"] == 1


def test_a_permanent_error_is_not_retried() -> None:
    row = services.notify(
        "bad", transport="apprise", recipient="x", target="nosuchscheme://x", subject="s", body="b"
    )
    assert not services.deliver(row)
    row.refresh_from_db()
    assert row.status == Status.FAILED and "cannot use" in row.last_error
    empty = services.notify("empty", transport="email", recipient="", subject="s", body="b")
    services.deliver(empty)
    empty.refresh_from_db()
    assert empty.status == Status.FAILED


def test_only_one_claim_wins_and_an_expired_lease_can_be_taken_over() -> None:
    row = email()
    now = timezone.now()
    twin = Notification.objects.get(pk=row.pk)
    assert row.claim(now, timedelta(minutes=5))
    assert not twin.claim(now, timedelta(minutes=5))
    assert not twin.claim(now + timedelta(minutes=4), timedelta(minutes=5))
    assert twin.claim(now + timedelta(minutes=6), timedelta(minutes=5))
    twin.refresh_from_db()
    assert twin.attempts == 2


def test_backoff_doubles_and_is_capped(settings) -> None:
    settings.PSM_NOTIFY_BACKOFF_SECONDS = 30
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.backoff(30) == services.BACKOFF_CAP


def test_a_rolled_back_change_announces_nothing() -> None:
    from django.db import transaction

    def change_that_fails() -> None:
        with transaction.atomic():
            email("doomed")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not Notification.objects.filter(key="doomed").exists()
    assert not DBTaskResult.objects.exists()


def test_a_redelivery_after_a_crash_is_the_same_message() -> None:
    """A worker that dies after sending leaves the row to be sent again: the second copy has
    the same Message-ID, so every mail system on the way (and ours) sees one message."""
    row = email("k2")
    assert services.deliver(row)
    Notification.objects.filter(pk=row.pk).update(status=Status.PENDING)
    row.refresh_from_db()
    assert services.deliver(row)
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]


def test_parts_travel_with_the_mail(tmp_path, settings) -> None:
    """Files go through the outbox too: an attachment, an inline image named by cid: and an
    alternative body (a calendar invitation's text/calendar part)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    row = services.notify(
        "k3",
        transport="email",
        recipient="alma@acme.example",
        subject="Report",
        body="See attached",
        html='<img src="cid:chart1">',
        parts=[
            services.Part("report.pdf", "application/pdf", b"%PDF-1.7 fake"),
            services.Part("chart.png", "image/png", b"\x89PNG fake", "inline", cid="chart1"),
            services.Part(
                "invite.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR", "alternative"
            ),
        ],
    )
    assert services.deliver(row)
    (sent,) = mail.outbox
    raw = sent.message().as_string()
    assert 'filename="report.pdf"' in raw
    assert "Content-ID: <chart1>" in raw
    assert 'Content-Type: text/calendar; method="REQUEST"' in raw
    # mixed[related[alternative[text, html, calendar], image], pdf]
    top = sent.message()
    assert top.get_content_type() == "multipart/mixed"
    related, pdf = top.get_payload()
    assert related.get_content_type() == "multipart/related"
    assert pdf.get_filename() == "report.pdf"
    bodies, image = related.get_payload()
    assert image["Content-ID"] == "<chart1>"
    assert [p.get_content_type() for p in bodies.get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert ("text/html", '<img src="cid:chart1">') in [
        (kind, body) for body, kind in sent.alternatives
    ]


def test_only_email_carries_parts() -> None:
    with pytest.raises(ValueError, match="only e-mail"):
        services.notify(
            "k4",
            transport="apprise",
            recipient="pager",
            target="json://127.0.0.1:9/",
            subject="x",
            body="y",
            parts=[services.Part("a.txt", "text/plain", b"a")],
        )
