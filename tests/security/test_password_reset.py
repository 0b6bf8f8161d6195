"""Password-reset requests are throttled per e-mail address and per client address."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from psm.testing.book import Book

pytestmark = pytest.mark.django_db


def ask(email: str, address: str = "198.51.100.7") -> int:
    response = Client().post("/password/reset/", {"email": email}, REMOTE_ADDR=address)
    return response.status_code


def test_twenty_requests_send_three_emails(book: Book) -> None:
    book.alice.email = "alice@provider.example"
    book.alice.save()
    statuses = [ask("alice@provider.example", f"198.51.100.{i}") for i in range(20)]
    assert statuses == [302] * 20  # the same answer every time: nothing is revealed
    assert len(mail.outbox) == 3
    assert all(m.to == ["alice@provider.example"] for m in mail.outbox)


def test_one_address_asking_too_often_is_told_to_wait(book: Book) -> None:
    statuses = [ask(f"nobody{i}@example.com") for i in range(11)]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    response = Client().post(
        "/password/reset/", {"email": "x@example.com"}, REMOTE_ADDR="198.51.100.7"
    )
    assert "Too many password-reset requests" in response.content.decode()
    assert ask("x@example.com", "198.51.100.99") == 302  # another address is fine
