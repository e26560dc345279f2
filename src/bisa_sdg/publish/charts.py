"""Charts as inline SVG strings drawn in Python: the report must open offline, with no chart library to fetch.

Texts that depend on the language are written once per language with a ``data-l`` attribute; the report's
CSS shows the current language only. Numbers carry their value in ``data-v`` (and decimals in ``data-d``) so
the page's script can re-format them for the chosen language; the default text is English formatting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

Texts = Mapping[str, str]  # language -> text

REGION_COLOUR = "#1d5fa6"
NATIONAL_COLOUR = "#7b8794"
GRID_COLOUR = "#e5e7eb"
AXIS_COLOUR = "#6b7280"
# Sequential blues (ColorBrewer 'Blues', 5 classes) for the choropleth.
CLASS_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA_COLOUR = "#f3f4f6"
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif\""


def decimals_for(values: Iterable[float]) -> int:
    """Three significant digits for the largest value, more when needed to tell the values apart (max 5)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    biggest = max((abs(v) for v in finite), default=0.0)
    if biggest == 0 or all(v.is_integer() for v in finite):
        return 0
    digits = 2 - math.floor(math.log10(biggest))
    spread = max(finite) - min(finite)
    if spread > 0:
        digits = max(digits, min(4, 1 - math.floor(math.log10(spread))))
    return max(0, min(5, digits))


def format_number(value: float, decimals: int) -> str:
    """English formatting with a thin space for thousands (the default text before the script runs)."""
    if round(value, decimals) == 0:
        value = 0.0  # never "-0.00"
    return f"{value:,.{decimals}f}".replace(",", "\u202f")


def num(value: float, decimals: int, tag: str = "span", **attrs: str | float) -> str:
    """A number the page script re-formats for the current language."""
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return (
        f'<{tag} class="num" data-v="{value!r}" data-d="{decimals}"{extra}>'
        f"{escape(format_number(value, decimals))}</{tag}>"
    )


