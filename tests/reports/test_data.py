"""What a report says: cases by the client's local month, SLA breaches, pages, engagement;
the catalogue of sections; never anything internal."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC

import pytest

from psm.reports import gather, sections
from psm.reports.periods import parse
from psm.reports.render import current_brand, render_report
from psm.reports.sections import Option, OptionError
from psm.testing.reports import ALL_SECTIONS
from tests.reports.conftest import SECRETS


def test_the_catalogue_holds_every_apps_sections_in_order() -> None:
    keys = [s.key for s in sections.catalogue()]
    assert keys == [
        "cases",
        "sla",
        "open_cases",
        "pages",
        "work",
        "advocacy",
        "touchpoints",
        "satisfaction",
        "advisories",
        "checklists",
        "knowledge",
        "commentary",
    ]
    assert all(s.title and s.template and s.description for s in sections.catalogue())


def test_a_case_opened_at_2330_on_31_october_new_york_time_is_octobers(october) -> None:
    a = october.book.a
    oct_data = gather.gather(a, parse("2026-10", a.timezone), [{"key": "cases"}], name="R")
    nov_data = gather.gather(a, parse("2026-11", a.timezone), [{"key": "cases"}], name="R")
    assert oct_data["cases"]["opened"] == 3  # Globex's case is not Acme's
    assert oct_data["cases"]["by_priority"]["P3"] == {"opened": 1, "resolved": 0}
    assert oct_data["cases"]["resolved"] == 1
    assert nov_data["cases"]["opened"] == 0
    listed = [c["reference"] for c in oct_data["sections"][0]["data"]["cases"]]
    assert october.late.reference in listed
    # In UTC the same case is November's: the period is the client's month, not UTC's.
    assert october.late.opened_at.astimezone(UTC).month == 11
    assert oct_data["period"] == {
        **oct_data["period"],
        "start": "2026-10-01T04:00:00Z",
        "end": "2026-11-01T04:00:00Z",
    }


def test_sla_attainment_lists_the_breach(october) -> None:
    a = october.book.a
    data = gather.gather(a, parse("2026-10", a.timezone), [{"key": "sla"}], name="R")
    sla = data["sections"][0]["data"]
    first = next(t for t in sla["targets"] if t["kind"] == "first_response")
    assert first["breached"] >= 1 and first["measured"] >= first["breached"]
    assert october.breached.reference in [b["reference"] for b in sla["breaches"]]


def test_pages_and_after_hours(october) -> None:
    a = october.book.a
    data = gather.gather(a, parse("2026-10", a.timezone), [{"key": "pages"}], name="R")
    pages = data["sections"][0]["data"]
    assert pages["pages"] == 1 and pages["acknowledged"] == 1
    assert pages["median_ack_minutes"] == 9.0
    # The 23:30 case came after business hours (08:00-17:00 New York).
    assert pages["after_hours"] >= 1


def test_open_p1_p2_with_next_step(october) -> None:
    a = october.book.a
    data = gather.gather(a, parse("2026-10", a.timezone), [{"key": "open_cases"}], name="R")
    rows = data["sections"][0]["data"]["cases"]
    assert [r["reference"] for r in rows] == [october.breached.reference]
    assert rows[0]["next_step"] == "First response from your PSM"


def test_nothing_internal_in_any_format(october, tmp_path) -> None:
    a = october.book.a
    data = gather.gather(
        a, parse("2026-10", a.timezone), [{"key": k} for k in ALL_SECTIONS], name="R"
    )
    rendered = render_report(data, current_brand())
    (tmp_path / "r.pdf").write_bytes(rendered.pdf)
    pdf_text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Merge crash" in pdf_text and "October check-in" in rendered.html  # it did look
    for secret in SECRETS:
        for text in (
            json.dumps(data),
            rendered.html,
            rendered.email_html,
            rendered.email_text,
            pdf_text,
        ):
            assert secret not in text


def test_section_options_are_checked() -> None:
    with pytest.raises(OptionError, match="at most 12"):
        sections.clean_sections([{"key": "cases", "options": {"trend": 40}}])
    with pytest.raises(OptionError, match="no report section"):
        sections.clean_sections([{"key": "horoscope"}])
    with pytest.raises(OptionError, match="twice"):
        sections.clean_sections([{"key": "sla"}, {"key": "sla"}])
    with pytest.raises(OptionError, match="no option named"):
        sections.clean_sections([{"key": "sla", "options": {"colour": "red"}}])
    with pytest.raises(OptionError, match="at least one"):
        sections.clean_sections([])
    assert sections.clean_sections([{"key": "cases"}]) == [
        {"key": "cases", "options": {"trend": 6, "list_cases": True}}
    ]
    choice = Option("p", "Priorities", kind="choice", choices=(("P1", "P1"),))
    with pytest.raises(OptionError, match="choose one of P1"):
        choice.clean("P9")
    assert Option("n", "N", kind="int").clean("7") == 7


def test_an_app_registers_a_section_without_touching_reports(october) -> None:
    class Weather(sections.Section):
        key = "weather-test"
        title = "Weather"
        template = "reports/sections/_missing.html"

        def data(self, account, period, options):
            return {"charts": [sections.Chart("Rain", ["Mon"], [("mm", [3])]).as_json()]}

    sections.register(Weather())
    try:
        a = october.book.a
        data = gather.gather(a, parse("2026-10", a.timezone), [{"key": "weather-test"}], name="R")
        assert data["sections"][0]["title"] == "Weather"
        assert "Rain" in render_report(data, current_brand()).html
    finally:
        sections.CATALOGUE.sections.pop("weather-test")
