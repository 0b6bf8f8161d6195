"""``psm reports run`` and ``psm reports send-due``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from psm.reports.models import ReportRun
from psm.testing.reports import make_definition


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("reports", *args, stdout=out)
    return out.getvalue()


def test_run_writes_html_pdf_and_json_with_the_named_keys(october, tmp_path) -> None:
    run("run", "acme", "--period", "2026-10", "--out", str(tmp_path / "out"))
    out = tmp_path / "out"
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert "<html" in (out / "report.html").read_text()
    data = json.loads((out / "report.json").read_text())
    assert data["period"]["start"] == "2026-10-01T04:00:00Z"
    assert data["period"]["end"] == "2026-11-01T04:00:00Z"
    assert data["cases"]["opened"] == 3 and data["cases"]["resolved"] == 1
    assert set(data["cases"]["by_priority"]) == {"P1", "P2", "P3", "P4"}
    # Without a definition: the standard report.
    assert [s["key"] for s in data["sections"]][:4] == ["cases", "sla", "open_cases", "pages"]
    assert ReportRun.objects.count() == 0  # renders, never archives or sends


@pytest.mark.parametrize("period", ["2026-Q4", "2026-W44", "2026-10-01..2026-10-15"])
def test_every_written_period(october, tmp_path, period) -> None:
    run("run", "acme", "--period", period, "--out", str(tmp_path))
    assert json.loads((tmp_path / "report.json").read_text())["period"]["code"] == period


def test_a_named_or_default_definition_is_used(october, tmp_path) -> None:
    book = october.book
    make_definition(book.a, book.alice, name="Just SLA", sections=["sla"])
    make_definition(
        book.a, book.alice, name="Default one", sections=["cases", "pages"], is_default=True
    )
    run("run", "acme", "--period", "2026-10", "--definition", "Just SLA", "--out", str(tmp_path))
    assert [s["key"] for s in json.loads((tmp_path / "report.json").read_text())["sections"]] == [
        "sla"
    ]
    run("run", "acme", "--period", "2026-10", "--out", str(tmp_path))
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["report"]["name"] == "Default one"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "nobody", "--period", "2026-10"], "No account with slug 'nobody'"),
        (["run", "acme", "--period", "October"], "is not a period"),
        (
            ["run", "acme", "--period", "2026-10", "--definition", "Nope"],
            "has no report named 'Nope'",
        ),
    ],
)
def test_bad_input_is_a_clear_error(october, tmp_path, args, words) -> None:
    with pytest.raises(CommandError, match=words):
        run(*args, "--out", str(tmp_path))


def test_send_due_runs_the_sweep(october) -> None:
    book = october.book
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(datetime(2026, 10, 20, tzinfo=ZoneInfo("UTC")), tick=False):
        make_definition(book.a, book.alice, contacts=[book.contact_a])
    assert "runs started 1" in run("send-due")
    assert "runs started 0" in run("send-due")
