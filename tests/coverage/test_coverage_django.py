"""The product side of the coverage engine: plans from the database, commands and pages."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from psm.coverage.adapters import coverage_now, plan_spec, route_for
from psm.coverage.models import (
    HolidayCalendar,
    OnCallMember,
    OnCallOverride,
    OnCallRotation,
    ServicePlan,
)
from psm.team.services import start_absence
from psm.testing.book import Book, login

# Friday 2026-03-06 16:00 in New York, the example.
FRIDAY_4PM_NY = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)
CHRISTMAS_NY_9AM = datetime(2026, 12, 25, 14, 0, tzinfo=UTC)


@pytest.fixture
def us_holidays(book: Book) -> HolidayCalendar:
    calendar = HolidayCalendar.objects.create(
        name="US provider", country="US", added=["2026-12-24"]
    )
    book.plan.holiday_calendar = calendar
    book.plan.save()
    return calendar


def test_plan_from_the_database_drives_due_times(book: Book) -> None:
    decision = route_for(book.a, "P2", FRIDAY_4PM_NY)
    assert decision is not None
    assert (decision.covered, decision.target, decision.channel) == (True, "alice", "email")
    assert decision.first_response_due == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def test_account_override_wins_over_plan(book: Book) -> None:
    saturday = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    before = route_for(book.a, "P2", saturday)
    assert before is not None and before.channel == "queue"
    book.a.plan_overrides = {"always_covered": ["P1", "P2"]}
    book.a.save()
    after = route_for(book.a, "P2", saturday)
    assert after is not None and (after.covered, after.channel) == (True, "page")


def test_provider_holiday_sends_p1_to_basic_support(
    book: Book, us_holidays: HolidayCalendar
) -> None:
    decision = route_for(book.a, "P1", CHRISTMAS_NY_9AM)
    assert decision is not None
    assert (decision.covered, decision.target, decision.channel) == (
        False,
        "basic-support",
        "fallback",
    )
    added = route_for(book.a, "P1", datetime(2026, 12, 24, 14, 0, tzinfo=UTC))
    assert added is not None and added.channel == "fallback"


def test_on_call_rotation_takes_p1_out_of_hours(book: Book) -> None:
    rotation = OnCallRotation.objects.create(
        name="Americas", start=datetime(2026, 1, 5, 14, 0, tzinfo=UTC), shift_hours=168
    )
    OnCallMember.objects.create(rotation=rotation, engineer=book.bob, position=0)
    OnCallMember.objects.create(rotation=rotation, engineer=book.dana, position=1)
    book.plan.on_call_rotation = rotation
    book.plan.save()
    sunday = datetime(2026, 1, 11, 3, 0, tzinfo=UTC)  # first week: bob
    decision = route_for(book.a, "P1", sunday)
    assert decision is not None and (decision.target, decision.channel) == ("bob", "page")
    OnCallOverride.objects.create(
        rotation=rotation,
        engineer=book.charlie,
        start=sunday - timedelta(hours=1),
        end=sunday + timedelta(hours=1),
    )
    decision = route_for(book.a, "P1", sunday)
    assert decision is not None and decision.target == "charlie"


def test_cover_now_follows_absence(book: Book) -> None:
    now = datetime.now(UTC)
    start_absence(
        None, book.alice, now - timedelta(hours=1), now + timedelta(days=3), substitute=book.dana
    )
    cover = coverage_now(book.a, now).cover
    assert cover.engineer == book.dana and cover.covering_for == book.alice
    assert cover.until is not None and abs(cover.until - (now + timedelta(days=3))) < timedelta(
        seconds=1
    )


def test_overrides_are_validated_by_the_engine() -> None:
    with pytest.raises(ValidationError, match=r"overrides.hours.mon\[0\]"):
        ServicePlan.validate_overrides({"hours": {"mon": [["08:00", "25:00"]]}})
    with pytest.raises(ValidationError, match="country"):
        ServicePlan.validate_overrides({"holidays": {"country": "XX"}})


def test_plan_spec_uses_account_zone_when_plan_has_none(book: Book) -> None:
    assert plan_spec(book.b).timezone == "Europe/Berlin"


def test_explain_command_json_names_the_username(book: Book) -> None:
    out = StringIO()
    call_command(
        "coverage",
        "explain",
        "acme",
        "--priority",
        "P2",
        "--at",
        "2026-03-06T21:00:00Z",
        "--json",
        stdout=out,
    )
    answer = json.loads(out.getvalue())
    assert answer["target"] == "alice"
    assert answer["first_response_due"] == "2026-03-09T15:00:00Z"
    assert answer["next_covered"] is None and answer["reasons"]


def run_psm(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psm.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


SCENARIO = {
    "plan": {
        "timezone": "America/New_York",
        "hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": {"country": "US", "subdiv": None, "add": ["2026-12-24"], "remove": []},
        "always_covered": ["P1"],
        "first_response_minutes": {"P1": 60, "P2": 240, "P3": 480, "P4": 960},
    },
    "team": {"primary": "jane", "substitute": "bob", "manager": "max"},
    "queries": [
        {"op": "due", "priority": "P2", "at": "2026-03-06T21:00:00Z", "minutes": 240},
        {"op": "route", "priority": "P1", "at": "2026-12-25T08:00:00Z"},
    ],
}


def test_simulate_command_is_the_engine(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(SCENARIO))
    result = run_psm("coverage", "simulate", str(path))
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers[0] == {"due": "2026-03-09T15:00:00Z"}
    assert answers[1]["target"] == "basic-support" and answers[1]["channel"] == "fallback"


def test_simulate_names_the_bad_field_and_exits_2(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(SCENARIO))
    bad["plan"]["hours"]["mon"] = [["08:00", "25:00"]]
    result = run_psm("coverage", "simulate", "-", stdin=json.dumps(bad))
    assert result.returncode == 2
    assert "plan.hours.mon[0]" in result.stderr
    result = run_psm("coverage", "simulate", "-", stdin="{not json")
    assert result.returncode == 2 and "not JSON" in result.stderr


def test_simulate_without_django_answers_as_the_django_command_does(tmp_path: Path) -> None:
    """``psm coverage simulate FILE`` skips Django's start; ``call_command`` still works and
    prints the same answers, and the same errors."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(SCENARIO))
    out = StringIO()
    call_command("coverage", "simulate", str(path), stdout=out)
    fast = run_psm("coverage", "simulate", str(path))
    assert fast.returncode == 0 and fast.stdout == out.getvalue()
    path.write_bytes(b"\xff\xfe not text")
    fast = run_psm("coverage", "simulate", str(path))
    assert fast.returncode == 2 and fast.stderr == f"error: {path}: not UTF-8 text\n"
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("coverage", "simulate", str(path), stderr=err)
    assert exit_.value.code == 2 and err.getvalue() == fast.stderr


