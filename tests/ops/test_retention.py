"""Retention: each kind is pruned after its age, nothing younger and nothing unprocessed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from psm.channels.email import services as pipeline
from psm.channels.email.models import InboundMessage, Source, State
from psm.notifications.models import Notification, Status
from psm.notifications.services import notify
from psm.ops.retention import prune_all
from psm.security.models import PasswordResetRequest
from psm.testing.ops import use_data_dir

pytestmark = pytest.mark.django_db


def mail(text: str, days_old: int, state: str = State.THREADED) -> InboundMessage:
    row = pipeline.store(f"Subject: {text}\r\n\r\n{text}".encode(), source=Source.SMTP)
    InboundMessage.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(days=days_old), state=state
    )
    return InboundMessage.objects.get(pk=row.pk)


def test_raw_mail_after_365_days(settings: Any, tmp_path: Path) -> None:
    use_data_dir(settings, tmp_path)
    old = mail("old", 400)
    young = mail("young", 10)
    failed = mail("failed", 400, State.FAILED)
    pruned = {p.kind: p for p in prune_all()}
    assert pruned["raw mail"].rows == 1 and pruned["raw mail"].files == 1
    assert not InboundMessage.objects.filter(pk=old.pk).exists()
    assert not old.path.exists()
    assert young.path.exists() and failed.path.exists()
    assert set(InboundMessage.objects.values_list("pk", flat=True)) == {young.pk, failed.pk}
    assert prune_all()[0].rows == 0  # twice is harmless


def test_a_shared_batch_file_stays_while_one_of_its_messages_does(
    settings: Any, tmp_path: Path
) -> None:
    use_data_dir(settings, tmp_path)
    rows = pipeline.store_many(
        [b"Subject: a\r\n\r\na", b"Subject: b\r\n\r\nb"], source=Source.IMPORT
    )
    assert rows[0].raw_path == rows[1].raw_path
    InboundMessage.objects.filter(pk=rows[0].pk).update(
        received_at=timezone.now() - timedelta(days=400), state=State.THREADED
    )
    prune_all()
    kept = InboundMessage.objects.get()
    assert kept.pk == rows[1].pk and kept.raw() == b"Subject: b\r\n\r\nb"


def test_notifications_and_login_records(settings: Any) -> None:
    settings.PSM_RETAIN_NOTIFICATIONS_DAYS = 30
    for key in ("sent-old", "sent-new", "pending-old"):
        notify(key, transport="email", recipient="a@example.com", subject="s", body="b")
    Notification.objects.filter(key__startswith="sent").update(status=Status.SENT)
    Notification.objects.filter(key="sent-old").update(sent_at=timezone.now() - timedelta(days=40))
    Notification.objects.filter(key="sent-new").update(sent_at=timezone.now())
    Notification.objects.filter(key="pending-old").update(
        created_at=timezone.now() - timedelta(days=40)
    )
    PasswordResetRequest.objects.create(address="198.51.100.1", email_digest="x")
    PasswordResetRequest.objects.update(at=timezone.now() - timedelta(days=100))
    prune_all()
    assert set(Notification.objects.values_list("key", flat=True)) == {"sent-new", "pending-old"}
    assert not PasswordResetRequest.objects.exists()


def test_zero_keeps_for_ever_and_the_command_reports(
    settings: Any, tmp_path: Path, capsys: Any
) -> None:
    use_data_dir(settings, tmp_path)
    settings.PSM_RETAIN_MAIL_DAYS = 0
    mail("old", 4000)
    call_command("retention", "--dry-run")
    out = capsys.readouterr().out
    assert "raw mail: kept for ever" in out
    assert "notifications (kept 180 days): would delete 0 rows" in out
    assert InboundMessage.objects.count() == 1
