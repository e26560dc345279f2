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

Texts = Mapping[str, str]  # language -> text

REGION_COLOUR = "#1d5fa6"
NATIONAL_COLOUR = "#7b8794"
BAR_COLOUR = "#7ea6d6"
ESTIMATE_BAR_COLOUR = "#d3e2f4"  # estimates: lighter, dashed outline
REFERENCE_COLOUR = "#c2410c"
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
class Bar:
    code: str
    name: Texts
    value: float | None
    estimate: bool = False


@dataclass(frozen=True)
class Shape:
    """An area's outline: rings of (longitude, latitude)."""

    code: str
    name: Texts
    rings: tuple[tuple[tuple[float, float], ...], ...] = field(default_factory=tuple)


def line_chart(
    lines: Sequence[Line], *, decimals: int, title: str, width: int = 520, height: int = 250
) -> str:
    """Values over the years; hollow points are estimates; the last value of each line is written out."""
    points = [p for line in lines for p in line.points]
    if not points:
        return ""
    left, right, top, bottom = 62, 74, 34, 30
    years = [p.year for p in points]
    first, last = min(years), max(years)
    if first == last:
        first, last = first - 1, last + 1
    values = [p.value for p in points]
    low, high = min(values), max(values)
    if low >= 0 and low <= 0.5 * high:
        low = 0.0
    # A change of a few hundredths must not fill the chart: the axis spans at least 10 % of the values' size.
    least = 0.1 * max(abs(low), abs(high))
    if 0 < high - low < least or (high == low and least > 0):
        middle = (high + low) / 2
        low, high = middle - least / 2, middle + least / 2
        if min(values) >= 0 > low:
            low, high = 0.0, high - low
    ticks = nice_ticks(low, high)
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
        ty = y(tick)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{GRID_COLOUR}"/>'
        )
        out.append(
            num(
                tick,
                tick_dp,
                tag="text",
                x=left - 8,
                y=f"{ty + 4:.1f}",
                text_anchor="end",
                font_size=11,
                fill=AXIS_COLOUR,
            )
        )
    step = max(1, math.ceil((last - first) / 8))
    for year in range(first, last + 1, step):
        out.append(
            f'<text x="{x(year):.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="11" '
            f'fill="{AXIS_COLOUR}">{year}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    # Legend on top.
    lx = left
    for line in lines:
        if not line.points:
            continue
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        out.append(
            f'<line x1="{lx}" x2="{lx + 22}" y1="14" y2="14" stroke="{line.colour}" '
            f'stroke-width="2.5"{dash}/>'
        )
        out.append(texts(line.name, tag="text", x=lx + 28, y=18, font_size=12, fill="#111827"))
        lx += 28 + 8 * max(len(t) for t in line.name.values()) + 18
    for line in lines:
        pts = sorted(line.points, key=lambda p: p.year)
        if not pts:
            continue
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        if len(pts) > 1:
            path = " ".join(f"{x(p.year):.1f},{y(p.value):.1f}" for p in pts)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{line.colour}" stroke-width="2.5"'
                f' stroke-linejoin="round"{dash}/>'
            )
        for p in pts:
            fill = "#ffffff" if p.estimate else line.colour
            out.append(
                f'<circle cx="{x(p.year):.1f}" cy="{y(p.value):.1f}" r="4.5" fill="{fill}" '
                f'stroke="{line.colour}" stroke-width="2"><title>{p.year}: {escape(format_number(p.value, decimals))}'
                f"{' (estimate)' if p.estimate else ''}</title></circle>"
            )
        if line.label_last:
            end = pts[-1]
            out.append(
                num(
                    end.value,
                    decimals,
                    tag="text",
                    x=f"{x(end.year) + 8:.1f}",
                    y=f"{y(end.value) + 4:.1f}",
                    font_size=12,
                    font_weight=600,
                    fill=line.colour,
                )
            )
    out.append("</svg>")
    return "".join(out)


