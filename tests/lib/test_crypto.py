"""Stored secrets: a key change fails loudly, never silently drops a pager, and
``psm reencrypt`` brings every secret over to the current key."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from psm.lib import crypto
from psm.notifications.models import Notification
from psm.paging.services import page_psm
from psm.team.models import Engineer

PAGER = "json://127.0.0.1:9/pager?token=secret-1234"


@pytest.fixture
def new_key(settings):
    """Store under one SECRET_KEY, then change it (as an administrator might)."""

    def change(key: str) -> None:
        settings.SECRET_KEY = key
        crypto._fernet.cache_clear()

    yield change
    crypto._fernet.cache_clear()


def test_a_changed_key_is_an_error_not_an_empty_secret(book, new_key) -> None:
    new_key("old-secret-key-" + "x" * 40)
    profile = Engineer.objects.get(user=book.alice)
    profile.set_pager_targets([PAGER])
    profile.save()
    new_key("new-secret-key-" + "y" * 40)
    profile.refresh_from_db()
    with pytest.raises(crypto.UnreadableSecret, match="psm reencrypt"):
        _ = profile.pager_targets
    assert "unreadable" in profile.masked_pager_targets[0]
    # A page still goes out by e-mail, and says what is wrong with the pager.
    page = page_psm(book.a, contact=book.contact_a)
    step = page.steps.get()
    assert "email" in step.transports
    assert any("unreadable" in t for t in step.transports)
    assert not Notification.objects.filter(transport="apprise").exists()


def test_reencrypt_moves_every_secret_to_the_current_key(book, new_key) -> None:
    old = "old-secret-key-" + "x" * 40
    new_key(old)
    profile = Engineer.objects.get(user=book.alice)
    profile.set_pager_targets([PAGER])
    profile.save()
    new_key("new-secret-key-" + "y" * 40)
    call_command("reencrypt", old_secret_key=old)
    profile.refresh_from_db()
    assert profile.pager_targets == [PAGER]
    call_command("reencrypt", old_secret_key=old)  # again: already current, unchanged
    profile.refresh_from_db()
    assert profile.pager_targets == [PAGER]


def test_reencrypt_with_the_wrong_old_key_changes_nothing(book, new_key) -> None:
    new_key("old-secret-key-" + "x" * 40)
    profile = Engineer.objects.get(user=book.alice)
    profile.set_pager_targets([PAGER])
    profile.save()
    stored = Engineer.objects.get(pk=profile.pk).pager_targets_encrypted
    new_key("new-secret-key-" + "y" * 40)
    with pytest.raises(CommandError, match="neither key"):
        call_command("reencrypt", old_secret_key="not-the-old-one")
    assert Engineer.objects.get(pk=profile.pk).pager_targets_encrypted == stored
