"""iCalendar (RFC 5545 / iTIP RFC 5546) for touchpoints: invitations and private feeds.

Times are written in the meeting place's zone (``DTSTART;TZID=Europe/Berlin:…``) with the
matching VTIMEZONE, so a client opening the invitation sees the right local time whatever
their own zone; DTSTAMP is UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from psm.engagement.models import Attendee, AttendeeResponse, Touchpoint, TouchpointStatus

PRODID = "-//PSM//Premium Support Management//EN"
PARTSTAT = {
    AttendeeResponse.NEEDS_ACTION: "NEEDS-ACTION",
    AttendeeResponse.ACCEPTED: "ACCEPTED",
    AttendeeResponse.TENTATIVE: "TENTATIVE",
    AttendeeResponse.DECLINED: "DECLINED",
}


def _calendar(method: str | None = None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def touchpoint_event(
    touchpoint: Touchpoint,
    *,
    attendees: Iterable[Attendee] = (),
    cancelled: bool = False,
    private_details: bool = False,
) -> Event:
    zone = ZoneInfo(touchpoint.timezone)
    event = Event()
    event.add("uid", touchpoint.ical_uid)
    event.add("sequence", touchpoint.ical_sequence)
    event.add("dtstamp", timezone.now().astimezone(ZoneInfo("UTC")))
    event.add("dtstart", touchpoint.starts_at.astimezone(zone))
    event.add("dtend", touchpoint.ends_at.astimezone(zone))
    event.add("summary", f"{touchpoint.account.name}: {touchpoint.title}")
    location = ", ".join(
        part
        for part in (touchpoint.location, touchpoint.site.name if touchpoint.site else "")
        if part
    )
    if location:
        event.add("location", location)
    description = [touchpoint.get_kind_display()]
    if touchpoint.agenda:
        description += ["", "Agenda:", touchpoint.agenda]
    if touchpoint.materials:
        description += ["", "Materials:", touchpoint.materials]
    if private_details and touchpoint.notes:
        description += ["", "Notes:", touchpoint.notes]
    event.add("description", "\n".join(description))
    event.add("categories", [touchpoint.get_kind_display()])
    status = (
        "CANCELLED"
        if cancelled or touchpoint.status == TouchpointStatus.CANCELLED
        else ("CONFIRMED")
    )
    event.add("status", status)
    event.add("transp", "OPAQUE")
    owner = touchpoint.owner
    if owner.email:
        event.add("organizer", _address(owner.email, owner.display_name))
    for attendee in attendees:
        if not attendee.email or attendee.user_id == owner.pk:
            continue
        event.add(
            "attendee",
            _address(
                attendee.email,
                attendee.name,
                role="REQ-PARTICIPANT",
                partstat=PARTSTAT.get(AttendeeResponse(attendee.response), "NEEDS-ACTION"),
                rsvp="TRUE",
            ),
            encode=False,
        )
    event.add("url", settings.BASE_URL + touchpoint.get_absolute_url())
    return event


def _finish(cal: Calendar, starts: list[datetime]) -> bytes:
    if starts:
        first = min(starts).date() - timedelta(days=366)
        last = max(starts).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    data: bytes = cal.to_ical()
    return data


def invitation(touchpoint: Touchpoint, method: str = "REQUEST") -> bytes:
    """One event as an iTIP message (METHOD:REQUEST to invite or update, CANCEL to cancel)."""
    cal = _calendar(method=method)
    attendees = list(touchpoint.attendees.all())
    cal.add_component(
        touchpoint_event(touchpoint, attendees=attendees, cancelled=method == "CANCEL")
    )
    return _finish(cal, [touchpoint.starts_at])


def feed(
    name: str,
    touchpoints: Iterable[Touchpoint],
    due: Iterable[tuple[str, str, date]] = (),
    *,
    private_details: bool = False,
) -> bytes:
    """A published calendar (no METHOD) of touchpoints, plus all-day "due" markers given as
    (uid, summary, local date)."""
    cal = _calendar(name=name)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    starts = []
    for touchpoint in touchpoints:
        cal.add_component(touchpoint_event(touchpoint, private_details=private_details))
        starts.append(touchpoint.starts_at)
    for uid, summary, day in due:
        marker = Event()
        marker.add("uid", uid)
        marker.add("dtstamp", timezone.now().astimezone(ZoneInfo("UTC")))
        marker.add("dtstart", day)
        marker.add("dtend", day + timedelta(days=1))
        marker.add("summary", summary)
        marker.add("transp", "TRANSPARENT")
        cal.add_component(marker)
    return _finish(cal, starts)