def bar_chart(
    bars: Sequence[Bar],
    *,
    decimals: int,
    title: str,
    reference: float | None = None,
    reference_name: Texts | None = None,
    no_data: Texts | None = None,
    width: int = 520,
) -> str:
    """Horizontal bars, largest first, with the region's value as a dashed reference line."""
    if not bars:
        return ""
    rows = sorted(bars, key=lambda b: (b.value is None, -(b.value or 0.0)))
    label_w, right, top, row_h = 178, 64, 28, 19
    height = top + row_h * len(rows) + 12
    values = [b.value for b in rows if b.value is not None] + ([reference] if reference is not None else [])
    high = max([v for v in values if v is not None] + [0.0])
    low = min([v for v in values if v is not None] + [0.0])
    span = (high - low) or 1.0
    plot_w = width - label_w - right

    def x(value: float) -> float:
        return label_w + (value - low) / span * plot_w

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" {FONT} '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, bar in enumerate(rows):
        ty = top + i * row_h
        out.append(
            texts(
                bar.name,
                tag="text",
                x=label_w - 8,
                y=ty + 13,
                text_anchor="end",
                font_size=11.5,
                fill="#1f2937",
            )
        )
        if bar.value is None:
            out.append(
                texts(
                    no_data or {"en": "no data"},
                    tag="text",
                    x=label_w + 4,
                    y=ty + 13,
                    font_size=11,
                    fill=AXIS_COLOUR,
                    font_style="italic",
                )
            )
            continue
        x0, x1 = x(min(0.0, bar.value)), x(max(0.0, bar.value))
        style = (
            f'fill="{ESTIMATE_BAR_COLOUR}" stroke-dasharray="3 2"' if bar.estimate else f'fill="{BAR_COLOUR}"'
        )
        out.append(
            f'<rect x="{x0:.1f}" y="{ty + 3}" width="{max(x1 - x0, 0.8):.1f}" height="{row_h - 6}" rx="2" '
            f'{style} stroke="{BAR_COLOUR}"><title>{escape(bar.code)}: '
            f"{escape(format_number(bar.value, decimals))}{' (estimate)' if bar.estimate else ''}</title></rect>"
        )
        out.append(
            num(bar.value, decimals, tag="text", x=f"{x1 + 5:.1f}", y=ty + 13, font_size=11, fill="#374151")
        )
    if reference is not None:
        rx = x(reference)
        out.append(
            f'<line x1="{rx:.1f}" x2="{rx:.1f}" y1="{top - 6}" y2="{height - 8}" stroke="{REFERENCE_COLOUR}"'
            ' stroke-width="1.8" stroke-dasharray="4 3"/>'
        )
        anchor = "end" if rx > label_w + plot_w * 0.6 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(
            f'<text x="{rx + dx:.1f}" y="{top - 12}" text-anchor="{anchor}" font-size="11.5" '
            f'fill="{REFERENCE_COLOUR}" font-weight="600">'
        )
        out.append(texts(reference_name or {"en": "Region"}, tag="tspan"))
        out.append("<tspan>: </tspan>")
        out.append(num(reference, decimals, tag="tspan"))
        out.append("</text>")
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
    shapes: Sequence[Shape],
    values: Mapping[str, float],
    *,
    decimals: int,
    title: str,
    no_data: Texts | None = None,
    width: int = 520,
    height: int = 330,
) -> str:
    """A light map of the municipalities shaded by value (equirectangular, x scaled by cos(latitude))."""
    coords = [pt for s in shapes for ring in s.rings for pt in ring]
    present = [values[s.code] for s in shapes if s.code in values]
    if not coords or not present:
        return ""
    lat0 = sum(lat for _, lat in coords) / len(coords)
    k = math.cos(math.radians(lat0))
    xs = [lon * k for lon, _ in coords]
    ys = [-lat for _, lat in coords]
    legend_w = 150
    map_w, pad = width - legend_w, 8
    scale = min(
        (map_w - 2 * pad) / ((max(xs) - min(xs)) or 1), (height - 2 * pad) / ((max(ys) - min(ys)) or 1)
    )
    ox, oy = min(xs), min(ys)

    def ring_path(ring: Sequence[tuple[float, float]]) -> str:
        """Projected points, dropping those within a pixel of the last kept one (detailed outlines stay light)."""
        kept: list[tuple[float, float]] = []
        for lon, lat in ring:
            px, py = pad + (lon * k - ox) * scale, pad + (-lat - oy) * scale
            if not kept or abs(px - kept[-1][0]) + abs(py - kept[-1][1]) >= 1.0:
                kept.append((px, py))
        return "M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in kept) + " Z" if len(kept) >= 3 else ""

    breaks = class_breaks(present)
    out = [
        f'<svg class="chart map" viewBox="0 0 {width} {height}" width="100%" role="img" {FONT} '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for shape in shapes:
        d = " ".join(path for path in (ring_path(ring) for ring in shape.rings) if path)
        value = values.get(shape.code)
        fill = NO_DATA_COLOUR if value is None else _colour(value, breaks)
        tip = shape.name.get("en") or next(iter(shape.name.values()), shape.code)
        tip += ": " + (format_number(value, decimals) if value is not None else "no data")
        out.append(
            f'<path d="{d}" fill="{fill}" stroke="#ffffff" stroke-width="1.2" fill-rule="evenodd">'
            f"<title>{escape(tip)}</title></path>"
        )
    lx, ly = map_w + 10, 24
    lows = [min(present), *breaks[:-1]]
    for i, (lo, hi) in enumerate(zip(lows, breaks, strict=True)):
        colour = CLASS_COLOURS[2] if len(breaks) == 1 else CLASS_COLOURS[i]
        out.append(
            f'<rect x="{lx}" y="{ly + i * 22}" width="18" height="16" fill="{colour}" stroke="#9ca3af"'
            ' stroke-width="0.5"/>'
        )
        out.append(f'<text x="{lx + 26}" y="{ly + i * 22 + 12}" font-size="11" fill="#374151">')
        out.append(num(lo, decimals, tag="tspan") + "<tspan> – </tspan>" + num(hi, decimals, tag="tspan"))
        out.append("</text>")
    if any(s.code not in values for s in shapes):
        iy = ly + len(breaks) * 22
        out.append(
            f'<rect x="{lx}" y="{iy}" width="18" height="16" fill="{NO_DATA_COLOUR}" stroke="#9ca3af"'
            ' stroke-width="0.5"/>'
        )
        out.append(
            texts(
                no_data or {"en": "no data"}, tag="text", x=lx + 26, y=iy + 12, font_size=11, fill="#374151"
            )
        )
    out.append("</svg>")
    return "".join(out)
