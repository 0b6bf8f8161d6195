"""Every place that says who covers says what ``coverage_now`` says: account 360, the
coverage board and the portal show its words, and paging pages its P1 route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string

from psm.coverage.adapters import coverage_now
from psm.coverage.models import OnCallMember, OnCallRotation
from psm.paging.services import page_psm
from psm.team.services import start_absence
from psm.testing.book import Book, login

# Wednesday 11 March 2026 01:32 in New York (office closed) and 11:00 (open).
NIGHT = datetime(2026, 3, 11, 5, 32, tzinfo=UTC)
DAY = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)


@pytest.fixture
def on_call(book: Book) -> Book:
    rotation = OnCallRotation.objects.create(
        name="Nights", start=NIGHT - timedelta(days=30), shift_hours=24 * 365
    )
    OnCallMember.objects.create(rotation=rotation, engineer=book.dana, position=0)
    book.plan.on_call_rotation = rotation
    book.plan.save()
    return book


def said(book: Book, at: datetime) -> str:
    coverage = coverage_now(book.a, at)
    return render_to_string(
        "coverage/_covers_now.html", {"coverage": coverage, "zone": book.a.timezone}
    ).strip()


@pytest.mark.parametrize("at", [NIGHT, DAY], ids=["closed", "open"])
def test_account_360_board_and_paging_say_the_same(on_call: Book, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        words = said(on_call, at)
        account_360 = login(on_call.alice).get("/accounts/acme/").content.decode()
        board = login(on_call.alice).get("/coverage/").content.decode()
        page = page_psm(on_call.a, priority="P1", contact=on_call.contact_a, at=at)
    assert words in account_360
    assert words in board
    coverage = coverage_now(on_call.a, at)
    assert page.target is not None and page.target.username == coverage.routes["P1"].target


def test_at_night_the_on_call_engineer_is_named_not_the_sleeping_psm(on_call: Book) -> None:
    words = said(on_call, NIGHT)
    assert "closed" in words
    assert "P1 pages <strong>Dana Tester</strong> (on call)" in words
    assert "other priorities: Alice Tester from Wed 11 Mar 08:00" in words


def test_during_an_absence_the_portal_gives_the_stand_ins_telephone(on_call: Book) -> None:
    from psm.team.models import Engineer

    Engineer.objects.filter(user=on_call.alice).update(phone="+1 617 555 0111")
    Engineer.objects.filter(user=on_call.bob).update(phone="+49 30 1234567")
    start_absence(None, on_call.alice, DAY - timedelta(days=1), DAY + timedelta(days=2))
    with time_machine.travel(DAY, tick=False):
        portal = login(on_call.client_a).get("/portal/").content.decode()
    assert coverage_now(on_call.a, DAY).cover.engineer == on_call.bob
    assert "Everything below reaches Bob" in portal
    assert "+49 30 1234567" in portal
    assert "+1 617 555 0111" not in portal
