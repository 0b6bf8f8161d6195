"""Relevance stored as rows: the rules, and kept current on import, inventory and catalog
change; the incremental result always equals a full re-match and the naive matcher."""

from __future__ import annotations

import pytest

from psm.accounts import services as account_services
from psm.accounts.models import Product
from psm.advisories import matching
from psm.advisories.models import AccountAdvisory, ItemState, Match, ReviewState
from psm.advisories.rules import naive_all_pairs
from psm.advisories.services import rematch_everything
from psm.notifications.models import Notification
from psm.testing import advisories as t

pytestmark = pytest.mark.django_db


def relevant(account=None):
    qs = Match.objects.select_related("install")
    if account is not None:
        qs = qs.filter(account=account)
    return {(m.install.version, m.status) for m in qs}


def test_range_fixed_and_alias(book) -> None:
    cat = t.catalog(book)
    t.imported(t.clearcase_doc())
    # A: 9.0.1 in range; 9.0.2.10 beyond the fix (9.0.2.10 > 9.0.2.3). B: 9.0.2 in range.
    assert relevant(book.a) == {("9.0.1", "affected")}
    assert relevant(book.b) == {("9.0.2", "affected")}
    match = Match.objects.get(install=cat["a_cc"])
    assert match.reason == "ClearCase 9.0.1 at Boston is in >=9.0.0|<9.0.2.3"
    assert match.fixed_in == "9.0.2.3"
    item = AccountAdvisory.objects.get(account=book.a)
    assert item.state == ItemState.REVIEW
    # The PSMs are told, through the outbox.
    assert Notification.objects.filter(
        recipient=book.alice.email, subject__contains="PSM-CC-0001"
    ).exists()
    assert Notification.objects.filter(
        recipient=book.bob.email, subject__contains="PSM-CC-0001"
    ).exists()


def test_not_affected_under_investigation_and_architecture(book) -> None:
    t.catalog(book)
    doc = t.document(
        "PSM-ARCH-1",
        branches=[
            t.product("IBM", "ClearCase", t.leaf("product_version", "9.0.1", "X86"), arch="x86_64"),
            t.product(
                "IBM", "ClearCase", t.leaf("product_version", "9.0.2", "WIN"), arch="Windows"
            ),
            t.product("IBM", "DOORS", t.leaf("product_version_range", "vers:generic/>=9.0", "DR")),
        ],
        vulnerabilities=[
            t.vulnerability("CVE-2026-1001", known_affected=["X86"]),
            t.vulnerability("CVE-2026-1002", under_investigation=["WIN", "DR"]),
            t.vulnerability("CVE-2026-1003", known_affected=["DR"], known_not_affected=["DR"]),
        ],
    )
    t.imported(doc)
    assert relevant(book.a) == {("9.0.1", "affected"), ("9.7", "under_investigation")}
    assert relevant(book.b) == {("9.0.2", "under_investigation")}
    doors = Match.objects.get(account=book.a, status="under_investigation")
    assert doors.reason == "DOORS 9.7 at Boston is under investigation for >=9.0"


def test_first_and_last_affected_make_an_interval(book) -> None:
    t.catalog(book)
    doc = t.document(
        "PSM-FL-1",
        branches=[
            t.product(
                "IBM",
                "ClearCase",
                t.leaf("product_version", "9.0.0.5", "FIRST"),
                t.leaf("product_version", "9.0.2.1", "LAST"),
                t.leaf("product_version", "9.0.2.2", "FIXED"),
            )
        ],
        vulnerabilities=[
            t.vulnerability(first_affected=["FIRST"], last_affected=["LAST"], first_fixed=["FIXED"])
        ],
    )
    t.imported(doc)
    assert relevant() == {("9.0.1", "affected"), ("9.0.2", "affected")}
    assert Match.objects.filter(account=book.a).get().fixed_in == "9.0.2.2"


def test_purl_and_cpe_name_the_catalog_product(book) -> None:
    t.catalog(book)
    doors = Product.objects.get(name="DOORS")
    doors.cpe = "cpe:2.3:a:ibm:rational_doors"
    account_services.save_product(None, doors)
    doc = t.document(
        "PSM-CPE-1",
        full_product_names=[
            {
                "name": "IBM Engineering Requirements Management DOORS 9.7",
                "product_id": "D97",
                "product_identification_helper": {
                    "cpe": "cpe:2.3:a:ibm:rational_doors:9.7:*:*:*:*:*:*:*"
                },
            }
        ],
        vulnerabilities=[t.vulnerability(known_affected=["D97"])],
    )
    t.imported(doc)
    assert relevant(book.a) == {("9.7", "affected")}


