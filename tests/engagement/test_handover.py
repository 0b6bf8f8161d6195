"""Substitute handover: brief per account when an absence starts, client notice when the plan
says so, return brief at the end; the sweep writes each once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from psm.engagement.models import (
    AdvocacyKind,
    BriefKind,
    EngagementPolicy,
    HandoverBrief,
    TouchpointKind,
    WorkItemType,
)
from psm.engagement.services.handover import sweep_absences
from psm.engagement.services.touchpoints import log_check_in, schedule_touchpoint
from psm.engagement.services.work import create_advocacy_item, create_work_item
from psm.team.services import start_absence
from psm.testing.factories import InstalledProductFactory

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def lived_in(book):
    """Acme with work, advocacy, a planned visit during the absence and a recent check-in."""
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        create_work_item(
            None,
            book.a,
            type=WorkItemType.TESTING,
            title="Test ClearCase 11 upgrade",
            owner=book.alice,
        )
        create_advocacy_item(
            None,
            book.a,
            kind=AdvocacyKind.DEFECT,
            title="Merge corrupts VOB",
            internal_ref="def-10442",
            business_impact="Release blocked",
            owner=book.alice,
        )
        log_check_in(
            book.alice,
            book.a,
            owner=book.alice,
            contacts=[book.contact_a],
            starts_at=NOW - timedelta(days=3),
            ends_at=NOW - timedelta(days=3, hours=-1),
            outcomes="Agreed upgrade window",
        )
        schedule_touchpoint(
            book.alice,
            book.a,
            TouchpointKind.SITE_VISIT,
            title="Boston visit",
            starts_at=NOW + timedelta(days=2),
            ends_at=NOW + timedelta(days=2, hours=6),
            owner=book.alice,
            site=book.a.sites.first(),
        )
        InstalledProductFactory(account=book.a, product__name="ClearCase", version="10.0.1")
    return book


@pytest.mark.django_db
def test_absence_entered_while_running_briefs_the_substitute(lived_in, run_tasks, mailoutbox):
    book = lived_in
    with time_machine.travel(NOW, tick=False):
        start_absence(
            None,
            book.alice,
            NOW - timedelta(hours=1),
            NOW + timedelta(days=7),
            substitute=book.dana,
            reason="Leave",
        )
    brief = HandoverBrief.objects.get(account=book.a, kind=BriefKind.HANDOVER)
    assert brief.recipient == book.dana
    c = brief.content
    assert c["absence"]["substitute"] == book.dana.display_name
    assert [t["title"] for t in c["touchpoints"]] == ["Boston visit"]
    assert [w["title"] for w in c["work_items"]] == ["Test ClearCase 11 upgrade"]
    assert [a["ref"] for a in c["advocacy"]] == ["DEF-10442"]
    assert any("Check-in held" in e["title"] for e in c["timeline"])
    assert c["environment"]["installs"][0]["version"] == "10.0.1"
    assert [p["email"] for p in c["contacts"]] == ["alma@acme.example"]
    assert "cases" in c and "pages" in c
    mail = next(m for m in mailoutbox if m.subject.startswith("Handover: Acme"))
    assert mail.to == [book.dana.email]
    for text in (
        "Boston visit",
        "DEF-10442",
        "Test ClearCase 11 upgrade",
        "alma@acme.example",
        "ClearCase 10.0.1",
    ):
        assert text in mail.body
    # Only alice's own account: she is substitute, not primary, on Globex.
    assert not HandoverBrief.objects.filter(account=book.b).exists()
    # The plan does not announce substitutes by default.
    assert not [m for m in mailoutbox if "alma@acme.example" in m.to]


@pytest.mark.django_db
def test_client_contacts_are_told_when_the_plan_says_so(lived_in, run_tasks, mailoutbox):
    book = lived_in
    EngagementPolicy.objects.create(plan=book.plan, announce_substitute=True)
    with time_machine.travel(NOW, tick=False):
        start_absence(None, book.alice, NOW, NOW + timedelta(days=7), substitute=book.dana)
    notice = next(m for m in mailoutbox if m.to == ["alma@acme.example"])
    assert book.dana.display_name in notice.subject
    assert "02 Jun" in notice.subject and "09 Jun" in notice.subject
    brief = HandoverBrief.objects.get(account=book.a)
    assert brief.notified_contacts == ["alma@acme.example"]


@pytest.mark.django_db
def test_account_override_can_switch_the_notice_off(lived_in, run_tasks, mailoutbox):
    book = lived_in
    EngagementPolicy.objects.create(plan=book.plan, announce_substitute=True)
    EngagementPolicy.objects.create(account=book.a, announce_substitute=False)
    with time_machine.travel(NOW, tick=False):
        start_absence(None, book.alice, NOW, NOW + timedelta(days=7), substitute=book.dana)
    assert not [m for m in mailoutbox if m.to == ["alma@acme.example"]]


@pytest.mark.django_db
def test_future_absence_is_briefed_by_the_sweep_when_it_starts_and_once(lived_in, run_tasks):
    book = lived_in
    start = NOW + timedelta(days=1)
    with time_machine.travel(NOW, tick=False):
        start_absence(None, book.alice, start, start + timedelta(days=3))
        assert sweep_absences() == (0, 0)
    assert not HandoverBrief.objects.exists()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert sweep_absences() == (1, 0)
        assert sweep_absences() == (0, 0)
    # No named substitute: the account's substitute PSM (bob) gets it.
    assert HandoverBrief.objects.get(kind=BriefKind.HANDOVER).recipient == book.bob
    with time_machine.travel(start + timedelta(days=3, minutes=5), tick=False):
        assert sweep_absences() == (0, 1)
        assert sweep_absences() == (0, 0)
    back = HandoverBrief.objects.get(kind=BriefKind.RETURN)
    assert back.recipient == book.alice
    assert [t["title"] for t in back.content["touchpoints"]] == ["Boston visit"]


@pytest.mark.django_db
def test_return_brief_tells_what_happened(lived_in, run_tasks, mailoutbox):
    book = lived_in
    with time_machine.travel(NOW, tick=False):
        absence = start_absence(
            None, book.alice, NOW, NOW + timedelta(days=2), substitute=book.dana
        )
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        log_check_in(
            book.dana,
            book.a,
            owner=book.dana,
            contacts=[book.contact_a],
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=1),
            outcomes="Dana found the licence leak",
        )
    with time_machine.travel(NOW + timedelta(days=2, minutes=1), tick=False):
        sweep_absences()
    mail = next(m for m in mailoutbox if m.subject.startswith("Return brief: Acme"))
    assert mail.to == [book.alice.email]
    assert "Dana found the licence leak" in mail.body
    assert absence.briefs.count() == 2