def test_board_lists_visible_accounts_with_cover(book: Book) -> None:
    page = login(book.alice).get("/coverage/").content.decode()
    assert "Acme" in page and "Globex" in page and "Alice Tester" in page
    page = login(book.dana).get("/coverage/").content.decode()
    assert "Acme" not in page


def test_explain_page(book: Book) -> None:
    response = login(book.alice).get("/coverage/acme/", {"priority": "P1"})
    assert response.status_code == 200
    assert b"Why" in response.content
    assert b"Alice Tester is the primary PSM and is not absent" in response.content
    assert login(book.dana).get("/coverage/acme/").status_code == 404


def test_holiday_list_and_ical_export(book: Book, us_holidays: HolidayCalendar) -> None:
    client = login(book.alice)
    page = client.get(f"/coverage/holidays/{us_holidays.pk}/", {"year": 2026}).content.decode()
    assert "Christmas Day" in page and "Provider holiday" in page
    ics = client.get(f"/coverage/holidays/{us_holidays.pk}.ics", {"year": 2026})
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "DTSTART;VALUE=DATE:20261225" in body and "DTSTART;VALUE=DATE:20261224" in body
    assert client.get(f"/coverage/holidays/{us_holidays.pk}/", {"year": "x"}).status_code == 404


def test_admin_rejects_bad_hours_and_country(book: Book) -> None:
    client = login(book.admin)
    response = client.post(
        "/admin/coverage/holidaycalendar/add/",
        {"name": "Nowhere", "country": "XX", "subdivision": "", "added": "[]", "removed": "[]"},
    )
    assert response.status_code == 200 and b"country" in response.content
    assert not HolidayCalendar.objects.filter(name="Nowhere").exists()


def test_board_says_who_covers_next(book: Book) -> None:
    now = datetime.now(UTC)
    start_absence(
        None, book.alice, now + timedelta(days=1), now + timedelta(days=4), substitute=book.dana
    )
    page = login(book.charlie).get("/coverage/").content.decode()
    assert "Dana Tester" in page  # takes over Acme when alice's leave starts


def test_board_names_the_on_call_engineer(book: Book) -> None:
    rotation = OnCallRotation.objects.create(
        name="All", start=datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    )
    OnCallMember.objects.create(rotation=rotation, engineer=book.dana, position=0)
    book.plan.on_call_rotation = rotation
    book.plan.save()
    with time_machine.travel(datetime(2026, 3, 8, 3, 0, tzinfo=UTC), tick=False):  # Sunday night
        page = login(book.charlie).get("/coverage/").content.decode()
    assert "Dana Tester" in page
