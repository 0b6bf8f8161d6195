"""The SLA ledger and the daily rollups follow what happens to cases and pages; the nightly
pass snapshots health and alerts a drop into a worse band once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from psm.accounts.models import Account
from psm.cases import services as cases
from psm.cases import sweeps
from psm.cases.models import Case
from psm.insights import dashboard, rollups, services
from psm.insights.models import AccountDay, BookDay, EngineerDay, HealthSnapshot, SlaOutcome
from psm.insights.tasks import nightly
from psm.notifications.models import Notification
from psm.paging import services as paging
from psm.testing.book import Book

UTC = ZoneInfo("UTC")
# Tuesday 10 March 2026, 15:00 UTC: 11:00 in New York (Acme's business hours).
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def open_acme(book: Book, priority: str = "P3", at: datetime = NOW) -> Case:
    return cases.open_case(
        None, book.a, title="Build fails", text="Step 3", contact=book.contact_a,
        priority=priority, at=at,
    )  # fmt: skip


def test_a_reply_in_time_meets_the_first_response(book: Book) -> None:
    with time_machine.travel(NOW, tick=False):
        case = open_acme(book)
    assert case.assignee == book.alice
    answered = NOW + timedelta(minutes=30)
    with time_machine.travel(answered, tick=False):
        cases.reply(book.alice, case, text="Looking", at=answered)
    outcome = SlaOutcome.objects.get(case=case, kind="first_response")
    assert outcome.met and outcome.engineer == book.alice
    assert outcome.covered_seconds == 1800
    day = AccountDay.objects.get(account=book.a, day=date(2026, 3, 10))
    assert (day.fr_met, day.fr_missed) == (1, 0)
    mine = EngineerDay.objects.get(engineer=book.alice, day=date(2026, 3, 10))
    assert mine.fr_met == 1 and mine.fr_seconds == [1800]


def test_a_breach_is_counted_missed_once_and_a_late_answer_keeps_it_missed(book: Book) -> None:
    with time_machine.travel(NOW, tick=False):
        case = open_acme(book)
    due = case.first_response_due
    assert due is not None
    later = due + timedelta(minutes=5)
    sweeps.sweep(later)
    sweeps.sweep(later)  # twice: nothing counted twice
    outcome = SlaOutcome.objects.get(case=case, kind="first_response")
    assert not outcome.met and outcome.settled_at == due
    with time_machine.travel(later, tick=False):
        cases.reply(book.alice, case, text="Sorry", at=later)
    outcome.refresh_from_db()
    assert not outcome.met and outcome.covered_seconds is not None
    assert SlaOutcome.objects.filter(case=case).count() == 1
    day = AccountDay.objects.get(account=book.a, day=rollups.utc_day(due))
    assert (day.fr_met, day.fr_missed) == (0, 1)


def test_next_update_and_resolution_settle(book: Book) -> None:
    with time_machine.travel(NOW, tick=False):
        case = open_acme(book)
    first = NOW + timedelta(minutes=10)
    cases.reply(book.alice, case, text="On it", at=first)
    case.refresh_from_db()
    assert case.next_update_due is not None
    second = first + timedelta(minutes=20)
    cases.reply(book.alice, case, text="Update", at=second)
    cases.set_status(book.alice, case, "resolved", at=second + timedelta(minutes=1))
    kinds = dict(SlaOutcome.objects.filter(case=case).values_list("kind", "met"))
    assert kinds == {"first_response": True, "next_update": True, "resolution": True}
    day = AccountDay.objects.get(account=book.a, day=date(2026, 3, 10))
    assert (day.fr_met, day.nu_met, day.res_met) == (1, 1, 1)


def test_pages_count_and_after_hours_is_outside_business_hours(book: Book) -> None:
    night = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # 00:00 in New York
    paging.page_psm(book.a, message="Down", contact=book.contact_a, at=night)
    day = AccountDay.objects.get(account=book.a, day=date(2026, 3, 11))
    assert (day.pages, day.after_hours_pages) == (1, 1)
    paging.page_psm(book.a, priority="P2", message="Slow", contact=book.contact_a, at=NOW)
    day = AccountDay.objects.get(account=book.a, day=date(2026, 3, 10))
    assert (day.pages, day.after_hours_pages) == (1, 0)
    assert EngineerDay.objects.get(engineer=book.alice, day=date(2026, 3, 10)).pages == 1


def test_the_sweep_counts_cases_opened_and_is_safe_to_run_twice(book: Book) -> None:
    with time_machine.travel(NOW, tick=False):
        open_acme(book)
        open_acme(book, at=datetime(2026, 3, 10, 23, 0, tzinfo=UTC))  # 19:00 New York
    for _ in range(2):
        rollups.roll_up_day(date(2026, 3, 10), now=NOW)
    day = AccountDay.objects.get(account=book.a, day=date(2026, 3, 10))
    assert (day.cases_opened, day.after_hours_cases) == (2, 1)
    assert AccountDay.objects.filter(account=book.a, day=date(2026, 3, 10)).count() == 1


def test_rebuild_fills_the_ledger_from_existing_cases(book: Book) -> None:
    with time_machine.travel(NOW, tick=False):
        case = open_acme(book)
        cases.reply(book.alice, case, text="Done", at=NOW + timedelta(minutes=5))
    SlaOutcome.objects.all().delete()
    AccountDay.objects.all().delete()
    BookDay.objects.all().delete()
    rollups.rebuild(date(2026, 3, 9), date(2026, 3, 11), now=NOW)
    assert SlaOutcome.objects.get(case=case).met
    assert AccountDay.objects.get(account=book.a, day=date(2026, 3, 10)).fr_met == 1
    assert BookDay.objects.get(day=date(2026, 3, 10)).fr_met == 1


def test_the_book_day_is_the_sum_of_its_account_days_and_feeds_the_whole_book_dashboard(
    book: Book,
) -> None:
    with time_machine.travel(NOW, tick=False):
        kept = open_acme(book)
        cases.reply(book.alice, kept, text="Looking", at=NOW + timedelta(minutes=5))
        missed = cases.open_case(
            None, book.b, title="Slow", text="x", contact=book.contact_b, at=NOW
        )
    assert missed.first_response_due is not None
    sweeps.sweep(missed.first_response_due + timedelta(minutes=1))
    for day in AccountDay.objects.values_list("day", flat=True).distinct():
        accounts = AccountDay.objects.filter(day=day)
        book_day = BookDay.objects.get(day=day)
        for counter in rollups.COUNTERS:
            assert getattr(book_day, counter) == sum(getattr(a, counter) for a in accounts)
    every = list(Account.objects.values_list("pk", flat=True))
    later = NOW + timedelta(days=1)
    assert dashboard.sla_weeks(None, later) == dashboard.sla_weeks(every, later)
    assert dashboard.sla_weeks(None, later)[-1].total == 2  # one met, one missed
    # Recomputed, not added to: a second roll-up of the day changes nothing.
    rollups.roll_up_day(NOW.date(), now=later)
    assert dashboard.sla_weeks(None, later)[-1].met == 1


def test_a_drop_into_a_worse_band_alerts_the_psm_and_manager_once(book: Book) -> None:
    yesterday = NOW - timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        nightly(yesterday)
    before = HealthSnapshot.objects.get(account=book.a, day=yesterday.date())
    assert before.band == "healthy"
    # Ten pages and a P1 open for a day: Acme slips.
    with time_machine.travel(NOW - timedelta(hours=30), tick=False):
        open_acme(book, priority="P1", at=NOW - timedelta(hours=30))
    for i in range(10):
        at = NOW - timedelta(hours=i + 1)
        page = paging.page_psm(book.a, message=f"Down {i}", contact=book.contact_a, at=at)
        paging.resolve(page, book.alice, at=at + timedelta(minutes=1))
    with time_machine.travel(NOW, tick=False):
        first = nightly(NOW)
        again = nightly(NOW)
    today = HealthSnapshot.objects.get(account=book.a, day=NOW.date())
    assert today.band in ("watch", "at_risk")
    assert first["alerts"] == 1 and again["alerts"] == 0
    sent = Notification.objects.filter(key__startswith=f"insights:band-drop:{today.pk}:")
    assert sorted(n.recipient for n in sent) == sorted([book.alice.email, book.charlie.email])
    assert "Why this score" in sent[0].body and "/accounts/acme/health/" in sent[0].body
    # Globex did not move: no alert for it.
    assert not Notification.objects.filter(
        key__startswith="insights:band-drop:", account=book.b
    ).exists()


def test_snapshots_taken_again_the_same_day_replace_the_first(book: Book) -> None:
    services.take_snapshots(NOW)
    services.take_snapshots(NOW)
    assert HealthSnapshot.objects.filter(account=book.a, day=NOW.date()).count() == 1
