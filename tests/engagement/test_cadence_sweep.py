"""Due and overdue kept in indexed columns; the sweep is safe to run twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from psm.engagement.models import CadenceKind, CadenceRule, CadenceState, TouchpointKind
from psm.engagement.services import (
    clear_cadence_override,
    due_states,
    effective_rules,
    refresh_cadences,
    set_cadence_override,
    sweep_cadences,
)
from psm.engagement.services.touchpoints import log_check_in

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # a Monday


def weekly(account, tolerance=1, remind=2):
    return set_cadence_override(
        None,
        account,
        CadenceKind.CHECK_IN,
        rrule="FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0",
        tolerance_days=tolerance,
        remind_days=remind,
    )


@pytest.mark.django_db
def test_rules_come_from_plan_then_account_override(book):
    rules = effective_rules(book.a)
    assert set(rules) == set(CadenceKind.values)
    assert rules[CadenceKind.CHECK_IN].source == "default"
    CadenceRule.objects.create(
        plan=book.plan,
        kind=CadenceKind.SITE_VISIT,
        rrule="FREQ=MONTHLY;INTERVAL=6",
        tolerance_days=10,
    )
    CadenceRule.objects.create(
        plan=book.plan, kind=CadenceKind.MANAGEMENT_REVIEW, rrule="FREQ=YEARLY", enabled=False
    )
    rules = effective_rules(book.a)
    assert rules[CadenceKind.SITE_VISIT].rrule == "FREQ=MONTHLY;INTERVAL=6"
    assert CadenceKind.MANAGEMENT_REVIEW not in rules
    set_cadence_override(None, book.a, CadenceKind.MANAGEMENT_REVIEW, rrule="FREQ=YEARLY")
    assert effective_rules(book.a)[CadenceKind.MANAGEMENT_REVIEW].source == "account"
    assert CadenceKind.MANAGEMENT_REVIEW not in effective_rules(book.b)


@pytest.mark.django_db
def test_bad_override_is_refused_with_the_reason(book):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="FREQ must be"):
        set_cadence_override(None, book.a, CadenceKind.CHECK_IN, rrule="FREQ=MINUTELY")


@pytest.mark.django_db
def test_check_in_moves_next_due_and_clears_overdue(book):
    with time_machine.travel(T0, tick=False):
        weekly(book.a)
        state = CadenceState.objects.get(account=book.a, kind=CadenceKind.CHECK_IN)
        # Acme is in New York: Tuesday 10:00 EST = 15:00 UTC.
        assert state.next_due == datetime(2025, 3, 4, 15, tzinfo=UTC)
        assert not state.overdue
    with time_machine.travel(datetime(2025, 3, 6, 12, tzinfo=UTC), tick=False):
        report = sweep_cadences()
        assert report.marked_overdue >= 1
        state.refresh_from_db()
        assert state.overdue
        log_check_in(
            book.alice,
            book.a,
            owner=book.alice,
            contacts=[book.contact_a],
            starts_at=datetime(2025, 3, 6, 14, tzinfo=UTC),
            ends_at=datetime(2025, 3, 6, 15, tzinfo=UTC),
        )
        state.refresh_from_db()
        assert not state.overdue
        # DST began on 9 March in New York: 10:00 EDT = 14:00 UTC.
        assert state.next_due == datetime(2025, 3, 11, 14, tzinfo=UTC)


@pytest.mark.django_db
def test_sweep_twice_sends_each_reminder_and_notice_once(book, run_tasks, mailoutbox):
    with time_machine.travel(T0, tick=False):
        weekly(book.a)
    # Monday 12:00 New York: inside the 2-day reminder window of Tuesday's check-in.
    with time_machine.travel(datetime(2025, 3, 3, 17, tzinfo=UTC), tick=False):
        first = sweep_cadences()
        second = sweep_cadences()
    assert first.reminders >= 1
    assert second.reminders == 0
    reminders = [m for m in mailoutbox if m.subject.startswith("Acme: Check-in falls due soon")]
    assert len(reminders) == 1
    assert reminders[0].to == [book.alice.email]
    assert "Tue 04 Mar 10:00 America/New_York" in reminders[0].subject
    with time_machine.travel(datetime(2025, 3, 6, 16, tzinfo=UTC), tick=False):
        assert sweep_cadences().overdue_notices >= 1
        assert sweep_cadences().overdue_notices == 0
    assert len([m for m in mailoutbox if m.subject.startswith("Acme: Check-in is overdue")]) == 1


@pytest.mark.django_db
def test_reminder_also_goes_to_the_substitute_while_the_psm_is_away(book, run_tasks, mailoutbox):
    from psm.team.services import start_absence

    with time_machine.travel(T0, tick=False):
        weekly(book.a)
        start_absence(
            None, book.alice, T0 - timedelta(days=1), T0 + timedelta(days=5), substitute=book.dana
        )
        mailoutbox.clear()
    with time_machine.travel(datetime(2025, 3, 3, 17, tzinfo=UTC), tick=False):
        sweep_cadences()
    reminder = next(m for m in mailoutbox if m.subject.startswith("Acme: Check-in falls"))
    assert sorted(reminder.to) == sorted([book.alice.email, book.dana.email])


@pytest.mark.django_db
def test_management_review_is_owned_by_the_accounts_manager(book):
    with time_machine.travel(T0, tick=False):
        refresh_cadences(book.a)
        rows = due_states(account=book.a, within=timedelta(days=400))
    owners = {s.kind: s.owner.username for s in rows}
    assert owners[CadenceKind.MANAGEMENT_REVIEW] == "charlie"
    assert owners[CadenceKind.CHECK_IN] == "alice"


@pytest.mark.django_db
def test_switching_a_kind_off_stops_tracking_it_and_clearing_restores(book):
    with time_machine.travel(T0, tick=False):
        refresh_cadences(book.a)
        set_cadence_override(
            None, book.a, CadenceKind.SITE_VISIT, rrule="FREQ=YEARLY", enabled=False
        )
        assert not CadenceState.objects.filter(account=book.a, kind="site_visit").exists()
        clear_cadence_override(None, book.a, CadenceKind.SITE_VISIT)
        assert CadenceState.objects.filter(account=book.a, kind="site_visit").exists()


@pytest.mark.django_db
def test_command_lists_due_and_overdue_as_json_and_text(book):
    with time_machine.travel(T0, tick=False):
        weekly(book.a)
    with time_machine.travel(datetime(2025, 3, 6, 12, tzinfo=UTC), tick=False):
        sweep_cadences()
        out = StringIO()
        call_command("engagement", "due", "--account", "acme", "--json", stdout=out)
        rows = json.loads(out.getvalue())
        text = StringIO()
        call_command("engagement", "due", "--account", "acme", stdout=text)
    check_in = next(r for r in rows if r["kind"] == "check_in")
    assert check_in == {
        "account": "acme",
        "kind": "check_in",
        "due": "2025-03-04T15:00:00Z",
        "overdue": True,
        "owner": "alice",
    }
    assert all(r["account"] == "acme" for r in rows)
    assert "acme  check_in" in text.getvalue() and "OVERDUE" in text.getvalue()
    with pytest.raises(CommandError, match="No account"):
        call_command("engagement", "due", "--account", "nope")


@pytest.mark.django_db
def test_new_account_is_picked_up_by_the_sweep(book):
    with time_machine.travel(T0, tick=False):
        report = sweep_cadences()
        assert report.created == 8  # four kinds on each of the two accounts
        assert sweep_cadences().created == 0


@pytest.mark.django_db
def test_site_visit_completes_its_cadence(book):
    from psm.engagement.services.touchpoints import complete_touchpoint, schedule_touchpoint

    with time_machine.travel(T0, tick=False):
        refresh_cadences(book.a)
        before = CadenceState.objects.get(account=book.a, kind="site_visit").next_due
        assert before is not None
        visit = schedule_touchpoint(
            book.alice,
            book.a,
            TouchpointKind.SITE_VISIT,
            title="Quarterly visit",
            starts_at=before,
            ends_at=before + timedelta(hours=4),
            owner=book.alice,
            site=book.a.sites.first(),
        )
        complete_touchpoint(book.alice, visit, trip_report="Went well.")
        after = CadenceState.objects.get(account=book.a, kind="site_visit").next_due
        assert after is not None
    assert after > before + timedelta(days=60)
