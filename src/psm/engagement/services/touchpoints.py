"""Touchpoints: schedule, log, complete, reschedule and cancel, with invitations and follow-ups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from psm.accounts.models import Account, Contact, Site
from psm.audit.models import record
from psm.engagement.models import (
    CADENCE_OF,
    Attendee,
    FollowUp,
    ProgressNote,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    WorkItem,
)
from psm.engagement.services.cadences import refresh_cadences
from psm.team.models import User

RESCHEDULE_FIELDS = ("starts_at", "ends_at", "location", "site", "title", "timezone")


@dataclass(frozen=True)
class FollowUpSpec:
    text: str
    owner: User | None = None
    due_on: date | None = None


def _check_people(account: Account, contacts: Iterable[Contact], site: Site | None) -> None:
    for contact in contacts:
        if contact.account_id != account.pk:
            raise ValidationError(f"{contact} is not a contact of {account}.")
    if site is not None and site.account_id != account.pk:
        raise ValidationError(f"{site.name} is not a site of {account}.")


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError("Start and end must carry a time zone.")
    if ends_at <= starts_at:
        raise ValidationError("A touchpoint must end after it starts.")


def may_hold_reviews(user: User | None) -> bool:
    """Management reviews (and the PSM rating given in them) are the PSM manager's own
    contact with the client: managers and administrators only. ``None`` is the system."""
    return user is None or user.is_manager or user.is_admin


def _check_review(actor: User | None, kind: str) -> None:
    if kind == TouchpointKind.MANAGEMENT_REVIEW and not may_hold_reviews(actor):
        raise PermissionDenied("Management reviews are the PSM manager's own contact.")


def schedule_touchpoint(
    actor: User | None,
    account: Account,
    kind: str,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    owner: User,
    site: Site | None = None,
    location: str = "",
    agenda: str = "",
    contacts: Iterable[Contact] = (),
    staff: Iterable[User] = (),
    travel_from: date | None = None,
    travel_to: date | None = None,
    materials: str = "",
    rated_engineer: User | None = None,
    status: str = TouchpointStatus.SCHEDULED,
) -> Touchpoint:
    _check_review(actor, kind)
    contacts = list(contacts)
    _check_times(starts_at, ends_at)
    _check_people(account, contacts, site)
    if kind not in TouchpointKind.values:
        raise ValidationError(f"Unknown touchpoint kind {kind!r}.")
    if owner.is_client:
        raise ValidationError("A touchpoint is owned by someone of the provider.")
    if travel_from and travel_to and travel_to < travel_from:
        raise ValidationError("Travel must end on or after the day it starts.")
    with transaction.atomic():
        touchpoint = Touchpoint.objects.create(
            account=account,
            kind=kind,
            status=status,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=site.timezone if site else account.timezone,
            site=site,
            location=location,
            owner=owner,
            agenda=agenda,
            travel_from=travel_from,
            travel_to=travel_to,
            materials=materials,
            rated_engineer=rated_engineer,
            created_by=actor if isinstance(actor, User) else None,
        )
        for contact in contacts:
            Attendee.objects.create(
                touchpoint=touchpoint,
                contact=contact,
                name=contact.name,
                email=contact.primary_email,
            )
        for person in {owner, *staff}:
            Attendee.objects.get_or_create(
                touchpoint=touchpoint,
                user=person,
                defaults={"name": person.display_name, "email": person.email},
            )
        record(
            actor,
            f"{kind}.schedule",
            touchpoint,
            account=account,
            changes={"starts_at": starts_at, "status": status},
        )
        if status == TouchpointStatus.COMPLETED:
            touchpoint.completed_at = timezone.now()
            touchpoint.save(update_fields=["completed_at"])
            refresh_cadences(account)
    return touchpoint


def log_check_in(
    actor: User | None,
    account: Account,
    *,
    starts_at: datetime,
    ends_at: datetime,
    owner: User,
    contacts: Iterable[Contact] = (),
    title: str = "Check-in",
    notes: str = "",
    outcomes: str = "",
    follow_ups: Iterable[FollowUpSpec] = (),
    satisfaction_rating: int | None = None,
    reviewed: dict[int, str] | None = None,
    location: str = "",
) -> Touchpoint:
    """A check-in that happened: recorded, completed and reviewed in one go."""
    with transaction.atomic():
        touchpoint = schedule_touchpoint(
            actor,
            account,
            TouchpointKind.CHECK_IN,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            owner=owner,
            contacts=contacts,
            location=location,
        )
        complete_touchpoint(
            actor,
            touchpoint,
            notes=notes,
            outcomes=outcomes,
            follow_ups=follow_ups,
            satisfaction_rating=satisfaction_rating,
            reviewed=reviewed,
        )
    return touchpoint


def complete_touchpoint(
    actor: User | None,
    touchpoint: Touchpoint,
    *,
    notes: str | None = None,
    outcomes: str | None = None,
    trip_report: str | None = None,
    satisfaction_rating: int | None = None,
    psm_rating: int | None = None,
    follow_ups: Iterable[FollowUpSpec] = (),
    attended: dict[int, bool] | None = None,
    reviewed: dict[int, str] | None = None,
    send_survey: bool = True,
) -> Touchpoint:
    """Mark done (it then counts for its cadence), with what came out of it."""
    from psm.engagement.services.satisfaction import record_rating, send_check_in_surveys

    if touchpoint.status == TouchpointStatus.CANCELLED:
        raise ValidationError("A cancelled touchpoint cannot be completed.")
    for rating in (satisfaction_rating, psm_rating):
        if rating is not None and not 1 <= rating <= 5:
            raise ValidationError("Ratings are 1 to 5.")
    if psm_rating is not None:
        _check_review(actor, TouchpointKind.MANAGEMENT_REVIEW)
    now = timezone.now()
    first_time = touchpoint.status != TouchpointStatus.COMPLETED
    with transaction.atomic():
        for name, value in (("notes", notes), ("outcomes", outcomes), ("trip_report", trip_report)):
            if value is not None:
                setattr(touchpoint, name, value)
        if satisfaction_rating is not None:
            touchpoint.satisfaction_rating = satisfaction_rating
        if psm_rating is not None:
            touchpoint.psm_rating = psm_rating
            if touchpoint.rated_engineer is None:
                from psm.engagement.services.people import primary_psm

                touchpoint.rated_engineer = primary_psm(touchpoint.account)
        touchpoint.status = TouchpointStatus.COMPLETED
        touchpoint.completed_at = touchpoint.completed_at or now
        touchpoint.save()
        if attended is not None:
            for attendee in touchpoint.attendees.all():
                if attendee.pk in attended:
                    attendee.attended = attended[attendee.pk]
                    attendee.save(update_fields=["attended"])
        for spec in follow_ups:
            if spec.text.strip():
                FollowUp.objects.create(
                    touchpoint=touchpoint,
                    text=spec.text.strip()[:300],
                    owner=spec.owner,
                    due_on=spec.due_on,
                )
        for item_id, text in (reviewed or {}).items():
            review_work_item(actor, touchpoint, item_id, text)
        record(actor, f"{touchpoint.kind}.complete", touchpoint, account=touchpoint.account)
        if touchpoint.kind in CADENCE_OF:
            refresh_cadences(touchpoint.account)
        if satisfaction_rating is not None and touchpoint.kind == TouchpointKind.CHECK_IN:
            record_rating(actor, touchpoint, satisfaction_rating)
        if first_time and send_survey and touchpoint.kind == TouchpointKind.CHECK_IN:
            send_check_in_surveys(touchpoint)
    return touchpoint


def review_work_item(
    actor: User | None, touchpoint: Touchpoint, item_id: int, text: str
) -> ProgressNote:
    item = WorkItem.objects.filter(pk=item_id, account=touchpoint.account).first()
    if item is None:
        raise ValidationError("That work item is not on this account.")
    note = ProgressNote.objects.create(
        work_item=item,
        author=actor if isinstance(actor, User) else None,
        text=text.strip() or f"Reviewed at {touchpoint.title}.",
        touchpoint=touchpoint,
    )
    item.last_reviewed_at = touchpoint.starts_at
    item.save(update_fields=["last_reviewed_at", "updated_at"])
    return note


def update_touchpoint(actor: User | None, touchpoint: Touchpoint, **changes: Any) -> Touchpoint:
    """Change a touchpoint; a new time or place re-sends invitations (a new SEQUENCE)."""
    from psm.engagement.services.invitations import send_invitations

    before = {name: getattr(touchpoint, name) for name in changes}
    for name, value in changes.items():
        setattr(touchpoint, name, value)
    _check_times(touchpoint.starts_at, touchpoint.ends_at)
    if "site" in changes and touchpoint.site is not None:
        _check_people(touchpoint.account, (), touchpoint.site)
        touchpoint.timezone = touchpoint.site.timezone
    moved = any(before[n] != changes[n] for n in changes if n in RESCHEDULE_FIELDS)
    with transaction.atomic():
        if moved:
            touchpoint.ical_sequence += 1
        touchpoint.save()
        record(
            actor,
            f"{touchpoint.kind}.update",
            touchpoint,
            account=touchpoint.account,
            changes={n: [before[n], changes[n]] for n in changes if before[n] != changes[n]},
        )
        if touchpoint.kind in CADENCE_OF and touchpoint.status == TouchpointStatus.COMPLETED:
            refresh_cadences(touchpoint.account)
        if (
            moved
            and touchpoint.is_open
            and touchpoint.attendees.filter(invited_at__isnull=False).exists()
        ):
            send_invitations(actor, touchpoint)
    return touchpoint


def cancel_touchpoint(actor: User | None, touchpoint: Touchpoint) -> Touchpoint:
    from psm.engagement.services.invitations import send_cancellations

    if touchpoint.status != TouchpointStatus.SCHEDULED:
        raise ValidationError("Only a scheduled touchpoint can be cancelled.")
    with transaction.atomic():
        touchpoint.status = TouchpointStatus.CANCELLED
        touchpoint.ical_sequence += 1
        touchpoint.save(update_fields=["status", "ical_sequence", "updated_at"])
        record(actor, f"{touchpoint.kind}.cancel", touchpoint, account=touchpoint.account)
        send_cancellations(actor, touchpoint)
    return touchpoint


def add_attendee(actor: User | None, touchpoint: Touchpoint, contact: Contact) -> Attendee:
    _check_people(touchpoint.account, [contact], None)
    attendee, created = Attendee.objects.get_or_create(
        touchpoint=touchpoint,
        contact=contact,
        defaults={"name": contact.name, "email": contact.primary_email},
    )
    if created:
        record(
            actor,
            "touchpoint.attendee.add",
            touchpoint,
            account=touchpoint.account,
            changes={"contact": contact.name},
        )
    return attendee


def record_attendance(
    actor: User | None,
    touchpoint: Touchpoint,
    rows: Mapping[int, tuple[bool | None, int | None, str]],
) -> None:
    """Per attendee id: (attended, feedback rating 1–5, feedback text)."""
    with transaction.atomic():
        for attendee in touchpoint.attendees.filter(pk__in=list(rows)):
            attended, rating, feedback = rows[attendee.pk]
            if rating is not None and not 1 <= rating <= 5:
                raise ValidationError("Feedback ratings are 1 to 5.")
            attendee.attended = attended
            attendee.feedback_rating = rating
            attendee.feedback = feedback.strip()
            attendee.save(update_fields=["attended", "feedback_rating", "feedback"])
        record(
            actor,
            "touchpoint.attendance",
            touchpoint,
            account=touchpoint.account,
            changes={"rows": len(rows)},
        )


def complete_follow_up(actor: User | None, follow_up: FollowUp) -> None:
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.save(update_fields=["done_at"])
        record(
            actor,
            "follow_up.done",
            follow_up.touchpoint,
            account=follow_up.touchpoint.account,
            changes={"follow_up": follow_up.text},
        )
