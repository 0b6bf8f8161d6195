"""Pages: who may see and change what, and that the forms do what they say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from psm.engagement.models import (
    AdvocacyItem,
    AdvocacyKind,
    CadenceRule,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    WorkItem,
    WorkItemType,
)
from psm.engagement.services.touchpoints import schedule_touchpoint
from psm.engagement.services.work import create_advocacy_item, create_work_item
from psm.team.services import assign
from psm.testing.factories import EngineerFactory, UserFactory

NOW = datetime(2025, 10, 1, 12, tzinfo=UTC)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ann(book):
    """An engineer who sees Acme only."""
    user = UserFactory(username="ann")
    EngineerFactory(user=user, manager=book.charlie)
    assign(None, book.a, user, "substitute")
    return user


@pytest.mark.django_db
def test_tab_for_the_team_not_for_others(book, ann):
    assert as_user(book.alice).get("/accounts/acme/engagement/").status_code == 200
    assert as_user(ann).get("/accounts/acme/engagement/").status_code == 200
    assert as_user(ann).get("/accounts/globex/engagement/").status_code == 404
    assert as_user(book.dana).get("/accounts/acme/engagement/").status_code == 404
    assert as_user(book.client_a).get("/accounts/acme/engagement/").status_code == 403


@pytest.mark.django_db
def test_objects_of_another_account_are_not_reachable_through_a_visible_slug(book, ann):
    from psm.testing import engagement as testing

    tp = testing.foreign_touchpoint(book)
    work = testing.foreign_work_item(book)
    adv = testing.foreign_advocacy(book)
    brief = testing.foreign_brief(book)
    client = as_user(ann)
    for url in (
        f"/accounts/acme/engagement/touchpoints/{tp.pk}/",
        f"/accounts/acme/engagement/touchpoints/{tp.pk}/invite.ics",
        f"/accounts/acme/engagement/work/{work.pk}/",
        f"/accounts/acme/engagement/advocacy/{adv.pk}/",
        f"/accounts/acme/engagement/briefs/{brief.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/accounts/acme/engagement/touchpoints/{tp.pk}/cancel/").status_code == 404
    tp.refresh_from_db()
    assert tp.status == TouchpointStatus.SCHEDULED


@pytest.mark.django_db
def test_log_a_check_in_in_the_clients_local_time_with_work_reviewed(book, run_tasks, mailoutbox):
    item = create_work_item(
        None, book.a, type=WorkItemType.PLANNING, title="Upgrade plan", owner=book.alice
    )
    response = as_user(book.alice).post(
        "/accounts/acme/engagement/check-ins/log/",
        {
            "when": "2025-03-10T10:00",  # New York, the day after DST began: 14:00 UTC
            "duration_minutes": "30",
            "owner": book.alice.pk,
            "contacts": [book.contact_a.pk],
            "notes": "Talked upgrades",
            "outcomes": "Window agreed",
            "follow_ups": "Send plan | 2025-03-14\nBook lab",
            "satisfaction_rating": "5",
            f"review_{item.pk}": "Draft ready",
        },
    )
    assert response.status_code == 302, response.content
    tp = Touchpoint.objects.get(kind=TouchpointKind.CHECK_IN)
    assert tp.starts_at == datetime(2025, 3, 10, 14, tzinfo=UTC)
    assert tp.status == TouchpointStatus.COMPLETED
    assert [f.text for f in tp.follow_ups.all()] == ["Send plan", "Book lab"]
    assert tp.follow_ups.get(text="Send plan").due_on.isoformat() == "2025-03-14"
    item.refresh_from_db()
    assert item.last_reviewed_at == tp.starts_at
    assert item.notes.get(touchpoint=tp).text == "Draft ready"
    # The satisfaction asked at the end is a score; the contact also gets a survey link.
    assert tp.surveys.filter(channel="in_person", score=5).exists()
    assert any("alma@acme.example" in m.to for m in mailoutbox)
    page = as_user(book.alice).get(tp.get_absolute_url())
    assert b"Window agreed" in page.content and b"Draft ready" in page.content


@pytest.mark.django_db
def test_plan_a_visit_then_record_the_trip_report(book):
    client = as_user(book.alice)
    site = book.a.sites.get()
    response = client.post(
        "/accounts/acme/engagement/touchpoints/new/site_visit/",
        {
            "title": "Boston visit",
            "starts": "2025-11-04T09:00",
            "duration_minutes": "480",
            "site": site.pk,
            "owner": book.alice.pk,
            "contacts": [book.contact_a.pk],
            "agenda": "Health check",
            "travel_from": "2025-11-03",
            "travel_to": "2025-11-05",
        },
    )
    assert response.status_code == 302, response.content
    visit = Touchpoint.objects.get(kind=TouchpointKind.SITE_VISIT)
    assert visit.starts_at == datetime(2025, 11, 4, 14, tzinfo=UTC)  # EST after 2 Nov
    response = client.post(
        visit.get_absolute_url() + "complete/",
        {"trip_report": "Servers patched; users trained.", "follow_ups": "Send report"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == TouchpointStatus.COMPLETED
    assert visit.trip_report == "Servers patched; users trained."
    bad = client.post(
        "/accounts/acme/engagement/touchpoints/new/site_visit/",
        {
            "title": "x",
            "starts": "2025-11-04T09:00",
            "duration_minutes": "60",
            "owner": book.alice.pk,
            "travel_from": "2025-11-05",
            "travel_to": "2025-11-03",
        },
    )
    assert bad.status_code == 200
    assert b"Travel must end" in bad.content and b"This field is required" in bad.content


@pytest.mark.django_db
def test_management_reviews_are_for_managers(book):
    url = "/accounts/acme/engagement/touchpoints/new/management_review/"
    assert as_user(book.alice).get(url).status_code == 403
    assert as_user(book.charlie).get(url).status_code == 200
    with time_machine.travel(NOW, tick=False):
        review = schedule_touchpoint(
            book.charlie,
            book.a,
            TouchpointKind.MANAGEMENT_REVIEW,
            title="Review",
            starts_at=NOW,
            ends_at=NOW + timedelta(hours=1),
            owner=book.charlie,
        )
    assert b"psm_rating" not in as_user(book.alice).get(review.get_absolute_url()).content
    as_user(book.alice).post(review.get_absolute_url() + "complete/", {"psm_rating": "1"})
    review.refresh_from_db()
    assert review.psm_rating is None
    as_user(book.charlie).post(
        review.get_absolute_url() + "complete/",
        {"psm_rating": "4", "notes": "Client happy with Alice"},
    )
    review = Touchpoint.objects.get(pk=review.pk)
    assert (review.psm_rating, review.rated_engineer) == (4, book.alice)


@pytest.mark.django_db
def test_cadence_override_form_explains_a_bad_rule(book):
    client = as_user(book.alice)
    bad = client.post(
        "/accounts/acme/engagement/cadences/check_in/",
        {"rrule": "FREQ=HOURLY", "enabled": "on", "tolerance_days": "1", "remind_days": "1"},
    )
    assert bad.status_code == 200 and b"FREQ must be" in bad.content
    good = client.post(
        "/accounts/acme/engagement/cadences/check_in/",
        {
            "rrule": "RRULE:FREQ=WEEKLY;BYDAY=MO",
            "enabled": "on",
            "tolerance_days": "1",
            "remind_days": "1",
        },
    )
    assert good.status_code == 302
    assert CadenceRule.objects.get(account=book.a).rrule == "FREQ=WEEKLY;BYDAY=MO"
    page = client.get("/accounts/acme/engagement/")
    assert b"every Monday" in page.content and b"(this account's own)" in page.content


@pytest.mark.django_db
def test_advocacy_ranking_counts_clients_per_defect_within_what_you_see(book, ann):
    for account, owner in ((book.a, book.alice), (book.b, book.bob)):
        create_advocacy_item(
            None,
            account,
            kind=AdvocacyKind.DEFECT,
            title="Merge crash",
            internal_ref="DEF-1",
            business_impact="Blocked",
            owner=owner,
        )
    create_advocacy_item(
        None,
        book.a,
        kind=AdvocacyKind.ENHANCEMENT,
        title="Dark mode",
        internal_ref="RFE-9",
        business_impact="Eyes",
        owner=book.alice,
        priority="low",
    )
    page = as_user(book.charlie).get("/engagement/advocacy/").content.decode()
    assert page.index("DEF-1") < page.index("RFE-9")
    assert "Globex" in page
    mine = as_user(ann).get("/engagement/advocacy/").content.decode()
    assert "DEF-1" in mine and "Globex" not in mine
    assert as_user(book.client_a).get("/engagement/advocacy/").status_code == 403


@pytest.mark.django_db
def test_advocacy_update_records_history(book):
    item = create_advocacy_item(
        None,
        book.a,
        kind=AdvocacyKind.DEFECT,
        title="Merge crash",
        internal_ref="def-1",
        business_impact="Blocked",
        owner=book.alice,
    )
    assert item.internal_ref == "DEF-1"
    response = as_user(book.alice).post(
        item.get_absolute_url(),
        {
            "text": "Fix scheduled",
            "status": "scheduled",
            "priority": "critical",
            "target_release": "11.0.2",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.target_release, item.priority) == ("scheduled", "11.0.2", "critical")
    assert item.updates.count() == 2


@pytest.mark.django_db
def test_work_item_pages(book):
    client = as_user(book.alice)
    response = client.post(
        "/accounts/acme/engagement/work/new/",
        {
            "type": "testing",
            "title": "Test patch 3",
            "status": "planned",
            "owner": book.alice.pk,
            "milestones": "Lab ready | 2025-11-01\nSign-off",
        },
    )
    assert response.status_code == 302, response.content
    item = WorkItem.objects.get()
    assert item.milestones.count() == 2
    client.post(item.get_absolute_url(), {"milestone_done": item.milestones.first().pk})
    client.post(item.get_absolute_url(), {"status": "in_progress", "note": "Lab booked"})
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert item.progress() == (1, 2)
    assert {n.text for n in item.notes.all()} >= {"Lab booked", "Milestone reached: Lab ready"}


@pytest.mark.django_db
def test_portal_shows_the_clients_own_engagement_only(book):
    start = datetime.now(UTC) + timedelta(days=5)
    for account, owner in ((book.a, book.alice), (book.b, book.bob)):
        schedule_touchpoint(
            owner,
            account,
            TouchpointKind.EVENT,
            title=f"{account.name} training",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            owner=owner,
        )
        create_work_item(
            None,
            account,
            type=WorkItemType.CUSTOMIZING,
            title=f"{account.name} triggers",
            owner=owner,
        )
        AdvocacyItem.objects.create(
            account=account,
            kind="defect",
            title=f"{account.name} bug",
            internal_ref="DEF-2",
            business_impact="x",
            owner=owner,
        )
    page = as_user(book.client_a).get("/engagement/portal/")
    assert page.status_code == 200
    body = page.content.decode()
    for text in ("Acme training", "Acme triggers", "Acme bug"):
        assert text in body
    assert "Globex" not in body
    assert as_user(book.alice).get("/engagement/portal/").status_code == 403


@pytest.mark.django_db
def test_engagement_home_lists_my_overdue(book):
    from psm.engagement.services import refresh_cadences, sweep_cadences

    with time_machine.travel(NOW, tick=False):
        refresh_cadences(book.a)
        refresh_cadences(book.b)
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        sweep_cadences()
        page = as_user(book.alice).get("/engagement/").content.decode()
    assert "overdue" in page.lower() and "Acme" in page
    assert "Globex" not in page  # alice only substitutes there


@pytest.mark.django_db
def test_advocacy_links_the_accounts_own_cases_only(book):
    from django.core.exceptions import ValidationError

    from psm.cases import services as case_services
    from psm.testing.cases import foreign_case

    mine = case_services.open_case(
        None, book.a, title="Merge lost history", text="Help", contact=book.contact_a
    )
    response = as_user(book.alice).post(
        "/accounts/acme/engagement/advocacy/new/",
        {
            "kind": "defect",
            "title": "Merge loses history",
            "internal_ref": "def-7",
            "business_impact": "Release blocked",
            "priority": "high",
            "owner": book.alice.pk,
            "cases": [mine.pk],
        },
    )
    assert response.status_code == 302, response.content
    item = AdvocacyItem.objects.get(internal_ref="DEF-7")
    assert list(item.cases.all()) == [mine]
    assert mine.reference.encode() in as_user(book.alice).get(item.get_absolute_url()).content
    foreign = foreign_case(book)
    bad = as_user(book.alice).post(
        "/accounts/acme/engagement/advocacy/new/",
        {
            "kind": "defect",
            "title": "x",
            "internal_ref": "DEF-8",
            "business_impact": "x",
            "priority": "high",
            "owner": book.alice.pk,
            "cases": [foreign.pk],
        },
    )
    assert bad.status_code == 200 and not AdvocacyItem.objects.filter(internal_ref="DEF-8")
    with pytest.raises(ValidationError):
        create_advocacy_item(
            None,
            book.a,
            kind="defect",
            title="x",
            internal_ref="DEF-9",
            business_impact="x",
            owner=book.alice,
            cases=[foreign],
        )
