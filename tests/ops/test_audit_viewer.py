"""The audit log for administrators: filtered by account, person, object and date."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from psm.audit.models import AuditEntry
from psm.team import services as team_services
from psm.testing.book import Book

pytestmark = pytest.mark.django_db


def admin_client(book: Book) -> Client:
    client = Client()
    client.force_login(book.admin)
    return client


def rows(client: Client, query: str = "") -> str:
    response = client.get(f"/ops/audit/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_only_administrators(book: Book) -> None:
    for user in (book.alice, book.charlie, book.client_a):
        client = Client()
        client.force_login(user)
        assert client.get("/ops/audit/").status_code == 403


def test_filters(book: Book) -> None:
    team_services.assign(book.charlie, book.a, book.dana, "substitute")
    team_services.assign(book.admin, book.b, book.dana, "substitute")
    client = admin_client(book)
    everything = rows(client)
    assert "Globex" in everything and "Acme" in everything
    by_account = rows(client, "?account=acme")
    assert "Globex" not in by_account.split("<tbody>")[1]
    by_person = rows(client, "?person=charlie")
    body = by_person.split("<tbody>")[1]
    assert "Charlie" in body and "Admin Tester" not in body
    assignment = AuditEntry.objects.filter(actor=book.admin).latest("id")
    one = rows(client, f"?object={assignment.object_type}:{assignment.object_id}")
    assert one.count("<tr>") == 2  # the header and that entry
    words = rows(client, "?object=Dana")
    assert "Dana" in words.split("<tbody>")[1]


def test_dates_are_days_in_the_viewers_zone(book: Book) -> None:
    book.admin.timezone = "Pacific/Auckland"
    book.admin.save()
    entry = AuditEntry.objects.create(
        action="test.mark", object_type="x.y", object_id="1", object_repr="Late in UTC"
    )
    # 11:30 UTC on 1 March is 00:30 on 2 March in Auckland (UTC+13).
    AuditEntry.objects.filter(pk=entry.pk).update(
        at=datetime(2026, 3, 1, 11, 30, tzinfo=ZoneInfo("UTC"))
    )
    client = admin_client(book)
    assert "Late in UTC" in rows(client, "?since=2026-03-02&until=2026-03-02")
    assert "Late in UTC" not in rows(client, "?since=2026-03-01&until=2026-03-01")
    page = rows(client, "?since=2026-03-02")
    assert "2026-03-02 00:30" in page and "Pacific/Auckland" in page
    assert 'value="2026-03-02"' in page  # the date input keeps its value


def test_bad_dates_are_explained(book: Book) -> None:
    page = rows(admin_client(book), "?since=2026-03-05&until=2026-03-01")
    assert "The end date is before the start date." in page
    htmx = admin_client(book).get("/ops/audit/?account=acme", HTTP_HX_REQUEST="true")
    assert b"<html" not in htmx.content and b"<table" in htmx.content
