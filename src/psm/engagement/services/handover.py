"""Substitute handover: a brief per account for the colleague who covers while a PSM is away,
a notice to the client's contacts when the plan says so, and a return brief afterwards."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from psm.accounts.models import Account
from psm.audit.models import record
from psm.cases.models import Case
from psm.engagement.due import due_things
from psm.engagement.mail import send_email
from psm.engagement.models import (
    OPEN_ADVOCACY,
    OPEN_WORK,
    AbsenceHandover,
    AdvocacyItem,
    BriefKind,
    CadenceState,
    HandoverBrief,
    Survey,
    Touchpoint,
    TouchpointStatus,
    WorkItem,
)
from psm.engagement.services.policy import policy
from psm.lib import timeline
from psm.paging.models import UNACKNOWLEDGED, Page
from psm.team.models import Absence, Assignment, AssignmentRole, User

log = logging.getLogger(__name__)

RECENT = timedelta(days=30)
# Absences that ended longer ago than this get no return brief (a sweep started late).
RETURN_WINDOW = timedelta(days=14)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def accounts_of(engineer: User, on: datetime) -> list[Account]:
    """The accounts an engineer is primary PSM of on that day."""
    ids = (
        Assignment.objects.active_on(on.date())
        .filter(engineer=engineer, role=AssignmentRole.PRIMARY)
        .values("account")
    )
    return list(Account.objects.filter(pk__in=ids).order_by("name"))


def substitute_for(absence: Absence, account: Account) -> User | None:
    """The absence's named substitute, else the account's substitute PSM."""
    if absence.substitute is not None:
        return absence.substitute
    assignment = (
        Assignment.objects.active_on(absence.start.date())
        .filter(account=account, role=AssignmentRole.SUBSTITUTE)
        .exclude(engineer=absence.engineer)
        .select_related("engineer")
        .first()
    )
    return assignment.engineer if assignment else None


def _cases(account: Account, absence: Absence, kind: str) -> list[dict[str, Any]]:
    qs = Case.objects.filter(account=account)
    if kind == BriefKind.HANDOVER:
        qs = qs.filter(resolved_at__isnull=True, closed_at__isnull=True)
    else:
        qs = qs.filter(
            Q(opened_at__gte=absence.start, opened_at__lt=absence.end)
            | Q(resolved_at__gte=absence.start, resolved_at__lt=absence.end)
            | Q(resolved_at__isnull=True, closed_at__isnull=True)
        )
    return [
        {
            "reference": case.reference,
            "title": case.title,
            "priority": case.priority,
            "status": case.get_status_display(),
            "next_due": _iso(case.next_due),
            "breached": case.breached,
            "opened_at": _iso(case.opened_at),
            "resolved_at": _iso(case.resolved_at),
        }
        for case in qs.order_by("priority", "opened_at")[:50]
    ]


def _pages(account: Account) -> list[dict[str, Any]]:
    """Pages in flight (nobody has acknowledged them yet)."""
    waiting = Page.objects.filter(account=account, status__in=UNACKNOWLEDGED)
    return [
        {"page": str(p), "at": _iso(p.opened_at)}
        for p in waiting.order_by("-opened_at", "-id")[:20]
    ]


def brief_content(account: Account, absence: Absence, kind: str, now: datetime) -> dict[str, Any]:
    zone = account.timezone
    substitute = substitute_for(absence, account)
    window = Q(starts_at__gte=absence.start, starts_at__lt=absence.end)
    touchpoints = Touchpoint.objects.filter(account=account).filter(window).select_related("site")
    if kind == BriefKind.HANDOVER:
        touchpoints = touchpoints.filter(status=TouchpointStatus.SCHEDULED)
        since = now - RECENT
    else:
        since = absence.start
    due = CadenceState.objects.filter(account=account, next_due__isnull=False).filter(
        Q(next_due__lt=absence.end) | Q(overdue=True)
    )
    work = WorkItem.objects.filter(account=account, status__in=OPEN_WORK).select_related("owner")
    advocacy = AdvocacyItem.objects.filter(account=account, status__in=OPEN_ADVOCACY)
    contacts = (
        account.contacts.filter(is_active=True).prefetch_related("emails").select_related("site")
    )
    installs = account.installs.select_related("product", "site")
    surveys = Survey.objects.filter(
        account=account, answered_at__gte=absence.start, answered_at__lt=absence.end
    )
    return {
        "kind": kind,
        "account": {"name": account.name, "slug": account.slug, "timezone": zone},
        "absence": {
            "engineer": absence.engineer.display_name,
            "substitute": substitute.display_name if substitute else None,
            "start": absence.start.isoformat(),
            "end": absence.end.isoformat(),
            "reason": absence.reason,
        },
        "cases": _cases(account, absence, kind),
        "pages": _pages(account),
        "touchpoints": [
            {
                "kind": tp.get_kind_display(),
                "title": tp.title,
                "starts_at": tp.starts_at.isoformat(),
                "status": tp.get_status_display(),
                "site": tp.site.name if tp.site else "",
                "outcomes": tp.outcomes if kind == BriefKind.RETURN else "",
            }
            for tp in touchpoints.order_by("starts_at")
        ],
        "cadences_due": sorted(
            [
                {
                    "kind": state.get_kind_display(),
                    "next_due": _iso(state.next_due),
                    "overdue": state.overdue,
                }
                for state in due.order_by("next_due")
            ]
            # What apps above register as due (checklist re-validations), by their title.
            + [
                {"kind": thing.title, "next_due": _iso(thing.due), "overdue": thing.overdue}
                for thing in due_things(
                    account=account, within=max(absence.end - now, timedelta(0)), now=now
                )
            ],
            key=lambda row: row["next_due"] or "",
        ),
        "work_items": [
            {
                "title": w.title,
                "type": w.get_type_display(),
                "status": w.get_status_display(),
                "due_on": w.due_on.isoformat() if w.due_on else None,
                "owner": w.owner.display_name,
            }
            for w in work
        ],
        "advocacy": [
            {
                "ref": a.internal_ref,
                "title": a.title,
                "status": a.get_status_display(),
                "priority": a.get_priority_display(),
                "target_release": a.target_release,
            }
            for a in advocacy
        ],
        "timeline": [
            {"at": e.at.isoformat(), "title": e.title, "summary": e.summary, "actor": e.actor}
            for e in timeline.gather(account, since, now, include_internal=True, limit=20)
        ],
        "environment": {
            "notes": account.environment_notes,
            "relationship": account.relationship_notes,
            "installs": [
                {
                    "product": i.product.name,
                    "version": i.version,
                    "platform": i.platform,
                    "site": i.site.name if i.site else "",
                }
                for i in installs
            ],
        },
        "contacts": [
            {
                "name": c.name,
                "title": c.title,
                "email": c.primary_email,
                "phone": c.phone or c.mobile,
                "site": c.site.name if c.site else "",
                "prefers": c.get_preferred_channel_display(),
            }
            for c in contacts
        ],
        "surveys": [
            {"kind": s.get_kind_display(), "score": s.score, "comment": s.comment} for s in surveys
        ],
    }


def _render(brief: HandoverBrief) -> str:
    return render_to_string(
        "engagement/email/brief.txt",
        {"brief": brief, "c": brief.content, "base_url": settings.BASE_URL},
    )


def _write_brief(
    absence: Absence, account: Account, kind: str, recipient: User, now: datetime
) -> HandoverBrief | None:
    brief, created = HandoverBrief.objects.get_or_create(
        absence=absence,
        account=account,
        kind=kind,
        defaults={"recipient": recipient, "content": brief_content(account, absence, kind, now)},
    )
    if not created:
        return None
    label = "Handover" if kind == BriefKind.HANDOVER else "Return brief"
    zone = ZoneInfo(account.timezone)
    subject = (
        f"{label}: {account.name} while {absence.engineer.display_name} is away "
        f"({absence.start.astimezone(zone):%d %b}–{absence.end.astimezone(zone):%d %b})"
        if kind == BriefKind.HANDOVER
        else f"{label}: {account.name} during your absence"
    )
    send_email(f"engagement:brief:{brief.pk}", [recipient.email], subject, _render(brief))
    brief.sent_at = now
    brief.save(update_fields=["sent_at"])
    record(None, f"brief.{kind}", brief, account=account, changes={"to": recipient.username})
    return brief


def _announce(absence: Absence, account: Account, substitute: User, brief: HandoverBrief) -> None:
    if not policy(account)["announce_substitute"]:
        return
    zone = ZoneInfo(account.timezone)
    start = absence.start.astimezone(zone)
    end = absence.end.astimezone(zone)
    notified = []
    for contact in account.contacts.filter(is_active=True).prefetch_related("emails"):
        address = contact.primary_email
        if not address:
            continue
        send_email(
            f"engagement:absence-notice:{absence.pk}:{account.pk}:{contact.pk}",
            [address],
            f"Your PSM {absence.engineer.display_name} is away "
            f"{start:%d %b}–{end:%d %b}: {substitute.display_name} covers",
            f"Dear {contact.name},\n\n"
            f"{absence.engineer.display_name} is away from {start:%A %d %B %H:%M} until "
            f"{end:%A %d %B %Y %H:%M} ({account.timezone}).\n"
            f"{substitute.display_name} is your PSM meanwhile and has been briefed on your "
            f"account.\n\nReach them exactly as usual: {account.slug}@{settings.PSM_MAIL_DOMAIN}"
            " or your PSM's telephone number; nothing changes for you.\n",
        )
        notified.append(address)
    brief.notified_contacts = notified
    brief.save(update_fields=["notified_contacts"])


def write_handover_briefs(absence: Absence, now: datetime | None = None) -> list[HandoverBrief]:
    """Once per absence, when it has started and not yet ended."""
    now = now or timezone.now()
    if not absence.start <= now < absence.end:
        return []
    progress, _ = AbsenceHandover.objects.get_or_create(absence=absence)
    briefs = []
    with transaction.atomic():
        claimed = AbsenceHandover.objects.filter(
            pk=progress.pk, handover_done_at__isnull=True
        ).update(handover_done_at=now)
        if not claimed:
            return []
        for account in accounts_of(absence.engineer, now):
            substitute = substitute_for(absence, account)
            if substitute is None:
                log.warning("No substitute for %s during absence %s", account, absence.pk)
                continue
            brief = _write_brief(absence, account, BriefKind.HANDOVER, substitute, now)
            if brief is not None:
                _announce(absence, account, substitute, brief)
                briefs.append(brief)
    return briefs


def write_return_briefs(absence: Absence, now: datetime | None = None) -> list[HandoverBrief]:
    now = now or timezone.now()
    if now < absence.end:
        return []
    progress, _ = AbsenceHandover.objects.get_or_create(absence=absence)
    briefs = []
    with transaction.atomic():
        claimed = AbsenceHandover.objects.filter(
            pk=progress.pk, return_done_at__isnull=True
        ).update(return_done_at=now)
        if not claimed:
            return []
        for account in accounts_of(absence.engineer, absence.end - timedelta(seconds=1)):
            brief = _write_brief(absence, account, BriefKind.RETURN, absence.engineer, now)
            if brief is not None:
                briefs.append(brief)
    return briefs


def sweep_absences(now: datetime | None = None) -> tuple[int, int]:
    """Absences that have started or ended since the last sweep: (handovers, returns)."""
    now = now or timezone.now()
    started = Absence.objects.at(now).exclude(engagement_handover__handover_done_at__isnull=False)
    handovers = sum(len(write_handover_briefs(a, now)) for a in started.select_related("engineer"))
    ended = Absence.objects.filter(end__lte=now, end__gt=now - RETURN_WINDOW).exclude(
        engagement_handover__return_done_at__isnull=False
    )
    returns = sum(len(write_return_briefs(a, now)) for a in ended.select_related("engineer"))
    return handovers, returns
