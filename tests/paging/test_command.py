"""``psm page SLUG`` prints the page; ``psm page status ID`` follows it."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from psm.coverage.adapters import route_for
from psm.paging import services
from psm.paging.models import Page

AT = "2026-03-10T15:00:00Z"


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("page", *args, stdout=out)
    answer: dict[str, Any] = json.loads(out.getvalue())
    return answer


def test_page_and_status(book) -> None:
    opened = run("acme", "--priority", "P1", "--message", "SAN offline", "--at", AT)
    page = Page.objects.get()
    route = route_for(book.a, "P1", page.opened_at)
    assert opened["id"] == page.pk
    assert opened["target"] == route.target == "alice"
    assert opened["channel"] == route.channel == "page"
    assert opened["ack_deadline"] == "2026-03-10T15:15:00Z"
    assert [s["kind"] for s in opened["steps"]] == ["paged"]
    assert page.contact == book.contact_a
    assert page.source == "command"

    assert page.ack_deadline is not None
    services.sweep(page.ack_deadline + timedelta(seconds=1))
    status = run("status", str(page.pk))
    assert status["target"] == "bob"
    assert status["status"] == "escalated"
    assert [(s["kind"], s["target"]) for s in status["steps"]] == [
        ("paged", "alice"),
        ("escalated", "bob"),
    ]


def test_bad_input_is_answered_clearly(book) -> None:
    with pytest.raises(CommandError, match="No account"):
        run("nope")
    with pytest.raises(CommandError, match="No page"):
        run("status", "999")
    with pytest.raises(CommandError, match="page number"):
        run("status")


def test_an_api_key_is_issued_to_staff_only(book) -> None:
    out = StringIO()
    call_command("page", "--issue-api-key", "alice", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("psmp_")
    with pytest.raises(CommandError):
        call_command("page", "--issue-api-key", "client_a", stdout=StringIO())
