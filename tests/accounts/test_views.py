from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from psm.accounts.models import Contact
from psm.testing.book import Book, login
from psm.testing.factories import AccountFactory, AssignmentFactory, ProductFactory, SiteFactory
from psm.testing.forms import as_post_data, post_form_of


def test_account_list_filters(book: Book) -> None:
    client = login(book.charlie)
    page = client.get("/accounts/").content.decode()
    assert "Acme" in page
    assert "Globex" in page
    page = client.get("/accounts/", {"q": "glob"}).content.decode()
    assert "Globex" in page
    assert "Acme" not in page
    page = client.get("/accounts/", {"psm": book.alice.pk}).content.decode()
    assert "Acme" in page
    assert "Globex" not in page


def test_account_list_htmx_returns_rows_only(book: Book) -> None:
    response = login(book.alice).get("/accounts/", {"q": "acme"}, headers={"HX-Request": "true"})
    assert b"<table" in response.content
    assert b"<html" not in response.content


def test_account_list_query_count_does_not_grow_with_accounts(book: Book) -> None:
    client = login(book.admin)
    with CaptureQueriesContext(connection) as few:
        client.get("/accounts/")
    for n in range(15):
        account = AccountFactory(slug=f"bulk-{n}", service_plan=book.plan)
        SiteFactory(account=account)
        AssignmentFactory(account=account, engineer=book.dana)
    with CaptureQueriesContext(connection) as many:
        client.get("/accounts/")
    assert len(many) == len(few)


def test_account_detail_shows_profile_and_who_covers(book: Book) -> None:
    page = login(book.alice).get("/accounts/acme/").content.decode()
    for text in (
        "Acme",
        "Boston",
        "Alma Client",
        "alma@acme.example",
        "Primary PSM",
        "Who covers now",
    ):
        assert text in page
    assert "Alice Tester" in page


def test_unassigned_engineer_gets_404(book: Book) -> None:
    assert login(book.dana).get("/accounts/acme/").status_code == 404


def test_client_cannot_open_staff_pages_even_for_own_account(book: Book) -> None:
    assert login(book.client_a).get("/accounts/acme/").status_code == 403


def test_client_home_is_the_portal(book: Book) -> None:
    client = login(book.client_a)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"
    assert b"Your PSM" in response.content
    assert b"Alice Tester" in response.content
    assert b"Globex" not in response.content


def test_add_contact_rejects_taken_address(book: Book) -> None:
    client = login(book.alice)
    response = client.post(
        "/accounts/acme/contacts/new/",
        {
            "name": "Dup",
            "emails": "BERT@globex.example",
            "preferred_channel": "email",
            "default_priority": "P3",
        },
    )
    assert response.status_code == 200
    assert b"Already used by another contact" in response.content
    assert not Contact.objects.filter(name="Dup").exists()


def test_csv_import_page_shows_row_errors(book: Book) -> None:
    ProductFactory(name="ClearCase", slug="clearcase")
    client = login(book.alice)
    upload = SimpleUploadedFile(
        "inv.csv", b"product,version\nClearCase,\n", content_type="text/csv"
    )
    response = client.post("/accounts/acme/installs/import/", {"file": upload})
    assert response.status_code == 400
    assert b"Line 2: version is required" in response.content
    upload = SimpleUploadedFile("inv.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    response = client.post("/accounts/acme/installs/import/", {"file": upload})
    assert b"not UTF-8" in response.content


def test_plan_overrides_are_a_form_not_json(book: Book) -> None:
    client = login(book.alice)
    page = client.get("/accounts/acme/edit/").content.decode()
    form = post_form_of(page, "/accounts/acme/edit/")
    data = as_post_data(form)
    assert data["plan-hours_mon"] == "08:00–17:00" and data["plan-hours_sat"] == "closed"
    assert data["plan-sla_P1_first_response"] == "60"
    data.update({"plan-own_hours": "on", "plan-hours_mon": "8 to 5", "country": "us"})
    response = client.post("/accounts/acme/edit/", data)
    assert "Business hours: “8 to 5” is not a span like 08:00–17:00." in response.content.decode()
    data.update(
        {
            "plan-hours_mon": "07:30–12:00, 13:00–18:00",
            "plan-own_always": "on",
            "plan-always_covered": ["P1", "P2"],
        }
    )
    response = client.post("/accounts/acme/edit/", data)
    assert response.status_code == 302
    book.a.refresh_from_db()
    plan = book.a.effective_plan()
    assert plan["always_covered"] == ["P1", "P2"]
    assert plan["hours"]["mon"] == [["07:30", "12:00"], ["13:00", "18:00"]]
    assert plan["hours"]["tue"] == [["08:00", "17:00"]]
    assert "sla_targets" not in book.a.plan_overrides  # untouched groups follow the plan
    assert book.a.country == "US"


@pytest.mark.parametrize("username", ["alice", "charlie"])
def test_only_managers_create_accounts(book: Book, username: str) -> None:
    user = getattr(book, username)
    status = login(user).get("/accounts/new/").status_code
    assert status == (200 if username == "charlie" else 403)
