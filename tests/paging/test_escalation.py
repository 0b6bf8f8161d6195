"""A page goes to whoever covers, waits for acknowledgement, then escalates along the chain
it started with: target → substitute or on-call → manager → basic support."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from psm.coverage.models import HolidayCalendar
from psm.notifications.models import Notification
from psm.paging import services
from psm.paging.models import Page, PageStatus, PagingPolicy, StepKind
from psm.team import services as team_services
from psm.team.models import Engineer

# Tuesday 10 March 2026, 11:00 in New York (EDT): business hours for Acme.
IN_HOURS = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
# Tuesday 10 March 2026, 23:00 in New York: out of hours.
AFTER_HOURS = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)


def kinds(page: Page) -> list[tuple[str, str]]:
    return [(s.kind, s.target_name) for s in page.steps.all()]


@pytest.fixture
def paged(book):
    profile = Engineer.objects.get(user=book.alice)
    profile.set_pager_targets(["json://127.0.0.1:9/alice", "ntfy://alice-topic"])
    profile.save()
    return services.page_psm(
        book.a, priority="P1", message="Database down", contact=book.contact_a, at=IN_HOURS
    )


def test_a_page_goes_to_the_psm_with_a_snapshotted_chain(book, paged) -> None:
    assert paged.target == book.alice
    assert paged.channel == "page"
    assert paged.status == PageStatus.OPEN
    assert paged.ack_deadline == IN_HOURS + timedelta(minutes=15)
    chain = [(c["username"], c["role"]) for c in paged.chain]
    assert chain == [("alice", "target"), ("bob", "substitute"), ("charlie", "manager")]
    step = paged.steps.get()
    assert step.kind == StepKind.PAGED
    assert step.transports == ["email", "json", "ntfy"]
    keys = set(Notification.objects.values_list("key", flat=True))
    assert set(step.notification_keys) <= keys
    assert f"page:{paged.pk}:step:0:{book.alice.pk}:pager:0" in keys
    email = Notification.objects.get(key=f"page:{paged.pk}:step:0:{book.alice.pk}:email")
    assert email.recipient == book.alice.email
    assert "/paging/ack/" in email.body
    assert email.subject.startswith(f"[PAGE #{paged.pk}] P1 Acme")


def test_unacknowledged_pages_escalate_at_the_deadline_and_only_then(book, paged) -> None:
    deadline = paged.ack_deadline
    assert services.sweep(deadline - timedelta(seconds=1)) == 0
    assert services.sweep(deadline) == 1
    paged.refresh_from_db()
    assert (paged.status, paged.target, paged.step) == (PageStatus.ESCALATED, book.bob, 1)
    assert services.sweep(deadline) == 0  # the same instant again: nothing more
    assert services.sweep(deadline + timedelta(minutes=15)) == 1
    paged.refresh_from_db()
    assert paged.target == book.charlie
    assert services.sweep(deadline + timedelta(minutes=30)) == 1
    paged.refresh_from_db()
    assert paged.status == PageStatus.FALLBACK
    assert paged.target_name == "basic-support"
    assert paged.ack_deadline is None
    assert kinds(paged) == [
        ("paged", "alice"),
        ("escalated", "bob"),
        ("escalated", "charlie"),
        ("fallback", "basic-support"),
    ]
    assert Notification.objects.filter(key__startswith=f"page:{paged.pk}:step:3:basic").exists()
    assert services.sweep(deadline + timedelta(days=1)) == 0


def test_acknowledgement_stops_the_escalation(book, paged) -> None:
    assert services.acknowledge(paged, book.alice, "button", IN_HOURS + timedelta(minutes=3))
    assert not services.acknowledge(paged, book.bob, "button", IN_HOURS + timedelta(minutes=4))
    assert services.sweep(IN_HOURS + timedelta(hours=2)) == 0
    paged.refresh_from_db()
    assert paged.status == PageStatus.ACKNOWLEDGED
    assert paged.acknowledged_by == book.alice
    assert paged.ack_via == "button"
    assert kinds(paged) == [("paged", "alice"), ("acknowledged", "alice")]
    # The client hears who has it.
    assert Notification.objects.filter(
        key=f"page:{paged.pk}:acknowledged:client", recipient="alma@acme.example"
    ).exists()


def test_a_stale_escalation_task_does_nothing(book, paged) -> None:
    later = paged.ack_deadline + timedelta(seconds=1)
    assert services.escalate(paged.pk, 0, later)
    assert not services.escalate(paged.pk, 0, later)  # the task's second copy
    assert not services.escalate(paged.pk, 1, later)  # bob's deadline is not here yet


def test_edits_after_the_start_do_not_change_a_running_escalation(book, paged) -> None:
    PagingPolicy.objects.create(plan=book.plan, ack_minutes=60)
    team_services.assign(None, book.a, book.dana, "substitute", starts_on=date(2026, 3, 10))
    services.sweep(paged.ack_deadline)
    paged.refresh_from_db()
    assert paged.target == book.bob
    assert paged.ack_deadline == IN_HOURS + timedelta(minutes=30)
    fresh = services.page_psm(book.a, message="another", at=IN_HOURS + timedelta(hours=1))
    assert fresh.ack_minutes == 60


def test_out_of_hours_p1_pages_the_psm_and_escalates_to_the_substitute(book) -> None:
    page = services.page_psm(book.a, priority="P1", contact=book.contact_a, at=AFTER_HOURS)
    assert page.channel == "page"
    assert page.target == book.alice
    assert [c["username"] for c in page.chain] == ["alice", "bob", "charlie"]


def test_on_a_provider_holiday_p1_goes_to_basic_support(book, settings) -> None:
    settings.PSM_BASIC_SUPPORT_EMAIL = "support@provider.example"
    book.plan.holiday_calendar = HolidayCalendar.objects.create(
        name="Provider", added=["2026-03-10"]
    )
    book.plan.save()
    page = services.page_psm(book.a, priority="P1", contact=book.contact_a, at=IN_HOURS)
    assert page.channel == "fallback"
    assert page.status == PageStatus.FALLBACK
    assert page.target_name == "basic-support"
    assert kinds(page) == [("fallback", "basic-support")]
    mail = Notification.objects.get(key__startswith=f"page:{page.pk}:step:0:basic-support")
    assert mail.recipient == "support@provider.example"
    assert "holiday" in page.client_message


def test_while_the_psm_is_absent_the_substitute_is_paged(book) -> None:
    team_services.start_absence(
        None, book.alice, IN_HOURS - timedelta(days=1), IN_HOURS + timedelta(days=3), book.bob
    )
    page = services.page_psm(book.a, priority="P1", contact=book.contact_a, at=IN_HOURS)
    assert page.target == book.bob
    assert page.chain[0]["role"] == "stand-in"
    assert "alice" not in [c["username"] for c in page.chain]
    assert page.chain[-1]["username"] == "charlie"


def test_a_low_priority_page_out_of_hours_waits_for_coverage(book) -> None:
    page = services.page_psm(book.a, priority="P3", contact=book.contact_a, at=AFTER_HOURS)
    assert page.channel == "queue"
    assert page.step == -1
    # Wednesday 08:00 in New York.
    assert page.ack_deadline == datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    assert services.sweep(page.ack_deadline) == 1
    page.refresh_from_db()
    assert (page.step, page.status, page.target) == (0, PageStatus.OPEN, book.alice)
    assert page.ack_deadline == datetime(2026, 3, 11, 12, 15, tzinfo=UTC)
    assert kinds(page) == [("queued", "alice"), ("paged", "alice")]


def test_a_second_press_while_the_page_waits_is_the_same_page(book, paged) -> None:
    """Whatever the text and however long after: until someone acknowledges, asking again
    adds to the waiting page; the new words are kept for whoever answers."""
    again = services.page_psm(
        book.a,
        priority="P1",
        message="Now the backups fail too",
        contact=book.contact_a,
        at=IN_HOURS + timedelta(minutes=9),
    )
    assert again.pk == paged.pk
    assert kinds(paged)[-1] == ("repeated", "alice")
    assert paged.steps.last().detail == "Now the backups fail too"
    services.acknowledge(paged, book.alice, "button")
    after = services.page_psm(book.a, priority="P1", message="Again", contact=book.contact_a)
    assert after.pk != paged.pk, "once acknowledged, a new press is a new page"


def test_only_engineers_of_the_account_may_acknowledge(book, paged) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.acknowledge(paged, book.client_a, "button")
    with pytest.raises(PermissionDenied):
        services.acknowledge(paged, book.dana, "button")