def test_free_text_ranges_wait_for_a_person_and_then_match(book) -> None:
    t.catalog(book)
    doc = t.document(
        "PSM-FREE-1",
        branches=[
            t.product(
                "IBM",
                "ClearCase",
                t.leaf("product_version_range", "< V9.0.2", "FREE"),
                t.leaf("product_version_range", "vers:all/*_installed_on_CP200_devices", "CP200"),
            ),
            t.product("Other Vendor", "Unrelated", t.leaf("product_version_range", "< 3", "OTHER")),
        ],
        vulnerabilities=[t.vulnerability(known_affected=["FREE", "CP200", "OTHER"])],
    )
    from psm.advisories.importer import import_document

    report = import_document(t.raw(doc), "free.json")
    # Imported, nothing guessed; only ranges of catalog products wait for a person.
    assert report.imported == 1 and report.needs_review == 2
    assert not Match.objects.exists()
    from psm.advisories.models import Statement
    from psm.advisories.services import ignore_range, read_range

    free = Statement.objects.get(product_ref="FREE")
    assert free.review_state == ReviewState.OPEN and "not a vers range" in free.unreadable
    read_range(book.alice, free, "vers:generic/<9.0.2")
    assert relevant() == {("9.0.1", "affected")}
    ignore_range(book.alice, Statement.objects.get(product_ref="CP200"))
    # A new revision with the same text keeps the person's reading.
    report = import_document(
        t.raw(
            {
                **doc,
                "document": {
                    **doc["document"],
                    "tracking": {**doc["document"]["tracking"], "version": "2"},
                },
            }
        ),
        "free2.json",
    )
    assert report.updated == 1 and report.needs_review == 0
    assert relevant() == {("9.0.1", "affected")}


def test_revisions_replace_rematch_and_tell_the_psm(book) -> None:
    cat = t.catalog(book)
    from psm.advisories.importer import import_document

    assert import_document(t.raw(t.clearcase_doc(version="1")), "v1.json").imported == 1
    item_a = AccountAdvisory.objects.get(account=book.a)
    # Equal or older: nothing changes.
    assert import_document(t.raw(t.clearcase_doc(version="1")), "v1.json").unchanged == 1
    # Revision 2 narrows the range below A's 9.0.1: A's item is withdrawn, the PSM told.
    narrower = t.clearcase_doc(version="2")
    narrower["product_tree"]["branches"][0]["branches"][0]["branches"][0]["name"] = (
        "vers:generic/>=9.0.2|<9.0.2.3"
    )
    assert import_document(t.raw(narrower), "v2.json").updated == 1
    item_a.refresh_from_db()
    assert item_a.state == ItemState.WITHDRAWN
    assert Notification.objects.filter(subject__contains="no longer relevant to Acme").exists()
    assert relevant() == {("9.0.2", "affected")}
    assert import_document(t.raw(t.clearcase_doc(version="1")), "old.json").unchanged == 1
    # Revision 3 widens it again: back in review.
    assert import_document(t.raw(t.clearcase_doc(version="3")), "v3.json").updated == 1
    item_a.refresh_from_db()
    assert item_a.state == ItemState.REVIEW
    assert Match.objects.filter(install=cat["a_cc"]).exists()


def test_inventory_changes_rematch(book, tmp_path) -> None:
    t.catalog(book)
    t.imported(t.clearcase_doc())
    report = account_services.import_installed_products(
        None,
        book.a,
        "product,version,platform\nClearCase,9.0.2.3,Linux\nDOORS,9.7,\n",
        replace=True,
    )
    assert report.ok, report.errors
    assert relevant(book.a) == set()
    assert AccountAdvisory.objects.get(account=book.a).state == ItemState.WITHDRAWN
    account_services.import_installed_products(
        None, book.a, "product,version\nRational ClearCase,9.0.0\n"
    )
    assert relevant(book.a) == {("9.0.0", "affected")}
    assert AccountAdvisory.objects.get(account=book.a).state == ItemState.REVIEW


def test_catalog_changes_rematch(book) -> None:
    cat = t.catalog(book)
    doc = t.clearcase_doc("PSM-ALIAS-1")
    doc["product_tree"]["branches"][0]["branches"][0]["name"] = "CC Enterprise"
    t.imported(doc)
    assert not Match.objects.exists()
    clearcase = cat["clearcase"]
    clearcase.aliases = "Rational ClearCase\ncc enterprise"
    account_services.save_product(None, clearcase)
    assert relevant() == {("9.0.1", "affected"), ("9.0.2", "affected")}
    clearcase.aliases = ""
    account_services.save_product(None, clearcase)
    assert not Match.objects.exists()


def test_incremental_equals_full_and_naive(book) -> None:
    t.catalog(book)
    for n in range(3):
        t.imported(t.clearcase_doc(f"PSM-EQ-{n}"))
    t.install(book.b, Product.objects.get(name="ClearCase"), "9.0.0.1", "AIX")
    incremental = {(m.advisory_id, m.install_id, m.status, m.reason) for m in Match.objects.all()}
    changes = rematch_everything()
    assert changes.created == changes.removed == changes.updated == 0
    from psm.accounts.models import InstalledProduct
    from psm.advisories.models import Statement

    naive = naive_all_pairs(
        matching.installs_for(InstalledProduct.objects.all()),
        matching.statements_for(Statement.objects.all()),
    )
    assert {(a, i, d.status, d.reason) for (a, i), d in naive.items()} == incremental
    assert len(incremental) == 9  # 3 advisories x (9.0.1, 9.0.2, 9.0.0.1)
