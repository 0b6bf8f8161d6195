"""Log-in throttling: a user name is locked from an address after the failure limit, even
for the right password; a forged X-Forwarded-For neither escapes nor spreads the lock."""

from __future__ import annotations

import pytest
from django.test import Client

from psm.testing.book import Book
from psm.testing.security import log_in

pytestmark = pytest.mark.django_db


def guess(username: str, times: int, **extra: str) -> int:
    client = Client()
    status = 0
    for i in range(times):
        status = log_in(client, username, f"wrong-{i}", **extra).status_code
    return status


def test_the_right_password_is_refused_once_locked(book: Book, settings: object) -> None:
    assert guess("alice", 5, REMOTE_ADDR="198.51.100.7") in (200, 429)
    response = log_in(Client(), "alice", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Log-in locked for now" in text
    assert "5 wrong passwords for <strong>alice</strong>" in text
    assert "15 minutes" in text
    assert 'href="/password/reset/"' in text


def test_a_hundred_guesses_never_get_in(book: Book) -> None:
    client = Client()
    for i in range(100):
        response = log_in(client, "alice", "password" if i == 99 else f"wrong-{i}")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_other_addresses_and_other_users_are_not_affected(book: Book) -> None:
    guess("alice", 6, REMOTE_ADDR="198.51.100.7")
    assert log_in(Client(), "alice", REMOTE_ADDR="198.51.100.8").status_code == 302
    assert log_in(Client(), "bob", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_without_trusted_proxies_a_forged_header_does_not_escape(
    book: Book, settings: object
) -> None:
    client = Client()
    for i in range(6):
        log_in(
            client, "alice", "wrong", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
    response = log_in(
        Client(), "alice", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert response.status_code == 429


def test_behind_one_proxy_the_client_is_the_address_the_proxy_saw(
    book: Book, settings: object
) -> None:
    settings.PSM_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # The attacker writes the victim's address into the header; the proxy appends his own.
    for i in range(6):
        forged = f"203.0.113.50, 192.0.2.{i}"  # victim first, then a rotating lie
        log_in(Client(), "alice", "wrong", HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.66", **proxy)
    # The attacker stays locked whatever he writes in front...
    assert (
        log_in(
            Client(), "alice", HTTP_X_FORWARDED_FOR="192.0.2.200, 198.51.100.66", **proxy
        ).status_code
        == 429
    )
    # ...while the victim, and everyone else behind the same proxy, still logs in.
    assert (
        log_in(Client(), "alice", HTTP_X_FORWARDED_FOR="203.0.113.50", **proxy).status_code == 302
    )
    assert (
        log_in(Client(), "alice", HTTP_X_FORWARDED_FOR="203.0.113.51", **proxy).status_code == 302
    )


def test_a_successful_log_in_clears_the_failures(book: Book) -> None:
    guess("alice", 4, REMOTE_ADDR="198.51.100.7")
    assert log_in(Client(), "alice", REMOTE_ADDR="198.51.100.7").status_code == 302
    assert guess("alice", 4, REMOTE_ADDR="198.51.100.7") == 200
    assert log_in(Client(), "alice", REMOTE_ADDR="198.51.100.7").status_code == 302
