"""Several processes refresh one account's cadences at once: one state per kind, no error."""

from __future__ import annotations

import pytest
from django.db import connection

from psm.engagement.models import CadenceState
from psm.testing.processes import psm

PROCESSES = 8

SCRIPT = """
import time
from pathlib import Path
from psm.accounts.models import Account
from psm.engagement.services import refresh_cadences
account = Account.objects.get(slug="acme")
go = Path({go!r})
while not go.exists():
    time.sleep(0.01)
for _ in range(3):
    refresh_cadences(account)
print("ok")
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_make_one_state_per_kind(book, tmp_path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so there is no race")
    CadenceState.objects.filter(account=book.a).delete()
    go = tmp_path / "go"
    procs = [psm("shell", "-c", SCRIPT.format(go=str(go))) for _ in range(PROCESSES)]
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs if err][:2]
    kinds = list(CadenceState.objects.filter(account=book.a).values_list("kind", flat=True))
    assert kinds and len(kinds) == len(set(kinds))
