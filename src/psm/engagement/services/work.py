"""Work items (planning … customizing assignments) and advocacy items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from psm.accounts.models import Account
from psm.audit.models import record
from psm.engagement.models import (
    OPEN_ADVOCACY,
    OPEN_WORK,
    AdvocacyItem,
    AdvocacyPriority,
    AdvocacyStatus,
    AdvocacyUpdate,
    Milestone,
    ProgressNote,
    WorkItem,
    WorkItemStatus,
)
from psm.team.models import User


def _staff(owner: User) -> None:
    if owner.is_client:
        raise ValidationError("The owner must be someone of the provider.")


def create_work_item(
    actor: User | None,
    account: Account,
    *,
    milestones: Iterable[tuple[str, date | None]] = (),
    **fields: Any,
) -> WorkItem:
    _staff(fields["owner"])
    requested_by = fields.get("requested_by")
    if requested_by is not None and requested_by.account_id != account.pk:
        raise ValidationError("The requester must be a contact of this account.")
    with transaction.atomic():
        item = WorkItem.objects.create(account=account, **fields)
        for title, due_on in milestones:
            Milestone.objects.create(work_item=item, title=title, due_on=due_on)
        record(
            actor,
            "work_item.create",
            item,
            account=account,
            changes={"type": item.type, "status": item.status},
        )
    return item


def update_work_item(actor: User | None, item: WorkItem, **changes: Any) -> WorkItem:
    if "owner" in changes:
        _staff(changes["owner"])
    before = {name: getattr(item, name) for name in changes}
    for name, value in changes.items():
        setattr(item, name, value)
    if "status" in changes:
        item.closed_at = None if item.status in OPEN_WORK else (item.closed_at or timezone.now())
    with transaction.atomic():
        item.save()
        diff = {n: [before[n], changes[n]] for n in changes if before[n] != changes[n]}
        if diff:
            record(actor, "work_item.update", item, account=item.account, changes=diff)
            if "status" in diff:
                ProgressNote.objects.create(
                    work_item=item,
                    author=actor if isinstance(actor, User) else None,
                    text=f"Status: {WorkItemStatus(before['status']).label} → "
                    f"{item.get_status_display()}",
                )
    return item


def add_progress_note(actor: User | None, item: WorkItem, text: str) -> ProgressNote:
    if not text.strip():
        raise ValidationError("Write what progressed.")
    with transaction.atomic():
        note = ProgressNote.objects.create(
            work_item=item, author=actor if isinstance(actor, User) else None, text=text.strip()
        )
        item.save(update_fields=["updated_at"])
        record(actor, "work_item.note", item, account=item.account)
    return note


def add_milestone(actor: User | None, item: WorkItem, title: str, due_on: date | None) -> Milestone:
    with transaction.atomic():
        milestone = Milestone.objects.create(work_item=item, title=title, due_on=due_on)
        record(actor, "work_item.milestone", item, account=item.account, changes={"title": title})
    return milestone


def complete_milestone(actor: User | None, milestone: Milestone, on: date | None = None) -> None:
    with transaction.atomic():
        milestone.done_on = on or timezone.localdate()
        milestone.save(update_fields=["done_on"])
        ProgressNote.objects.create(
            work_item=milestone.work_item,
            author=actor if isinstance(actor, User) else None,
            text=f"Milestone reached: {milestone.title}",
        )
        record(
            actor,
            "work_item.milestone.done",
            milestone.work_item,
            account=milestone.work_item.account,
            changes={"title": milestone.title},
        )


def create_advocacy_item(actor: User | None, account: Account, **fields: Any) -> AdvocacyItem:
    _staff(fields["owner"])
    fields["internal_ref"] = fields["internal_ref"].strip().upper()
    if not fields["internal_ref"]:
        raise ValidationError("Give the internal defect or enhancement reference.")
    cases = list(fields.pop("cases", None) or [])
    if any(case.account_id != account.pk for case in cases):
        raise ValidationError("Only this account's cases can be linked.")
    with transaction.atomic():
        item = AdvocacyItem.objects.create(account=account, **fields)
        item.cases.set(cases)
        AdvocacyUpdate.objects.create(
            item=item,
            author=actor if isinstance(actor, User) else None,
            text="Raised with development.",
            status=item.status,
            target_release=item.target_release,
        )
        record(
            actor,
            "advocacy.create",
            item,
            account=account,
            changes={"internal_ref": item.internal_ref, "priority": item.priority},
        )
    return item


def add_advocacy_update(
    actor: User | None,
    item: AdvocacyItem,
    *,
    text: str,
    status: str | None = None,
    target_release: str | None = None,
    priority: str | None = None,
) -> AdvocacyUpdate:
    if not text.strip():
        raise ValidationError("Write what changed.")
    changes: dict[str, Any] = {}
    for name, value in (
        ("status", status),
        ("target_release", target_release),
        ("priority", priority),
    ):
        if value is not None and value != getattr(item, name):
            changes[name] = [getattr(item, name), value]
            setattr(item, name, value)
    with transaction.atomic():
        item.save()
        update = AdvocacyUpdate.objects.create(
            item=item,
            author=actor if isinstance(actor, User) else None,
            text=text.strip(),
            status=item.status,
            target_release=item.target_release,
        )
        record(actor, "advocacy.update", item, account=item.account, changes=changes)
    return update


PRIORITY_RANK = {p: i for i, p in enumerate(AdvocacyPriority.values)}


@dataclass
class DefectImpact:
    internal_ref: str
    title: str
    kind: str
    clients: int
    items: list[AdvocacyItem]
    top_priority: str
    target_release: str


def advocacy_ranking(items: QuerySet[AdvocacyItem]) -> list[DefectImpact]:
    """Open advocacy grouped by internal reference: the defects that hurt the most clients
    first, then by the highest priority argued for."""
    groups: dict[str, list[AdvocacyItem]] = {}
    for item in items.filter(status__in=OPEN_ADVOCACY).select_related("account", "owner"):
        groups.setdefault(item.internal_ref, []).append(item)
    ranked = []
    for ref, group in groups.items():
        top = min(group, key=lambda i: PRIORITY_RANK.get(i.priority, 99))
        releases = sorted({i.target_release for i in group if i.target_release})
        ranked.append(
            DefectImpact(
                internal_ref=ref,
                title=group[0].title,
                kind=group[0].get_kind_display(),
                clients=len({i.account_id for i in group}),
                items=sorted(group, key=lambda i: i.account.name),
                top_priority=top.priority,
                target_release=", ".join(releases),
            )
        )
    ranked.sort(key=lambda d: (-d.clients, PRIORITY_RANK.get(d.top_priority, 99), d.internal_ref))
    return ranked


__all__ = ["AdvocacyStatus", "DefectImpact", "advocacy_ranking"]
