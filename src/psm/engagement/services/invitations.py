"""Calendar invitations by e-mail: one iTIP message per attendee and SEQUENCE, claimed first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from psm.audit.models import record
from psm.engagement.ical import invitation
from psm.engagement.mail import send_email
from psm.engagement.models import Attendee, Touchpoint
from psm.team.models import User


def _invitees(touchpoint: Touchpoint) -> list[Attendee]:
    return [a for a in touchpoint.attendees.all() if a.email and a.user_id != touchpoint.owner_id]


def send_invitations(actor: User | None, touchpoint: Touchpoint) -> int:
    """Invite every attendee not yet invited to this version (SEQUENCE) of the touchpoint."""
    seq = touchpoint.ical_sequence
    now = timezone.now()
    sent = 0
    calendar = invitation(touchpoint, "REQUEST").decode()

    local = touchpoint.starts_at.astimezone(ZoneInfo(touchpoint.timezone))
    verb = "Updated invitation" if seq else "Invitation"
    subject = f"{verb}: {touchpoint.title} — {local:%a %d %b %Y %H:%M} ({touchpoint.timezone})"
    for attendee in _invitees(touchpoint):
        with transaction.atomic():
            claimed = (
                Attendee.objects.filter(pk=attendee.pk)
                .filter(Q(invited_sequence__isnull=True) | Q(invited_sequence__lt=seq))
                .update(invited_sequence=seq, invited_at=now)
            )
            if not claimed:
                continue
            body = (
                f"Dear {attendee.name},\n\n"
                f"{touchpoint.owner.display_name} invites you to {touchpoint.title} "
                f"({touchpoint.get_kind_display().lower()}) with {touchpoint.account.name}.\n\n"
                f"When: {local:%A %d %B %Y, %H:%M} {touchpoint.timezone}\n"
                + (f"Where: {touchpoint.location}\n" if touchpoint.location else "")
                + (f"Site: {touchpoint.site.name}\n" if touchpoint.site else "")
                + (f"\nAgenda:\n{touchpoint.agenda}\n" if touchpoint.agenda else "")
                + "\nThe attached invitation adds it to your calendar.\n"
            )
            send_email(
                f"engagement:invite:{touchpoint.pk}:{seq}:{attendee.pk}",
                [attendee.email],
                subject,
                body,
                calendar=calendar,
                calendar_method="REQUEST",
            )
            sent += 1
    if sent:
        record(
            actor,
            "touchpoint.invite",
            touchpoint,
            account=touchpoint.account,
            changes={"sequence": seq, "invited": sent},
        )
    return sent


def send_cancellations(actor: User | None, touchpoint: Touchpoint) -> int:
    """METHOD:CANCEL to everyone who was invited."""
    calendar = invitation(touchpoint, "CANCEL").decode()
    sent = 0
    for attendee in _invitees(touchpoint):
        if attendee.invited_at is None:
            continue
        send_email(
            f"engagement:cancel:{touchpoint.pk}:{touchpoint.ical_sequence}:{attendee.pk}",
            [attendee.email],
            f"Cancelled: {touchpoint.title}",
            f"Dear {attendee.name},\n\n{touchpoint.title} with {touchpoint.account.name} "
            "is cancelled. The attached message removes it from your calendar.\n",
            calendar=calendar,
            calendar_method="CANCEL",
        )
        sent += 1
    return sent