def texts(values: Texts, tag: str = "span", **attrs: str | float) -> str:
    """One element per language; CSS shows the current one."""
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return "".join(f'<{tag} data-l="{lang}"{extra}>{escape(text)}</{tag}>' for lang, text in values.items())


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (Heckbert's nice numbers)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    span = _nice(high - low, round_it=False)
    step = _nice(span / max(1, count - 1), round_it=True)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    ticks = []
    value = start
    while value <= stop + step * 0.5:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _nice(x: float, *, round_it: bool) -> float:
    exponent = math.floor(math.log10(x))
    fraction = x / 10**exponent
    if round_it:
        nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return nice * 10**exponent


def _tick_decimals(ticks: Sequence[float]) -> int:
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    return max(0, min(6, -math.floor(math.log10(step)) if step < 1 else 0))


@dataclass(frozen=True)
class Point:
    year: int
    value: float
    estimate: bool = False


@dataclass(frozen=True)
class Line:
    """One line of a time chart: the region, or the country beside it."""

    name: Texts
    points: tuple[Point, ...]
    colour: str = REGION_COLOUR
    dashed: bool = False
    label_last: bool = True


@dataclass(frozen=True)
class Shape:
    """An area's outline: rings of (x, y) in a planar metric projection (y north)."""

    code: str
    name: Texts
    rings: tuple[tuple[tuple[float, float], ...], ...] = field(default_factory=tuple)


# Chart text is drawn at this size in a viewBox of CHART_WIDTH units; the page never shows a chart narrower
# than about 330 px (390 px phone), so the text renders at 12 px or more (tests/test_report.py measures it).
CHART_WIDTH = 360
CHART_FONT = 13


def _y_range(values: Sequence[float]) -> tuple[float, float]:
    """The axis: from zero when the values are positive and not far from it; at least 10 % of their size, so a
    change of a few hundredths does not fill the chart."""
    low, high = min(values), max(values)
    if 0 <= low <= 0.5 * high:
        low = 0.0
    least = 0.1 * max(abs(low), abs(high))
    if 0 < high - low < least or (high == low and least > 0):
        middle = (high + low) / 2
        low, high = middle - least / 2, middle + least / 2
        if min(values) >= 0 > low:
            low, high = 0.0, high - low
    return low, high


def _line_marks(line: Line, x, y, decimals: int) -> list[str]:
    """A line's polyline, its points (hollow = estimate) and its last value written out."""
    pts = sorted(line.points, key=lambda p: p.year)
    dash = ' stroke-dasharray="5 4"' if line.dashed else ""
    out = []
    if len(pts) > 1:
        path = " ".join(f"{x(p.year):.1f},{y(p.value):.1f}" for p in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{line.colour}" stroke-width="2.5"{dash}/>')
    for p in pts:
        fill = "#ffffff" if p.estimate else line.colour
        out.append(
            f'<circle cx="{x(p.year):.1f}" cy="{y(p.value):.1f}" r="4" fill="{fill}" stroke="{line.colour}" '
            f'stroke-width="2"><title>{p.year}: {escape(format_number(p.value, decimals))}</title></circle>'
        )
    if line.label_last and pts:
        end = pts[-1]
        out.append(
            num(
                end.value,
                decimals,
                tag="text",
                x=f"{x(end.year) + 7:.1f}",
                y=f"{y(end.value) + 4:.1f}",
                font_size=CHART_FONT,
                font_weight=600,
                fill=line.colour,
            )
        )
    return out


def line_chart(
    lines: Sequence[Line], *, decimals: int, title: str, width: int = CHART_WIDTH, height: int = 210
) -> str:
    """Values over the years; hollow points are estimates; the last value of each line is written out. The
    legend is the HTML caption around the chart (text there follows the page's size and language)."""
    points = [p for line in lines for p in line.points]
    if not points:
        return ""
    left, right, top, bottom = 48, 58, 12, 26
    first, last = min(p.year for p in points), max(p.year for p in points)
    if first == last:
        first, last = first - 1, last + 1
    ticks = nice_ticks(*_y_range([p.value for p in points]))
    y0, y1 = ticks[0], ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(year: float) -> float:
        return left + (year - first) / (last - first) * plot_w

    def y(value: float) -> float:
        return top + plot_h - (value - y0) / ((y1 - y0) or 1.0) * plot_h

    tick_dp = _tick_decimals(ticks)
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" {FONT} '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for tick in ticks:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID_COLOUR}"/>'
        )
        out.append(
            num(
                tick,
                tick_dp,
                tag="text",
                x=left - 6,
                y=f"{y(tick) + 4:.1f}",
                text_anchor="end",
                font_size=CHART_FONT,
                fill=AXIS_COLOUR,
            )
        )
    step = max(1, math.ceil((last - first) / 4))
    for year in range(first, last + 1, step):
        out.append(
            f'<text x="{x(year):.1f}" y="{height - 6}" text-anchor="middle" font-size="{CHART_FONT}" '
            f'fill="{AXIS_COLOUR}">{year}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{AXIS_COLOUR}"/>'
    )
    for line in lines:
        out += _line_marks(line, x, y, decimals)
    out.append("</svg>")
    return "".join(out)


def class_breaks(values: Sequence[float], classes: int = len(CLASS_COLOURS)) -> list[float]:
    """Equal-interval upper bounds: readable legends, and stable when many values are equal (e.g. zeros)."""
    low, high = min(values), max(values)
    if high == low:
        return [high]
    step = (high - low) / classes
    return [low + step * (i + 1) for i in range(classes)]


def _colour(value: float, breaks: Sequence[float]) -> str:
    if len(breaks) == 1:
        return CLASS_COLOURS[2]
    for i, upper in enumerate(breaks):
        if value <= upper + 1e-12:
            return CLASS_COLOURS[i]
    return CLASS_COLOURS[-1]


def choropleth(
    shapes: Sequence[Shape], values: Mapping[str, float], *, title: str, width: int = CHART_WIDTH
) -> tuple[str, list[dict[str, Any]]]:
    """A light map of the municipalities shaded by value, and its legend (classes low–high, colour) for the
    page to write in HTML. Outlines are in a planar metric projection (Lambert 72: x east, y north)."""
    coords = [pt for s in shapes for ring in s.rings for pt in ring]
    present = [values[s.code] for s in shapes if s.code in values]
    if not coords or not present:
        return "", []
    xs, ys = [px for px, _ in coords], [py for _, py in coords]
    left, top = min(xs), max(ys)
    scale = (width - 8) / ((max(xs) - left) or 1)
    height = round((top - min(ys)) * scale + 8)

    def ring_path(ring: Sequence[tuple[float, float]]) -> str:
        """Drawn points, dropping those within a unit of the last kept one (outlines stay light)."""
        kept: list[tuple[float, float]] = []
        for px, py in ring:
            sx, sy = 4 + (px - left) * scale, 4 + (top - py) * scale
            if not kept or abs(sx - kept[-1][0]) + abs(sy - kept[-1][1]) >= 1.0:
                kept.append((sx, sy))
        return "M" + " L".join(f"{sx:.0f},{sy:.0f}" for sx, sy in kept) + " Z" if len(kept) >= 3 else ""

    breaks = class_breaks(present)
    out = [
        f'<svg class="chart map" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for shape in shapes:
        d = " ".join(path for path in (ring_path(ring) for ring in shape.rings) if path)
        value = values.get(shape.code)
        fill = NO_DATA_COLOUR if value is None else _colour(value, breaks)
        out.append(
            f'<path d="{d}" fill="{fill}" stroke="#ffffff" stroke-width="1" fill-rule="evenodd">'
            f"<title>{escape(shape.code)}</title></path>"
        )
    out.append("</svg>")
    lows = [min(present), *breaks[:-1]]
    legend = [
        {"low": lo, "high": hi, "colour": CLASS_COLOURS[2] if len(breaks) == 1 else CLASS_COLOURS[i]}
        for i, (lo, hi) in enumerate(zip(lows, breaks, strict=True))
    ]
    if any(s.code not in values for s in shapes):
        legend.append({"low": None, "high": None, "colour": NO_DATA_COLOUR})
    return "".join(out), legend
