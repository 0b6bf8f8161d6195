"""The demo keeps a backup validation for Acme: one passed run both sides signed, and its
re-validation overdue now; loading the demo twice changes nothing."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from psm.accounts import demo as accounts_demo
from psm.checklists import demo
from psm.checklists.models import AccountChecklist, ChecklistRun, EvidenceFile, RunStatus


@pytest.mark.django_db
def test_the_demo_has_a_passed_run_and_an_overdue_revalidation_for_acme():
    accounts_demo.populate()
    first = demo.populate()
    second = demo.populate()
    assert first == {"templates": 1, "runs": 1, "overdue": 1}
    assert second == {"templates": 1}
    (run,) = ChecklistRun.objects.filter(account__slug="acme")
    assert run.status == RunStatus.COMPLETED and run.outcome == "passed"
    assert run.client_signed_name == "Alice Adams"
    assert EvidenceFile.objects.filter(step__run=run).count() == 2
    checklist = AccountChecklist.objects.get(account__slug="acme")
    out = StringIO()
    call_command("checklists", "due", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert row["account"] == "acme" and row["overdue"] is True
    assert row["checklist"] == "Backup procedure validation"
    assert row["last_run"] is not None
    assert checklist.last_validated_at is not None
