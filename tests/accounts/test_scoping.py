from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from psm.accounts.models import Contact
from psm.accounts.scoping import get_visible_account, scope, visible_accounts
from psm.team.services import start_absence
from psm.testing.book import Book
from psm.testing.factories import AccountFactory, UserFactory


def slugs(user: object) -> set[str]:
    return set(visible_accounts(user).values_list("slug", flat=True))


def test_client_sees_only_own_account(book: Book) -> None:
    assert slugs(book.client_a) == {"acme"}
    assert slugs(book.client_b) == {"globex"}
    with pytest.raises(Http404):
        get_visible_account(book.client_a, "globex")


def test_inactive_contact_loses_access(book: Book) -> None:
    Contact.objects.filter(user=book.client_a).update(is_active=False)
    assert slugs(book.client_a) == set()


def test_engineer_sees_assigned_accounts_only(book: Book) -> None:
    AccountFactory(slug="initech")
    assert slugs(book.alice) == {"acme", "globex"}  # primary on A, substitute on B
    assert slugs(book.dana) == set()


def test_substitute_sees_absent_colleagues_accounts_during_absence(book: Book) -> None:
    now = timezone.now()
    start_absence(
        None, book.bob, now - timedelta(hours=1), now + timedelta(days=2), substitute=book.dana
    )
    assert slugs(book.dana) == {"acme", "globex"}  # bob is substitute on A, primary on B


def test_manager_sees_their_engineers_accounts(book: Book) -> None:
    other_manager = UserFactory(username="olga", role="manager")
    AccountFactory(slug="initech")
    assert slugs(book.charlie) == {"acme", "globex"}
    assert slugs(other_manager) == set()


def test_admin_sees_everything(book: Book) -> None:
    AccountFactory(slug="initech")
    assert slugs(book.admin) == {"acme", "globex", "initech"}


def test_anonymous_and_inactive_see_nothing(book: Book) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert slugs(AnonymousUser()) == set()
    book.alice.is_active = False
    assert slugs(book.alice) == set()


def test_scope_filters_related_rows(book: Book) -> None:
    rows = scope(Contact.objects.all(), book.client_a)
    assert {c.account.slug for c in rows} == {"acme"}
