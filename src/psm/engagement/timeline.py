"""Engagement on the account timeline (see ``psm.lib.timeline``): touchpoints, work-item
notes, advocacy updates, survey answers and handover briefs.

``for_client=True`` leaves out what a client contact must not read (internal notes,
advocacy arguments, handover briefs, scores).
"""

from __future__ import annotations

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
from psm.lib.timeline import Entry


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def entries(
    account: Account,
    since: datetime,
    until: datetime,
    *,
    for_client: bool = False,
    limit: int = 200,
) -> list[Entry]:
    """The account's entries in [since, until), newest first, at most ``limit``."""
    found = _entries(account, since, until, for_client, limit)
    return sorted(found, key=lambda e: e.at, reverse=True)[:limit]


def _entries(
    account: Account, since: datetime, until: datetime, for_client: bool, limit: int
) -> list[Entry]:
    """Each kind read newest first and at most ``limit`` of it: the merged ``limit`` newest
    are among them, however long the account's history."""
    found: list[Entry] = []

    def before(field: str) -> Q:
        return Q(**{f"{field}__lt": until})

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
        found.append(
            Entry(
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
        found.append(
            Entry(
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
        found.append(
            Entry(
                at=update.at,
                kind="advocacy",
                title=f"Advocacy {update.item.internal_ref}: {update.get_status_display()}",
                summary=_short(update.text),
                url="" if for_client else update.item.get_absolute_url(),
                actor=update.author.display_name if update.author else "system",
            )
        )
    if for_client:
        return found
    for survey in (
        Survey.objects.filter(before("answered_at"), account=account, answered_at__gte=since)
        .select_related("contact")
        .order_by("-answered_at", "-id")[:limit]
    ):
        assert survey.answered_at is not None
        found.append(
            Entry(
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
        found.append(
            Entry(
                at=brief.created_at,
                kind="handover",
                title=f"{brief.get_kind_display()} to {brief.recipient.display_name}",
                summary="",
                url="",
                actor="system",
            )
        )
    return found
