from __future__ import annotations

import pytest
from django.db import IntegrityError

from psm.accounts.models import ContactEmail, InstalledProduct
from psm.accounts.services import add_contact, create_account, import_installed_products
from psm.audit.models import AuditEntry
from psm.testing.book import Book
from psm.testing.factories import ProductFactory

GOOD = """product,version,platform,site,users,notes
ClearCase,10.0.1,Linux x86_64,Boston,120,VOB server
clearquest,9.1,Windows Server 2022,,,
"""


@pytest.fixture
def products(db: None) -> None:
    ProductFactory(name="ClearCase", slug="clearcase")
    ProductFactory(name="ClearQuest", slug="clearquest")


def test_import_creates_rows_and_audits(book: Book, products: None) -> None:
    report = import_installed_products(book.alice, book.a, GOOD)
    assert report.ok
    assert report.created == 2
    installs = InstalledProduct.objects.filter(account=book.a).order_by("product__name")
    assert [(i.product.name, i.version, i.users) for i in installs] == [
        ("ClearCase", "10.0.1", 120),
        ("ClearQuest", "9.1", None),
    ]
    assert installs[0].site is not None
    assert installs[0].site.name == "Boston"
    assert AuditEntry.objects.filter(action="installs.import", account=book.a).exists()


def test_import_reports_every_bad_row_and_imports_nothing(book: Book, products: None) -> None:
    text = GOOD + "Nonsense,1.0,,,,\nClearCase,,,Mars,-3,\n"
    report = import_installed_products(book.alice, book.a, text)
    assert not report.ok
    assert [e.line for e in report.errors] == [4, 5]
    assert "unknown product 'Nonsense'" in report.errors[0].message
    assert "version is required" in report.errors[1].message
    assert "no site named 'Mars'" in report.errors[1].message
    assert "users must be a whole number" in report.errors[1].message
    assert not InstalledProduct.objects.exists()


def test_import_rejects_wrong_header(book: Book, products: None) -> None:
    report = import_installed_products(book.alice, book.a, "name;version\nx;1\n")
    assert not report.ok
    assert report.errors[0].line == 1
    assert "missing column(s): product" in report.errors[0].message


def test_import_does_not_touch_other_accounts_sites(book: Book, products: None) -> None:
    report = import_installed_products(
        book.alice, book.a, "product,version,site\nClearCase,1,Berlin\n"
    )
    assert not report.ok  # Berlin belongs to account B


def test_contact_emails_are_unique_case_insensitively(book: Book) -> None:
    add_contact(None, book.a, emails=["Pat@Acme.example", "pat.alt@acme.example"], name="Pat")
    assert ContactEmail.objects.filter(address="pat@acme.example").exists()
    with pytest.raises(IntegrityError):
        ContactEmail.objects.create(contact=book.contact_b, address="PAT@acme.example")


def test_create_account_validates_time_zone(book: Book) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        create_account(
            book.admin,
            name="X",
            slug="x",
            timezone="Mars/Olympus",
            country="US",
            service_plan=book.plan,
        )
    assert "timezone" in exc.value.message_dict
