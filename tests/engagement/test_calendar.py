"""iCalendar: invitations by e-mail (METHOD:REQUEST, TZID + VTIMEZONE, SEQUENCE on change,
CANCEL) and private feeds that reveal nothing once revoked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from psm.engagement.models import FeedScope, TouchpointKind
from psm.engagement.services.feeds import create_feed, revoke_feed
from psm.engagement.services.invitations import send_invitations
from psm.engagement.services.touchpoints import (
    cancel_touchpoint,
    schedule_touchpoint,
    update_touchpoint,
)
from psm.team.models import AssignmentRole

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def event(book):
    with time_machine.travel(NOW, tick=False):
        site = book.a.sites.get()
        # 9 March 2025 is the US DST change: 10:00 EDT = 14:00 UTC.
        return schedule_touchpoint(
            book.alice,
            book.a,
            TouchpointKind.EVENT,
            title="ClearCase for Boston users",
            starts_at=datetime(2025, 3, 10, 14, tzinfo=UTC),
            ends_at=datetime(2025, 3, 10, 16, tzinfo=UTC),
            owner=book.alice,
            site=site,
            agenda="Branching, merging",
            contacts=[book.contact_a],
            materials="https://docs.example/clearcase",
        )


def calendar_of(mail) -> Calendar:
    part = next(a for a in mail.alternatives if a.mimetype.startswith("text/calendar"))
    assert "method=" in part.mimetype
    return Calendar.from_ical(part.content)


@pytest.mark.django_db
def test_invitation_is_an_itip_request_in_the_sites_zone(event, book, run_tasks, mailoutbox):
    assert send_invitations(book.alice, event) == 1
    assert send_invitations(book.alice, event) == 0  # each version once
    mail = mailoutbox[-1]
    assert mail.to == ["alma@acme.example"]
    cal = calendar_of(mail)
    assert cal["METHOD"] == "REQUEST"
    vevent = cal.walk("VEVENT")[0]
    assert str(vevent["UID"]) == event.ical_uid
    assert vevent["SEQUENCE"] == 0
    start = vevent["DTSTART"]
    assert start.params["TZID"] == "America/New_York"
    assert isinstance(start.dt, datetime)
    assert start.dt.replace(tzinfo=None) == datetime(2025, 3, 10, 10, 0)
    assert start.dt.astimezone(UTC) == datetime(2025, 3, 10, 14, tzinfo=UTC)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(vevent["ORGANIZER"]) == f"mailto:{book.alice.email}"
    raw = vevent.get("ATTENDEE")
    attendees = [str(a) for a in raw] if isinstance(raw, list) else [str(raw)]
    assert attendees == ["mailto:alma@acme.example"]
    assert vevent["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert "Branching, merging" in str(vevent["DESCRIPTION"])
    assert "invite.ics" in [a[0] for a in mail.attachments]


@pytest.mark.django_db
def test_moving_it_resends_with_a_higher_sequence_and_cancel_sends_cancel(
    event, book, run_tasks, mailoutbox
):
    send_invitations(book.alice, event)
    update_touchpoint(
        book.alice,
        event,
        starts_at=event.starts_at + timedelta(hours=1),
        ends_at=event.ends_at + timedelta(hours=1),
    )
    updated = calendar_of(mailoutbox[-1]).walk("VEVENT")[0]
    assert updated["SEQUENCE"] == 1
    assert mailoutbox[-1].subject.startswith("Updated invitation")
    count = len(mailoutbox)
    update_touchpoint(book.alice, event, agenda="Branching only")  # not a move: no mail
    assert len(mailoutbox) == count
    cancel_touchpoint(book.alice, event)
    cancelled = calendar_of(mailoutbox[-1])
    assert cancelled["METHOD"] == "CANCEL"
    assert cancelled.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert cancelled.walk("VEVENT")[0]["SEQUENCE"] == 2


@pytest.mark.django_db
def test_engineer_feed_lists_touchpoints_and_due_cadences(event, book):
    from psm.engagement.services import refresh_cadences

    with time_machine.travel(NOW, tick=False):
        refresh_cadences(book.a)
        _, token = create_feed(book.alice, FeedScope.ENGINEER)
        response = Client().get(f"/engagement/feeds/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert "Acme: ClearCase for Boston users" in summaries
    assert "Check-in due: Acme" in summaries
    assert not any("Globex" in s for s in summaries)


@pytest.mark.django_db
def test_revoked_or_unknown_feed_reveals_nothing(event, book):
    feed, token = create_feed(book.alice, FeedScope.ACCOUNT, book.a)
    with time_machine.travel(NOW, tick=False):
        live = Client().get(f"/engagement/feeds/{token}.ics")
    assert live.status_code == 200 and b"ClearCase for Boston users" in live.content
    revoke_feed(book.alice, feed)
    revoked = Client().get(f"/engagement/feeds/{token}.ics")
    unknown = Client().get("/engagement/feeds/nothing-here.ics")
    assert revoked.status_code == unknown.status_code == 404
    assert b"Acme" not in revoked.content and b"VCALENDAR" not in revoked.content
    # The same page for both (but for the form token every page carries).
    csrf = re.compile(rb'"X-CSRFToken": "[^"]+"')
    assert csrf.sub(b"", revoked.content) == csrf.sub(b"", unknown.content)


@pytest.mark.django_db
def test_feed_stops_when_its_owner_loses_the_account(event, book):
    from psm.team.models import Assignment
    from psm.team.services import end_assignment

    _, token = create_feed(book.alice, FeedScope.ACCOUNT, book.a)
    for assignment in Assignment.objects.filter(
        account=book.a, engineer=book.alice, role=AssignmentRole.PRIMARY
    ):
        end_assignment(None, assignment, assignment.starts_on)
    assert Client().get(f"/engagement/feeds/{token}.ics").status_code == 404


@pytest.mark.django_db
def test_client_feed_of_their_account_keeps_internal_notes_out(event, book):
    event.notes = "Internal: they are unhappy with licensing"
    event.save()
    _, token = create_feed(book.client_a, FeedScope.ACCOUNT, book.a)
    with time_machine.travel(NOW, tick=False):
        body = Client().get(f"/engagement/feeds/{token}.ics").content
    assert b"ClearCase for Boston users" in body
    assert b"unhappy" not in body


@pytest.mark.django_db
def test_a_client_cannot_make_a_feed_of_another_account_or_a_personal_one(book):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        create_feed(book.client_a, FeedScope.ACCOUNT, book.b)
    with pytest.raises(PermissionDenied):
        create_feed(book.client_a, FeedScope.ENGINEER)
