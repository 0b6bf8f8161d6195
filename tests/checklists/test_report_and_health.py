"""Checklists in the other apps' places: the "latest checklist results" report section and
the account health component for overdue re-validations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from psm.checklists.health import OverdueRevalidations
from psm.checklists.models import RunStatus
from psm.reports import gather, sections
from psm.reports.periods import parse
from psm.reports.render import render_report
from psm.reports.services import current_brand
from psm.testing.checklists import checklist_for, passed_run

pytestmark = pytest.mark.django_db
MONTHLY = "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"


def test_the_section_shows_the_latest_signed_result_and_not_a_run_under_way(book):
    with time_machine.travel(datetime(2026, 10, 5, 15, tzinfo=UTC), tick=False):
        checklist = checklist_for(book.a, book.alice, rrule=MONTHLY)
        passed_run(checklist, book.alice, failed=(4,))
    with time_machine.travel(datetime(2026, 10, 20, 15, tzinfo=UTC), tick=False):
        passed_run(checklist, book.alice, stop=RunStatus.AWAITING_CLIENT)
    period = parse("2026-10", book.a.timezone)
    data = gather.gather(book.a, period, [{"key": "checklists"}], name="Monthly")
    section = next(s for s in data["sections"] if s["key"] == "checklists")["data"]
    (row,) = section["checklists"]
    assert row["checklist"] == "Backup procedure validation"
    # The later run waits for the client: the report shows the one both sides signed.
    assert row["latest"]["outcome"] == "Failed"
    assert row["latest"]["failed"] == [{"position": 4, "title": "Off-site copy"}]
    assert row["latest"]["client"] == "Alma Client"
    assert section["completed_in_period"] == 1
    rendered = render_report(data, current_brand())
    assert "Latest checklist results" in rendered.html
    assert "Off-site copy" in rendered.html


def test_the_section_is_in_the_catalogue_with_its_option():
    section = sections.get("checklists")
    assert section is not None and section.title == "Latest checklist results"
    assert section.clean_options({}) == {"show_failed_steps": True}


def test_health_counts_overdue_revalidations_more_the_longer_they_wait(book):
    with time_machine.travel(datetime(2026, 1, 10, 15, tzinfo=UTC), tick=False):
        checklist_for(book.a, book.alice, rrule=MONTHLY)
    component = OverdueRevalidations()
    on_time = component.measure([book.a, book.b], datetime(2026, 1, 20, tzinfo=UTC))
    assert set(on_time) == {book.a.pk}  # B keeps no checklist: N/A
    assert on_time[book.a.pk].score == 100
    early = component.measure([book.a], datetime(2026, 2, 4, 14, tzinfo=UTC))[book.a.pk]
    late = component.measure([book.a], datetime(2026, 4, 1, 14, tzinfo=UTC))[book.a.pk]
    assert 90 < early.score < 100
    assert late.score == 50 and late.display == "1 overdue"
    assert late.evidence[0].label == "Backup procedure validation"
    assert "days overdue" in late.evidence[0].detail
