"""The per-row values of the big tables are exactly what the template filters give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from psm.accounts.models import Account
from psm.cases.models import Case
from psm.insights import display
from psm.lib.urls import Urls

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", ""]
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


class Viewer:
    def __init__(self, zone: str) -> None:
        self.timezone = zone


def rendered(source: str, **values: object) -> str:
    template = Template("{% load psm_tags insights_tags tz %}" + source)
    return template.render(Context(values))


@settings(max_examples=60, deadline=None)
@given(at=instants, zone=st.sampled_from(ZONES), viewer=st.sampled_from(ZONES[:-1]))
def test_times_read_as_the_filters_wrote_them(at: datetime, zone: str, viewer: str) -> None:
    for fmt in ("D j M H:i", "H:i", "j M"):
        expected = rendered(
            "{% if zone %}{{ at|timezone:zone|date:fmt }}{% else %}{{ at|date:fmt }}{% endif %}",
            at=at,
            zone=zone,
            fmt=fmt,
        )
        assert display.local(at, zone, fmt) == expected
    assert display.iso(at) == rendered("{{ at|date:'c' }}", at=at)
    client = rendered("{% client_time at zone %}", at=at, zone=zone, user=Viewer(viewer))
    assert display.client_time(at, zone, viewer) == client


def test_nothing_to_show_for_no_time() -> None:
    assert display.local(None, "UTC", "H:i") == ""
    assert display.client_time(None, "Europe/Berlin", "UTC") == ""


@pytest.mark.parametrize("value", ["CS-000123", "a b", "ü-mlaut", "x%y", "1.2"])
def test_case_urls_are_those_reverse_gives(value: str) -> None:
    urls = Urls()
    for _ in range(2):  # the second time from the stored pattern
        assert urls("cases:detail", value) == reverse("cases:detail", args=[value])


@pytest.mark.parametrize("value", ["acme", "client-0001", "a_b"])
def test_account_urls_are_those_reverse_gives(value: str) -> None:
    urls = Urls()
    for _ in range(2):
        assert urls("insights:account", value) == reverse("insights:account", args=[value])


def test_case_rows_show_the_due_time_in_both_zones() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    account = Account(name="Acme", slug="acme", timezone="Asia/Kolkata")
    due = Case(account=account, reference="CS-000123", next_due=now + timedelta(minutes=30))
    paused = Case(account=account, reference="CS-000124", next_due=None)
    row, waiting = display.case_rows([due, paused], "Europe/London", now)
    assert row.url == due.get_absolute_url()
    assert (row.due_day, row.due_time, row.left, row.urgency) == (
        "Mon 2 Mar 09:30",
        "09:30",
        "in 30 min",
        "due-soon",
    )
    assert "15:00 client time" in row.due_client
    assert (waiting.url, waiting.due_iso, waiting.left) == (paused.get_absolute_url(), "", "")
