"""Turn a report's data into what people read: an HTML page, a PDF, and an HTML e-mail.

Everything comes from the data dict (``psm.reports.gather``) and the brand (installation
name, colours, logo) captured when the run was made, so rendering an archived run again
gives the same report. No database access happens here: ``render_with_timeout`` runs it in
a forked child process the worker kills if it takes too long.

- **Page / PDF**: one HTML document with the charts as sanitised inline SVG; WeasyPrint
  prints it with the installation's name and "page N of M" on every page.
- **E-mail**: the same content laid out for mail programs — CSS inlined (css-inline), charts
  as PNG images carried in the message and shown by ``cid:`` (mail programs do not show
  SVG), a data table under each chart; the PDF is attached by the sender.
"""

from __future__ import annotations

import base64
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import css_inline
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string

from psm.reports import charts
from psm.reports import sections as catalogue

MARK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">'
    '<rect width="32" height="32" rx="6" fill="{color}"/>'
    '<path d="M16 5 27 16 16 27 5 16Z" fill="#fff"/></svg>'
)


class RenderError(Exception):
    """A report could not be rendered; the message says why."""


class RenderTimeout(RenderError):
    pass


def current_brand() -> dict[str, Any]:
    """The installation's name, colours and logo (as a data URI), from the settings."""
    color = settings.PSM_BRAND_COLOR
    if settings.PSM_BRAND_LOGO:
        path = Path(settings.PSM_BRAND_LOGO)
        kind = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
        raw = path.read_bytes()
    else:
        kind, raw = "image/svg+xml", MARK_SVG.format(color=color).encode()
    return {
        "name": settings.PSM_INSTALLATION_NAME,
        "color": color,
        "accent": settings.PSM_BRAND_ACCENT,
        "logo": f"data:{kind};base64,{base64.b64encode(raw).decode()}",
    }


def _logo_png(brand: dict[str, Any]) -> bytes:
    header, _, payload = str(brand.get("logo", "")).partition(",")
    raw = (
        base64.b64decode(payload)
        if payload
        else MARK_SVG.format(color=brand.get("color", "#14213d")).encode()
    )
    if "svg" in header or not payload:
        return charts.png(raw.decode(), scale=2.0)
    return raw


@dataclass
class Rendered:
    html: str
    pdf: bytes
    email_html: str
    email_text: str
    subject: str
    images: list[tuple[str, bytes]] = field(default_factory=list)  # (cid, PNG)


def _section_template(key: str) -> str:
    section = catalogue.get(key)
    if section is not None:
        try:
            get_template(section.template)
            return section.template
        except TemplateDoesNotExist:
            pass
    return "reports/sections/_missing.html"


def _data_uri(markup: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(markup.encode()).decode()


def _context(data: dict[str, Any], brand: dict[str, Any], mode: str) -> dict[str, Any]:
    entries = []
    number = 0
    for section in data.get("sections", []):
        figures = []
        for chart in section.get("data", {}).get("charts", []):
            number += 1
            figures.append(
                {
                    "cid": f"chart-{number}@psm",
                    # A data: URI rather than inline markup: WeasyPrint draws an SVG image
                    # as vectors without styling each of its elements (3x faster PDFs).
                    "svg": _data_uri(charts.svg(chart, brand)) if mode != "email" else "",
                    "title": chart.get("title", ""),
                    "table": charts.table(chart),
                }
            )
        entries.append(
            {**section, "template": _section_template(str(section.get("key"))), "figures": figures}
        )
    return {
        "data": data,
        "brand": brand,
        "mode": mode,
        "period": data.get("period", {}),
        "zone": data.get("period", {}).get("timezone")
        or data.get("account", {}).get("timezone", "UTC"),
        "account": data.get("account", {}),
        "report": data.get("report", {}),
        "sections": entries,
    }


def page_html(data: dict[str, Any], brand: dict[str, Any], mode: str = "page") -> str:
    """The report as one self-contained HTML document (``mode`` "page" or "pdf")."""
    return render_to_string("reports/report.html", _context(data, brand, mode))


_fonts: Any = None


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML  # heavy: loaded where a PDF is made
    from weasyprint.text.fonts import FontConfiguration

    global _fonts
    if _fonts is None:  # fontconfig's scan of the system fonts, once per process
        _fonts = FontConfiguration()
    document = HTML(string=html, base_url=None).render(font_config=_fonts)
    out: bytes = document.write_pdf()
    return out


def subject_of(data: dict[str, Any]) -> str:
    return (
        f"{data.get('report', {}).get('name', 'Status report')} · "
        f"{data.get('account', {}).get('name', '')} · {data.get('period', {}).get('label', '')}"
    )


def email_parts(
    data: dict[str, Any], brand: dict[str, Any]
) -> tuple[str, str, list[tuple[str, bytes]]]:
    context = _context(data, brand, "email")
    images = [("logo@psm", _logo_png(brand))]
    for section in data.get("sections", []):
        for chart in section.get("data", {}).get("charts", []):
            images.append((f"chart-{len(images)}@psm", charts.png(charts.svg(chart, brand))))
    html = render_to_string("reports/email.html", context)
    inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
    text = render_to_string("reports/email.txt", context)
    return inliner.inline(html), text, images


def render_report(data: dict[str, Any], brand: dict[str, Any]) -> Rendered:
    html = page_html(data, brand, "page")
    pdf = pdf_bytes(page_html(data, brand, "pdf"))
    email_html, email_text, images = email_parts(data, brand)
    return Rendered(html, pdf, email_html, email_text, subject_of(data), images)


def _child(conn: Any, data: dict[str, Any], brand: dict[str, Any]) -> None:
    try:
        conn.send((True, render_report(data, brand)))
    except Exception as exc:  # reported to the parent, which records it on the run
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def render_with_timeout(data: dict[str, Any], brand: dict[str, Any], seconds: float) -> Rendered:
    """``render_report`` in a forked child that is killed after ``seconds``: one huge report
    cannot hold a worker (and the queue behind it) for ever. The child touches no database."""
    if os.name != "posix":  # pragma: no cover - PSM runs on Linux
        return render_report(data, brand)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, data, brand), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            child.kill()
            raise RenderTimeout(f"rendering took longer than {seconds:g} s and was stopped")
        try:
            ok, payload = receive.recv()
        except EOFError:
            raise RenderError(f"the renderer stopped (exit code {child.exitcode})") from None
    finally:
        child.join(timeout=5)
        receive.close()
    if not ok:
        raise RenderError(str(payload))
    result: Rendered = payload
    return result
