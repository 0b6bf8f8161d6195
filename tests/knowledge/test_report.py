"""The knowledge section of a status report: what was published for the client in the
period and what they answered; never a draft, an internal article or another account's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from psm.knowledge import services
from psm.knowledge.models import Status, Visibility
from psm.reports import gather
from psm.reports.periods import parse
from psm.reports.render import current_brand, page_html
from psm.testing.book import Book
from psm.testing.knowledge import article

pytestmark = pytest.mark.django_db


def _gathered(account, options=None):
    month = timezone.now().astimezone(ZoneInfo(account.timezone)).strftime("%Y-%m")
    section = {"key": "knowledge", "options": options or {}}
    return gather.gather(account, parse(month, account.timezone), [section], name="R")


def test_the_section_lists_what_the_client_reads_and_their_answers(book: Book) -> None:
    shown = article(book.a, "Backup guide")
    article(None, "Global welcome")
    article(book.a, "Draft plan", status=Status.DRAFT)
    article(book.a, "Internal notes", visibility=Visibility.INTERNAL)
    article(book.b, "Globex guide")
    services.answer(shown, book.client_a, book.contact_a, helpful=False, comment="Step 3?")
    data = _gathered(book.a)["sections"][0]["data"]
    assert data["available"] == 2 and data["changed_count"] == 2
    assert {r["title"] for r in data["changed"]} == {"Backup guide", "Global welcome"}
    assert all(r["new"] for r in data["changed"])
    assert data["helpful"] == 0 and data["not_helpful"] == 1
    assert data["answers"] == [{"title": "Backup guide", "yes": 0, "no": 1}]
    html = page_html(_gathered(book.a), current_brand())
    assert "Documentation published for you" in html and "Backup guide" in html
    for secret in ("Draft plan", "Internal notes", "Globex", "Step 3?"):
        assert secret not in html


def test_the_answers_can_be_left_out(book: Book) -> None:
    article(book.a, "Backup guide")
    data = _gathered(book.a, {"show_feedback": False})["sections"][0]["data"]
    assert data["answers"] == [] and data["helpful"] is None
