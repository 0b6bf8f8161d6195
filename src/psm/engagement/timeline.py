"""The engagement side of an account's timeline, for any page or report to merge.

    from psm.engagement.timeline import timeline_entries
    entries = timeline_entries(account, since=now - timedelta(days=30))

Entries are plain dataclasses sorted newest first; ``for_client=True`` leaves out what a
client contact must not read (internal notes, advocacy arguments, handover briefs, scores).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from psm.accounts.models import Account
from psm.engagement.models import (
    AdvocacyUpdate,
    HandoverBrief,
    ProgressNote,
    Survey,
    Touchpoint,
    TouchpointStatus,
)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    summary: str
    url: str
    actor: str


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def timeline_entries(
    account: Account,
    since: datetime,
    until: datetime | None = None,
    *,
    for_client: bool = False,
    limit: int = 200,
) -> list[TimelineEntry]:
    """The account's touchpoints, work-item notes, advocacy updates, survey answers and
    handover briefs from ``since`` (before ``until``), newest first, at most ``limit``."""
    entries = _entries(account, since, until, for_client, limit)
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]


def _entries(
    account: Account, since: datetime, until: datetime | None, for_client: bool, limit: int
) -> list[TimelineEntry]:
    """Each kind read newest first and at most ``limit`` of it: the merged ``limit`` newest
    are among them, however long the account's history."""
    entries: list[TimelineEntry] = []

    def before(field: str) -> Q:
        return Q(**{f"{field}__lt": until}) if until is not None else Q()

    touchpoints = (
        Touchpoint.objects.filter(account=account)
        .filter(Q(starts_at__gte=since) | Q(updated_at__gte=since), before("starts_at"))
        .select_related("owner", "site", "account")
        .order_by("-starts_at", "-id")[:limit]
    )
    for tp in touchpoints:
        state = {
            TouchpointStatus.SCHEDULED: "scheduled",
            TouchpointStatus.COMPLETED: "held",
            TouchpointStatus.CANCELLED: "cancelled",
        }[TouchpointStatus(tp.status)]
        summary = tp.outcomes or tp.agenda if not for_client else tp.agenda
        entries.append(
            TimelineEntry(
                at=tp.starts_at,
                kind=tp.kind,
                title=f"{tp.get_kind_display()} {state}: {tp.title}",
                summary=_short(summary or (tp.site.name if tp.site else "")),
                url="" if for_client else tp.get_absolute_url(),
                actor=tp.owner.display_name,
            )
        )
    for note in (
        ProgressNote.objects.filter(before("at"), work_item__account=account, at__gte=since)
        .select_related("work_item__account", "author")
        .order_by("-at", "-id")[:limit]
    ):
        entries.append(
            TimelineEntry(
                at=note.at,
                kind="work_item",
                title=f"Work item: {note.work_item.title}",
                summary=_short(note.text),
                url="" if for_client else note.work_item.get_absolute_url(),
                actor=note.author.display_name if note.author else "system",
            )
        )
    for update in (
        AdvocacyUpdate.objects.filter(before("at"), item__account=account, at__gte=since)
        .select_related("item__account", "author")
        .order_by("-at", "-id")[:limit]
    ):
        entries.append(
            TimelineEntry(
                at=update.at,
                kind="advocacy",
                title=f"Advocacy {update.item.internal_ref}: {update.get_status_display()}",
                summary=_short(update.text),
                url="" if for_client else update.item.get_absolute_url(),
                actor=update.author.display_name if update.author else "system",
            )
        )
    if for_client:
        return entries
    for survey in (
        Survey.objects.filter(before("answered_at"), account=account, answered_at__gte=since)
        .select_related("contact")
        .order_by("-answered_at", "-id")[:limit]
    ):
        assert survey.answered_at is not None
        entries.append(
            TimelineEntry(
                at=survey.answered_at,
                kind="survey",
                title=f"{survey.get_kind_display()}: {survey.score}/{survey.scale[1]}",
                summary=_short(survey.comment),
                url="",
                actor=survey.contact.name if survey.contact else "client",
            )
        )
    for brief in (
        HandoverBrief.objects.filter(before("created_at"), account=account, created_at__gte=since)
        .select_related("recipient")
        .order_by("-created_at", "-id")[:limit]
    ):
        entries.append(
            TimelineEntry(
                at=brief.created_at,
                kind="handover",
                title=f"{brief.get_kind_display()} to {brief.recipient.display_name}",
                summary="",
                url="",
                actor="system",
            )
        )
    return entries
