from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction

from psm.audit.models import AuditEntry
from psm.channels.email.models import InboundMessage, State
from psm.lib.bulk import insert
from psm.notifications.models import Notification, Status
from psm.testing.factories import AccountFactory, ServicePlanFactory

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
FIELDS = [f.attname for f in InboundMessage._meta.concrete_fields if not f.primary_key]


def _inbound(tag: str, n: int, at: datetime, shared: list[str], **extra: object) -> InboundMessage:
    return InboundMessage(
        received_at=at,
        source="import",
        envelope_to=shared if n % 2 else [f"x{n}@example.com"],
        raw_path=f"f{n}",
        size=n,
        sha256=f"{n:064d}",
        state=State.RECEIVED if n % 3 else State.THREADED,
        message_id=f"{tag}{n}" if n % 3 == 0 else "",
        **extra,
    )


def test_the_same_rows_as_bulk_create_with_keys_in_order(db: None) -> None:
    account = AccountFactory(service_plan=ServicePlanFactory())
    at = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    shared = ["a@example.com", "b@example.com"]  # one object in many rows: prepared once
    ours = insert([_inbound("a", n, at, shared, account=account) for n in range(1500)])
    theirs = InboundMessage.objects.bulk_create(
        [_inbound("b", n, at, shared, account=account) for n in range(1500)]
    )
    assert [r.pk for r in ours] == sorted(r.pk for r in ours)  # one key each, in order
    assert all(not r._state.adding for r in ours)
    by_pk = InboundMessage.objects.in_bulk([r.pk for r in ours + theirs])
    for mine, other in zip(ours, theirs, strict=True):
        a, b = by_pk[mine.pk], by_pk[other.pk]
        assert a.message_id.replace("a", "b") == b.message_id
        a.message_id = b.message_id
        assert [getattr(a, f) for f in FIELDS] == [getattr(b, f) for f in FIELDS]
        assert a.envelope_to == mine.envelope_to and a.account_id == account.pk


def test_defaults_auto_now_and_related_objects_saved_after_construction(db: None) -> None:
    account = AccountFactory.build(service_plan=ServicePlanFactory())
    row = AuditEntry(action="x.y", object_type="t", object_id="1", account=account)
    account.save()  # the key is taken from the related object at insert time
    with time_machine.travel(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), tick=False):
        insert([row], returning=False)
    saved = AuditEntry.objects.get()
    assert saved.account_id == account.pk and row.account_id == account.pk
    assert saved.at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC) and saved.changes == {}


def test_an_unsaved_related_object_is_refused(db: None) -> None:
    account = AccountFactory.build(service_plan=ServicePlanFactory())
    with pytest.raises(ValueError, match="unsaved related object 'account'"):
        insert([AuditEntry(action="x", object_type="t", object_id="1", account=account)])


def test_ignore_conflicts_skips_existing_keys_only(db: None) -> None:
    def row(key: str) -> Notification:
        return Notification(
            key=key, transport="email", recipient="r@example.com", next_attempt_at=NOW
        )

    insert([row("k1")], returning=False)
    with transaction.atomic():
        insert([row("k1"), row("k2"), row("k3")], returning=False, ignore_conflicts=True)
    assert sorted(Notification.objects.values_list("key", flat=True)) == ["k1", "k2", "k3"]
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert insert([]) == []


def _copies(obj, tweak) -> tuple[Any, ...]:
    """Two unsaved copies of a saved row, made distinct where the table wants it."""
    from copy import copy

    pair = []
    for side in ("ours", "theirs"):
        row = copy(obj)
        row.pk = None
        row._state = type(obj._state)()
        tweak(row, side)
        pair.append(row)
    return tuple(pair)


def _another_number(row, side: str) -> None:
    row.number = 1000 + len(side)
    row.reference = f"ACME-{row.number}"


def test_insert_writes_what_bulk_create_writes_for_every_model_that_uses_it(book) -> None:
    """Every model written through ``insert`` (cases, messages, audit entries, outbox rows,
    inbound mail), from rows the product itself made: each column reads back the same as
    through ``bulk_create``."""
    from psm.cases.models import Case, Message
    from psm.cases.services import open_case

    with time_machine.travel(NOW, tick=False):
        case = open_case(
            book.alice,
            book.a,
            title="Licence server down",
            text="Since 9:00.",
            html="<p>Since <b>9:00</b>.</p>",
            priority="P2",
            contact=book.contact_a,
            site=book.a.sites.first(),
            origin="email",
            message_id="first@acme.example",
            acknowledge_to="alma@acme.example",
        )
    models_and_tweaks = [
        (Case, Case.objects.get(pk=case.pk), _another_number),
        (Message, Message.objects.filter(case=case).first(), lambda r, s: None),
        (AuditEntry, AuditEntry.objects.filter(action="case.open").first(), lambda r, s: None),
        (Notification, Notification.objects.first(), lambda r, s: setattr(r, "key", f"k-{s}")),
        (
            InboundMessage,
            InboundMessage.objects.create(
                received_at=NOW, source="smtp", envelope_to=["acme@psm.localhost"],
                raw_path="x", size=10, sha256="0" * 64, account=book.a, case=case,
            ),
            lambda r, s: None,
        ),
    ]  # fmt: skip
    for model, saved, tweak in models_and_tweaks:
        assert saved is not None, model
        ours, theirs = _copies(saved, tweak)
        with time_machine.travel(NOW, tick=False):
            (mine,) = insert([ours])
            (other,) = model.objects.bulk_create([theirs])
        a = model.objects.get(pk=mine.pk)
        b = model.objects.get(pk=other.pk)
        differ = {
            f.attname: (getattr(a, f.attname), getattr(b, f.attname))
            for f in model._meta.concrete_fields
            if not f.primary_key and getattr(a, f.attname) != getattr(b, f.attname)
        }
        if model is Case:
            assert differ == {
                "number": (1004, 1006),
                "reference": ("ACME-1004", "ACME-1006"),
            }, differ
        elif model is Notification:
            assert differ == {"key": ("k-ours", "k-theirs")}, differ
        else:
            assert differ == {}, (model, differ)
