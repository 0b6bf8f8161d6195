"""20 processes open cases on one account at once: unique numbers, nothing lost."""

from __future__ import annotations

import pytest
from django.db import connection

from psm.cases.models import Case, CaseCounter, Message
from psm.testing.processes import psm

PROCESSES = 20
EACH = 5

SCRIPT = """
import time
from pathlib import Path
from psm.accounts.models import Account, Contact
from psm.cases import services
from psm.cases.models import Case
account = Account.objects.get(slug="acme")
contact = Contact.objects.get(name="Alma Client")
shared = Case.objects.get(reference="ACME-1")
go = Path({go!r})
while not go.exists():
    time.sleep(0.01)
for i in range({each}):
    services.open_case(None, account, title="parallel", contact=contact)
    services.add_message(None, shared, text="me too", contact=contact)
print("ok")
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_openings_get_unique_numbers(book, tmp_path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so there is no race")
    from psm.cases import services

    services.open_case(None, book.a, title="shared", contact=book.contact_a)
    go = tmp_path / "go"
    code = SCRIPT.format(go=str(go), each=EACH)
    procs = [psm("shell", "-c", code) for _ in range(PROCESSES)]
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs if err][:2]
    numbers = sorted(Case.objects.filter(account=book.a).values_list("number", flat=True))
    assert numbers == list(range(1, PROCESSES * EACH + 2))
    assert CaseCounter.objects.get(account=book.a).last_number == PROCESSES * EACH + 1
    shared = Case.objects.get(reference="ACME-1")
    assert Message.objects.filter(case=shared).count() == 1 + PROCESSES * EACH
