"""Heartbeats: a long-running part says it is alive; health checks read the newest beat."""

from __future__ import annotations

import os
import socket
from datetime import datetime

from django.utils import timezone

from psm.background.models import Heartbeat


def beat(name: str, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name,
        host=socket.gethostname(),
        defaults={"beat_at": timezone.now(), "pid": os.getpid(), "detail": detail[:200]},
    )


def last_beat(name: str) -> datetime | None:
    row = Heartbeat.objects.filter(name=name).order_by("-beat_at").first()
    return row.beat_at if row else None
