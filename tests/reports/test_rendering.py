"""Rendering: PDF with page numbers and the installation's name, e-mail with inlined CSS and
charts as cid: PNGs over a data table, sanitised SVG, re-rendering an archived run, and the
time limit."""

from __future__ import annotations

import subprocess

import pytest

from psm.notifications.models import Notification
from psm.reports import charts, services
from psm.reports.models import RunStatus
from psm.reports.render import RenderTimeout, current_brand, render_report, render_with_timeout
from psm.testing.reports import make_definition, make_run


@pytest.fixture
def run(october):
    book = october.book
    definition = make_definition(book.a, book.alice, contacts=[book.contact_a])
    return make_run(definition, "2026-10")


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_pdf_has_page_numbers_and_the_installations_name(run, settings, tmp_path) -> None:
    rendered = services.rerender(run)
    text = pdf_text(rendered.pdf, tmp_path)
    pages = text.count("\f")
    assert pages >= 2
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert settings.PSM_INSTALLATION_NAME in text
    assert "October 2026" in text and "1 Oct 2026 to 31 Oct 2026, America/New_York" in text


def test_the_installations_logo_and_colours_are_used(run, settings, tmp_path) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10" fill="#ff0000"/></svg>'
    )
    settings.PSM_BRAND_LOGO = str(logo)
    settings.PSM_BRAND_COLOR = "#123456"
    settings.PSM_INSTALLATION_NAME = "Initech Premium"
    brand = current_brand()
    assert brand["logo"].startswith("data:image/svg+xml;base64,")
    rendered = render_report(run.data, brand)
    assert "#123456" in rendered.html and "Initech Premium" in rendered.email_html
    assert rendered.images[0][0] == "logo@psm" and rendered.images[0][1].startswith(b"\x89PNG")


def test_the_email_inlines_css_and_shows_charts_by_cid_with_a_table_under_each(run) -> None:
    rendered = services.rerender(run)
    html = rendered.email_html
    assert "<style" not in html  # inlined: many mail programs drop <style>
    assert 'style="' in html
    assert "<svg" not in html  # mail programs do not show SVG
    cids = [cid for cid, _ in rendered.images]
    for cid in cids:
        assert f'src="cid:{cid}"' in html
    charts_count = sum(len(s["data"].get("charts", [])) for s in run.data["sections"])
    assert len(cids) == charts_count + 1  # and the logo
    assert html.count(": the figures</caption>") == charts_count
    assert all(png.startswith(b"\x89PNG") for _, png in rendered.images)
    assert "The full report is attached as a PDF." in rendered.email_text


def test_rendering_again_from_the_stored_json_gives_the_same_report(run) -> None:
    from django.core.files.storage import default_storage

    again = services.rerender(run)
    assert again.html == default_storage.open(run.html_path).read().decode()
    assert again.pdf == default_storage.open(run.pdf_path).read()
    assert again.email_html == default_storage.open(run.email_path).read().decode()
    # Even after the data the report came from has changed.
    run.account.cases.all().delete()
    assert services.rerender(run).html == again.html


def test_chart_text_is_escaped_and_the_svg_sanitised() -> None:
    chart = {
        "title": "<script>alert(1)</script>",
        "labels": ['"><a href="x">'],
        "series": [{"name": "s", "values": [1]}],
    }
    markup = charts.svg(chart, {"accent": "#000000"})
    assert "<script" not in markup and "<a " not in markup
    assert "&lt;script&gt;" in markup
    for bad in (
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://evil/x)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
        "<svg",
    ):
        with pytest.raises(charts.UnsafeSvg):
            charts.sanitise(bad)


def test_a_render_over_its_time_limit_is_stopped_and_the_run_fails(october) -> None:
    book = october.book
    definition = make_definition(book.a, book.alice, contacts=[book.contact_a])
    from psm.reports.periods import parse

    data = services.gathering.gather(
        book.a, parse("2026-10", "America/New_York"), definition.sections, name="R"
    )
    with pytest.raises(RenderTimeout):
        render_with_timeout(data, current_brand(), 0.001)
    run = services._new_run(definition, parse("2026-10", book.a.timezone), "manual")
    services.generate(run, timeout=0.001)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "longer than" in run.error
    assert Notification.objects.filter(key=f"report:{run.pk}:failed", user=book.alice).exists()
    assert not Notification.objects.filter(key__startswith=f"report:{run.pk}:alma").exists()
