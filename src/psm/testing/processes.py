"""Start real PSM processes (worker, scheduler, server) against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.db import connection


def database_url() -> str:
    """A DATABASE_URL for the database the current test is using."""
    s: dict[str, Any] = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def psm_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url(), "PSM_TESTING": "1"}, **extra)
    return env


def psm(*args: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "psm.cli", *args],
        env=psm_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )
