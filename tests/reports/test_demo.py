"""The demo: Acme's monthly report with its last two runs in the archive."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command

from psm.reports.models import ReportDefinition, ReportRun, RunStatus
from psm.testing.book import login


@time_machine.travel(datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("UTC")), tick=False)
def test_acme_has_a_monthly_report_with_its_last_two_runs(db) -> None:
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())  # idempotent
    definition = ReportDefinition.objects.get(account__slug="acme")
    assert (definition.period_kind, definition.is_default) == ("month", True)
    assert definition.next_run_at == datetime(2026, 4, 6, 9, tzinfo=ZoneInfo("America/New_York"))
    runs = list(ReportRun.objects.filter(definition=definition).order_by("period_start"))
    assert [r.period_code for r in runs] == ["2026-01", "2026-02"]
    assert all(r.status == RunStatus.SENT and r.recipients for r in runs)
    assert runs[1].sent_at == datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("America/New_York"))
    assert all(default_storage.exists(r.pdf_path) for r in runs)
    assert runs[0].data["cases"]["opened"] >= 4
    client = login(runs[0].account.contacts.get(user__username="client").user)
    assert client.get(f"/portal/reports/runs/{runs[1].pk}/report.pdf").status_code == 200
