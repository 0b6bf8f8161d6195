"""Re-validation: each checklist's next due date in the client's zone, shown wherever due work
is (``psm checklists due``, ``psm engagement due``, my day, the timeline), with reminders."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from psm.checklists import services
from psm.checklists.due import due_checklists
from psm.checklists.models import RunStatus
from psm.engagement.services.cadences import sweep_cadences
from psm.lib import timeline
from psm.testing.book import login
from psm.testing.checklists import checklist_for, passed_run

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 15, tzinfo=UTC)
MONTHLY = "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"


def test_next_due_is_the_rule_in_the_clients_zone_across_a_dst_change(book):
    with time_machine.travel(T0, tick=False):
        checklist = checklist_for(book.a, book.alice, rrule=MONTHLY)
    # 1 February 09:00 in New York (EST, UTC-5).
    assert checklist.next_due == datetime(2026, 2, 1, 14, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 3, 20, 15, tzinfo=UTC), tick=False):
        passed_run(checklist, book.alice)
    checklist.refresh_from_db()
    # 1 April 09:00 in New York is EDT (UTC-4) after 8 March.
    assert checklist.next_due == datetime(2026, 4, 1, 13, tzinfo=UTC)


def test_a_site_checklist_follows_the_sites_zone(book):
    site = book.b.sites.get()  # Berlin
    with time_machine.travel(T0, tick=False):
        checklist = services.add_checklist(
            book.bob, book.b, checklist_for(book.a).template, site=site, rrule=MONTHLY
        )
    assert checklist.next_due == datetime(2026, 2, 1, 8, tzinfo=UTC)


def test_checklists_due_prints_exactly_the_contract_keys(book):
    with time_machine.travel(T0, tick=False):
        checklist = checklist_for(book.a, book.alice, rrule=MONTHLY)
        passed_run(checklist, book.alice)
    with time_machine.travel(datetime(2026, 3, 2, 15, tzinfo=UTC), tick=False):
        out = StringIO()
        call_command("checklists", "due", "--json", stdout=out)
        text = StringIO()
        call_command("checklists", "due", "--account", "acme", stdout=text)
    rows = json.loads(out.getvalue())
    assert rows == [
        {
            "account": "acme",
            "checklist": "Backup procedure validation",
            "due": "2026-02-01T14:00:00Z",
            "overdue": True,
            "last_run": "2026-01-10T15:00:00Z",
        }
    ]
    assert "acme  Backup procedure validation  2026-02-01T14:00:00Z  OVERDUE" in text.getvalue()
    with pytest.raises(CommandError, match="No account"):
        call_command("checklists", "due", "--account", "nope")
    with pytest.raises(CommandError, match="0 or more"):
        call_command("checklists", "due", "--within", "-1")


def test_a_never_run_checklist_has_no_last_run_and_later_ones_wait_for_within(book):
    with time_machine.travel(T0, tick=False):
        checklist_for(book.a, book.alice)  # every six months: due 1 July
        out = StringIO()
        call_command("checklists", "due", "--json", stdout=out)
        assert json.loads(out.getvalue()) == []
        call_command("checklists", "due", "--json", "--within", "200", stdout=(out := StringIO()))
    (row,) = json.loads(out.getvalue())
    assert row["last_run"] is None and row["overdue"] is False
    assert row["due"] == "2026-07-01T13:00:00Z"


def test_engagement_due_lists_the_revalidation_beside_the_touchpoints(book):
    with time_machine.travel(T0, tick=False):
        checklist_for(book.a, book.alice, rrule=MONTHLY)
    with time_machine.travel(datetime(2026, 2, 3, 15, tzinfo=UTC), tick=False):
        out = StringIO()
        call_command("engagement", "due", "--account", "acme", "--json", stdout=out)
        text = StringIO()
        call_command("engagement", "due", "--account", "acme", stdout=text)
    rows = json.loads(out.getvalue())
    assert {
        "account": "acme",
        "kind": "checklist",
        "due": "2026-02-01T14:00:00Z",
        "overdue": True,
        "owner": "alice",
    } in rows
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    assert "Re-validate Backup procedure validation" in text.getvalue()


def test_the_sweep_reminds_once_and_tells_once_when_overdue(book, run_tasks, mailoutbox):
    with time_machine.travel(T0, tick=False):
        checklist_for(book.a, book.alice, rrule=MONTHLY)
    # 14 days before 1 February: the reminder window.
    with time_machine.travel(datetime(2026, 1, 20, 15, tzinfo=UTC), tick=False):
        first = sweep_cadences()
        second = sweep_cadences()
    reminders = [m for m in mailoutbox if "re-validation of Backup" in m.subject]
    assert len(reminders) == 1 and first.reminders >= 1 and second.reminders == 0
    assert reminders[0].to == [book.alice.email]
    assert "falls due soon (Sun 01 Feb America/New_York)" in reminders[0].subject
    with time_machine.travel(datetime(2026, 2, 2, 15, tzinfo=UTC), tick=False):
        assert sweep_cadences().overdue_notices >= 1
        call_command("checklists", "sweep", stdout=StringIO())
    overdue = [m for m in mailoutbox if "Backup procedure validation is overdue" in m.subject]
    assert len(overdue) == 1


def test_my_day_shows_the_psms_overdue_revalidation_and_not_a_colleagues(book):
    with time_machine.travel(T0, tick=False):
        checklist_for(book.a, book.alice, rrule=MONTHLY)
        checklist_for(book.b, book.bob, rrule=MONTHLY)
    with time_machine.travel(datetime(2026, 2, 3, 15, tzinfo=UTC), tick=False):
        mine = login(book.alice).get("/my-day/").content.decode()
        bobs = due_checklists(owner=book.bob, within=timedelta(days=7))
    assert "Re-validate Backup procedure validation</a> for Acme" in mine
    assert "for Globex" not in mine
    assert [c.account for c in bobs] == [book.b]


def test_the_timeline_shows_runs_and_the_revalidation_date(book):
    with time_machine.travel(T0, tick=False):
        checklist = checklist_for(book.a, book.alice, rrule=MONTHLY)
        run = passed_run(checklist, book.alice, stop=RunStatus.AWAITING_CLIENT)
        services.client_sign_off(book.contact_a, run, "Fine.")
    since, until = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 2, 3, 15, tzinfo=UTC), tick=False):
        staff = timeline.gather(book.a, since, until, only=["checklists"])
        client = timeline.gather(book.a, since, until, only=["checklists"], include_internal=False)
    titles = [e.title for e in staff]
    assert titles[0] == "Re-validation overdue: Backup procedure validation"
    assert "Checklist passed, signed off by the PSM: Backup procedure validation" in titles
    assert "Checklist signed off by the client: Backup procedure validation" in titles
    assert all(e.url.startswith("/checklists/portal/") for e in client)
    assert timeline.gather(book.b, since, until, only=["checklists"]) == []


def test_the_substitutes_handover_brief_lists_the_overdue_revalidation(book):
    from psm.engagement.services.handover import brief_content
    from psm.team import services as team_services

    with time_machine.travel(T0, tick=False):
        checklist_for(book.a, book.alice, rrule=MONTHLY)
    now = datetime(2026, 2, 3, 15, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        absence = team_services.start_absence(
            None, book.alice, now, now + timedelta(days=5), substitute=book.bob
        )
        content = brief_content(book.a, absence, "handover", now)
    row = next(r for r in content["cadences_due"] if r["kind"].startswith("Re-validate"))
    assert row["overdue"] is True and row["next_due"].startswith("2026-02-01T14:00")
