"""Charts drawn as SVG from a chart's JSON (``sections.Chart.as_json``), sanitised, and as PNG.

The SVG is written here, element by element, with every text escaped; ``sanitise`` then
re-reads it and keeps only an allow-list of elements and attributes (no scripts, no links,
no external references, no event handlers, no CSS), so whatever a section puts in its labels
cannot reach the PDF or the page as markup. Mail programs do not show SVG: ``png`` turns the
same drawing into a PNG with CairoSVG for the e-mail.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import cairosvg

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 30, 58
FONT = "DejaVu Sans, Arial, sans-serif"
INK, MUTED, GRID = "#1c2430", "#5b6675", "#d9dee5"
SVG_NS = "http://www.w3.org/2000/svg"
ALLOWED = {
    "svg": {
        "xmlns",
        "width",
        "height",
        "viewBox",
        "role",
        "aria-label",
        "font-family",
        "font-size",
    },
    "title": set(),
    "g": {"fill", "stroke", "font-size", "text-anchor", "transform"},
    "rect": {"x", "y", "width", "height", "fill", "stroke", "rx"},
    "line": {"x1", "y1", "x2", "y2", "stroke", "stroke-width", "stroke-dasharray"},
    "polyline": {"points", "fill", "stroke", "stroke-width"},
    "circle": {"cx", "cy", "r", "fill", "stroke"},
    "text": {"x", "y", "fill", "font-size", "text-anchor", "font-weight"},
}
_NUMBER = re.compile(r"^-?[0-9.]+(%|px)?$")
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|none|white|black)$")
_SAFE_VALUE = re.compile(r"^[0-9a-zA-Z .,#%()\-:/]*$")


def esc(text: Any) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def palette(brand: dict[str, Any]) -> list[str]:
    return [
        brand.get("accent", "#1f5fbf"),
        "#e0a526",
        brand.get("color", "#14213d"),
        "#2e9e6a",
        "#b3261e",
    ]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    exponent: float = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _el(tag: str, text: str | None = None, **attrs: object) -> str:
    """One element; attribute names in Python spelling (``font_size`` → ``font-size``)."""
    rendered = " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{esc(f"{v:.1f}" if isinstance(v, float) else v)}"'
        for name, v in attrs.items()
    )
    if text is None:
        return f"<{tag} {rendered}/>"
    return f"<{tag} {rendered}>{esc(text)}</{tag}>"


def svg(chart: dict[str, Any], brand: dict[str, Any]) -> str:
    """The chart as a sanitised SVG document."""
    labels = [str(label) for label in chart.get("labels", [])]
    series = chart.get("series", [])
    kind = chart.get("kind", "bar")
    title = str(chart.get("title", "Chart"))
    colours = palette(brand)
    values = [
        [(v if isinstance(v, (int, float)) else None) for v in s.get("values", [])] for s in series
    ]
    if kind == "stacked":
        peak = max((sum(v[i] or 0 for v in values) for i in range(len(labels))), default=0)
    else:
        peak = max((x or 0 for v in values for x in v), default=0)
    whole = all(float(x).is_integer() for v in values for x in v if x is not None)
    top = float(chart.get("maximum") or _nice_max(float(peak)))
    if whole and not chart.get("maximum"):
        top = max(4.0, math.ceil(top / 4) * 4)  # counts: whole numbers on every grid line
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base_y = float(TOP + plot_h)
    unit = str(chart.get("unit", ""))

    def y_of(value: float) -> float:
        return base_y - (value / top) * plot_h if top else base_y

    parts = [
        f'<svg xmlns="{SVG_NS}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{esc(title)}" '
        f'font-family="{FONT}" font-size="11">',
        f"<title>{esc(title)}</title>",
        _el("text", title, x=LEFT, y=18, fill=INK, font_size=13, font_weight="bold"),
    ]
    for i in range(5):
        value = top * i / 4
        y = y_of(value)
        parts.append(_el("line", x1=LEFT, y1=y, x2=WIDTH - RIGHT, y2=y, stroke=GRID))
        label = f"{_fmt(value)}{unit}"
        parts.append(_el("text", label, x=LEFT - 6, y=y + 4, fill=MUTED, text_anchor="end"))
    band = plot_w / max(len(labels), 1)
    for i, label in enumerate(labels):
        x = LEFT + band * i + band / 2
        parts.append(_el("text", label[:18], x=x, y=base_y + 16, fill=INK, text_anchor="middle"))
    if kind == "line":
        for n, vals in enumerate(values):
            colour = colours[n % len(colours)]
            points = [
                (LEFT + band * i + band / 2, y_of(v)) for i, v in enumerate(vals) if v is not None
            ]
            if points:
                joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                parts.append(
                    _el("polyline", points=joined, fill="none", stroke=colour, stroke_width=2.5)
                )
                parts.extend(_el("circle", cx=x, cy=y, r=3.5, fill=colour) for x, y in points)
    elif kind == "stacked":
        width = band * 0.55
        for i in range(len(labels)):
            stacked = 0.0
            for n, vals in enumerate(values):
                v = float((vals[i] if i < len(vals) else None) or 0)
                if v:
                    y0, y1 = y_of(stacked), y_of(stacked + v)
                    x = LEFT + band * i + (band - width) / 2
                    colour = colours[n % len(colours)]
                    parts.append(_el("rect", x=x, y=y1, width=width, height=y0 - y1, fill=colour))
                stacked += v
    else:
        width = band * 0.7 / max(len(values), 1)
        for i in range(len(labels)):
            for n, vals in enumerate(values):
                raw = vals[i] if i < len(vals) else None
                if raw is None:
                    continue
                v = float(raw)
                x = LEFT + band * i + band * 0.15 + width * n
                y = y_of(v)
                colour = colours[n % len(colours)]
                parts.append(_el("rect", x=x, y=y, width=width, height=base_y - y, fill=colour))
                parts.append(
                    _el(
                        "text",
                        _fmt(v),
                        x=x + width / 2,
                        y=y - 3,
                        fill=INK,
                        font_size=10,
                        text_anchor="middle",
                    )
                )
    legend_y = HEIGHT - 14
    x = float(LEFT)
    for n, s in enumerate(series):
        name = str(s.get("name", ""))[:30]
        colour = colours[n % len(colours)]
        parts.append(_el("rect", x=x, y=legend_y - 9, width=10, height=10, fill=colour))
        parts.append(_el("text", name, x=x + 14, y=legend_y, fill=INK))
        x += 24 + 7 * len(name)
    parts.append(_el("line", x1=LEFT, y1=base_y, x2=WIDTH - RIGHT, y2=base_y, stroke=MUTED))
    parts.append("</svg>")
    return sanitise("".join(parts))


class UnsafeSvg(ValueError):
    """SVG with something outside the allow-list."""


def sanitise(markup: str) -> str:
    """Re-read ``markup`` and keep only allowed elements and attributes with plain values;
    anything else (scripts, links, foreign objects, styles, event handlers) is an error."""
    ET.register_namespace("", SVG_NS)
    try:
        root = ET.fromstring(markup)
    except ET.ParseError as exc:
        raise UnsafeSvg(f"not well-formed SVG: {exc}") from None
    for element in root.iter():
        tag = element.tag.split("}", 1)[-1]
        if tag not in ALLOWED:
            raise UnsafeSvg(f"<{tag}> is not allowed in a chart")
        for name, value in element.attrib.items():
            if name not in ALLOWED[tag]:
                raise UnsafeSvg(f"{tag} {name}= is not allowed in a chart")
            if name in ("fill", "stroke") and not _COLOUR.match(value):
                raise UnsafeSvg(f"{tag} {name}={value!r} is not a plain colour")
            if not _SAFE_VALUE.match(value) and name not in ("aria-label", "font-family"):
                raise UnsafeSvg(f"{tag} {name}={value!r} has characters a chart never needs")
    return ET.tostring(root, encoding="unicode")


def png(markup: str, scale: float = 2.0) -> bytes:
    """The SVG as a PNG (for e-mail), twice the size for sharp text on dense screens."""
    data: bytes = cairosvg.svg2png(bytestring=markup.encode(), scale=scale, unsafe=False)
    return data


def table(chart: dict[str, Any]) -> dict[str, Any]:
    """The chart's numbers as rows (one per label) under a header (one column per series)."""
    series = chart.get("series", [])
    unit = chart.get("unit", "")
    rows = []
    for i, label in enumerate(chart.get("labels", [])):
        cells = []
        for s in series:
            values = s.get("values", [])
            value = values[i] if i < len(values) else None
            cells.append("–" if value is None else f"{_fmt(value)}{unit}")
        rows.append({"label": label, "cells": cells})
    return {"header": [s.get("name", "") for s in series], "rows": rows}
