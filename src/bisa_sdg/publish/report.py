"""The HTML report: one self-contained file (inline CSS, JS, SVG) that opens offline, in French, Dutch, English.

For each indicator: the region over time (with the national level beside it when the warehouse has it), the
municipalities compared (bars, and a light map when boundaries are available), the progress assessment when
``curated.progress`` exists, and provenance and caveats in plain words. The report names the release it
belongs to, or says it is an unreleased run, so a figure quoted from it can be traced.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.publish import charts, extracts, vlr
from bisa_sdg.publish.charts import Texts
from bisa_sdg.publish.extracts import INDICATOR_CSV_DIR
from bisa_sdg.publish.scorecard import Verdict, agenda_cards, series_verdicts
from bisa_sdg.publish.snapshot import (
    EQUITY_TABLE,
    NATIONAL_TABLE,
    OUTLINES_TABLE,
    PROGRESS_TABLE,
    SCORECARD_TABLE,
    Snapshot,
    as_records,
)
from bisa_sdg.publish.titles import Titles, as_texts, load_labels

if TYPE_CHECKING:
    import pandas as pd

OUTPUTS_MANIFEST = "outputs.json"  # written by publish.outputs after the report; linked when listed

ESTIMATE_NATURES = frozenset({"E", "M"})


def _template_text(name: str) -> str:
    return (resources.files("bisa_sdg.publish") / "templates" / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------- titles


# --------------------------------------------------------------------------------------------- outlines


def load_outlines(snapshot: Snapshot, names: Mapping[str, Texts]) -> list[charts.Shape]:
    """Municipal outlines from curated.area_outlines (Lambert 72 metres), when the warehouse has them."""
    shapes = []
    for rec in as_records(snapshot.frame(OUTLINES_TABLE)):
        code = str(rec["ref_area"])
        rings = tuple(
            tuple((float(x), float(y)) for x, y in ring) for ring in json.loads(rec["rings"] or "[]")
        )
        if rings:
            shapes.append(charts.Shape(code=code, name=names.get(code, {"en": code}), rings=rings))
    return shapes


# --------------------------------------------------------------------------------------------- views


@dataclass
class Municipal:
    """Leave no one behind: the municipalities of one series' latest year, ranked worst-off first."""

    year: int
    ranked: list[dict[str, Any]]  # code, name, value, estimate, width (% of the largest), worst
    worst: dict[str, Any] | None = None  # code, name, value, gap (to the region) from curated.equity
    ratio: float | None = None
    cv: float | None = None
    region_value: float | None = None
    estimate: bool = False
    directed: bool = False  # the series has a desired direction, so the ranking runs from worst-off
    map_svg: str = ""
    legend: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SeriesView:
    code: str
    title: Texts
    unit: Texts
    decimals: int
    un_series: bool
    scale: float = 1.0  # values are multiplied by this for reading (rates per year shown in %)
    latest_value: float | None = None
    latest_year: int | None = None
    estimate: bool = False
    synthetic: bool = False
    line_svg: str = ""
    has_national: bool = False
    municipal: Municipal | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    table: list[dict[str, Any]] = field(default_factory=list)
    breakdowns: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict | None:
        """The headline verdict: the first target with a class, else the first target."""
        return self.verdicts[0] if self.verdicts else None


@dataclass
class IndicatorView:
    id: str
    anchor: str
    title: Texts
    series: list[SeriesView]
    sources: list[dict[str, Any]]
    synthetic: bool
    estimate: bool
    note: Texts | None = None
    csv: str = ""
    sheet: str = ""


def _sort_key(indicator_id: str) -> tuple:
    """UN indicators first in their numbering order (11.3.1 < 11.a.1), then the others by code."""
    parts = indicator_id.split(".")
    if len(parts) == 3 and parts[0].isdigit():
        return (0, int(parts[0]), [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts[1:]])
    return (1, 0, [(1, 0, indicator_id)])


def _anchor(indicator_id: str) -> str:
    return "ind-" + re.sub(r"[^A-Za-z0-9]+", "-", indicator_id).strip("-").lower()


Record = dict[str, Any]


def _is_headline(rec: Mapping[str, Any]) -> bool:
    """Not broken down: every DSD breakdown is '_T' (or absent)."""
    return all(str(rec.get(column) or "_T") == "_T" for column in BREAKDOWN_COLUMNS)


def _estimate(row: Mapping[str, Any]) -> bool:
    return str(row.get("nature") or "") in ESTIMATE_NATURES or str(row.get("obs_status") or "") == "E"


def _national_records(snapshot: Snapshot, values: list[Record], country_code: str | None) -> list[Record]:
    """National values: rows of indicator_values for the country's code, plus curated.national_context."""
    codes = {country_code, country_code.lstrip("0")} if country_code else set()
    found = [r for r in values if str(r["ref_area"]) in codes and _is_headline(r)]
    context = as_records(snapshot.frame(NATIONAL_TABLE))
    if context and {"series", "time_period", "obs_value"} <= set(context[0]):
        for rec in context:
            if not _is_headline(rec) or str(rec.get("city") or "").strip():
                continue  # a breakdown, or a city's value filed under the country: not the national level
            if "ref_area" in rec and codes and str(rec["ref_area"]) not in codes:
                continue
            found.append(rec)
    return [r for r in found if r.get("obs_value") is not None and r.get("time_period") is not None]


def _texts_or_code(mapping: Mapping[str, Any], code: str, languages: Sequence[str]) -> Texts:
    return as_texts(mapping.get(code), languages) or dict.fromkeys(languages, code)


@dataclass(frozen=True)
class Context:
    """What every series view needs besides its own rows: the areas, titles, labels, outlines, equity."""

    titles: Titles
    labels: dict[str, Any]
    region_code: str
    region_name: Texts
    municipalities: frozenset[str]
    area_names: Mapping[str, Texts]
    shapes: Sequence[charts.Shape]
    equity: Mapping[str, Record]  # series -> its latest curated.equity row

    @property
    def languages(self) -> list[str]:
        return list(self.labels["languages"])


def _unit(unit_code: str, ctx: Context) -> tuple[Texts, float]:
    """The unit in words and the factor applied for reading: a rate per year is shown in % per year."""
    if unit_code == "PER_YEAR":
        return ctx.labels["ui"]["percent_per_year"], 100.0
    if not unit_code:
        return dict.fromkeys(ctx.languages, ""), 1.0
    return _texts_or_code(ctx.labels.get("units", {}), unit_code, ctx.languages), 1.0


def _series_view(
    indicator_id: str, code: str, rows: list[Record], national: Mapping[int, Record], ctx: Context
) -> SeriesView:
    """One series: the region over time (with the country), the municipalities ranked and mapped, notes."""
    unit_code = next((str(r["unit_measure"]) for r in rows if r.get("unit_measure")), "")
    unit, scale = _unit(unit_code, ctx)
    head = [r for r in rows if _is_headline(r) and r.get("obs_value") is not None]
    view = SeriesView(
        code=code,
        title=ctx.titles.series(code),
        unit=unit,
        scale=scale,
        decimals=ctx.titles.decimals.get(
            code, charts.decimals_for([float(r["obs_value"]) * scale for r in head])
        ),
        un_series=ctx.titles.is_un(code),
        estimate=any(_estimate(r) for r in rows),
        synthetic=any(bool(r.get("synthetic")) for r in rows),
        breakdowns=[c for c in BREAKDOWN_COLUMNS if any(str(r.get(c) or "_T") != "_T" for r in rows)],
    )
    region_rows = sorted(
        (r for r in head if str(r["ref_area"]) == ctx.region_code), key=lambda r: r["time_period"]
    )
    region = tuple(
        charts.Point(int(r["time_period"]), float(r["obs_value"]) * scale, _estimate(r)) for r in region_rows
    )
    country = tuple(
        charts.Point(y, float(r["obs_value"]) * scale, _estimate(r)) for y, r in sorted(national.items())
    )
    view.has_national = bool(country)
    if region:
        view.latest_value, view.latest_year = region[-1].value, region[-1].year
        lines = [charts.Line(name=ctx.region_name, points=region)]
        if country:
            lines.append(
                charts.Line(
                    name=ctx.labels["ui"]["national"],
                    points=country,
                    colour=charts.NATIONAL_COLOUR,
                    dashed=True,
                )
            )
        view.line_svg = charts.line_chart(lines, decimals=view.decimals, title=f"{indicator_id} {code}")
    by_year: dict[int, dict[str, Any]] = {
        p.year: {"year": p.year, "region": p.value, "region_estimate": p.estimate} for p in region
    }
    for p in country:
        by_year.setdefault(p.year, {"year": p.year})["national"] = p.value
    view.table = [by_year[y] for y in sorted(by_year)]
    view.municipal = _municipal(
        code, [r for r in head if str(r["ref_area"]) in ctx.municipalities], region, view, ctx
    )
    return view


def _municipal(
    code: str, rows: list[Record], region: Sequence[charts.Point], view: SeriesView, ctx: Context
) -> Municipal | None:
    """The latest year's municipal values ranked worst-off first (by curated.equity's direction), the spread
    and the worst-off municipality from curated.equity, and the map."""
    if not rows:
        return None
    year = max(int(r["time_period"]) for r in rows)
    latest = {str(r["ref_area"]): r for r in rows if int(r["time_period"]) == year}
    equity = ctx.equity.get(code)
    if equity is not None and int(equity["time_period"]) != year:
        equity = None  # the spread of another year would not describe these bars
    direction = str((equity or {}).get("direction") or "")
    values = {c: float(r["obs_value"]) * view.scale for c, r in latest.items()}
    # Worst-off first: the highest value when less is better, the lowest when more is better.
    order = sorted(values, key=lambda c: (values[c] if direction == "increase" else -values[c], c))
    top = max((abs(v) for v in values.values()), default=0.0) or 1.0
    worst = str(equity["worst_area"]) if equity and equity.get("worst_area") else None
    ranked = [
        {
            "code": c,
            "name": ctx.area_names.get(c, dict.fromkeys(ctx.languages, c)),
            "value": values[c],
            "estimate": _estimate(latest[c]),
            "width": round(100 * abs(values[c]) / top, 1),
            "worst": c == worst,
        }
        for c in order
    ]
    missing = sorted(ctx.municipalities - set(values))
    ranked += [
        {
            "code": c,
            "name": ctx.area_names.get(c, dict.fromkeys(ctx.languages, c)),
            "value": None,
            "worst": False,
        }
        for c in missing
    ]
    found = Municipal(year=year, ranked=ranked, estimate=any(r.get("estimate") for r in ranked))
    found.directed = direction in ("increase", "decrease")
    found.region_value = next((p.value for p in region if p.year == year), None)
    if equity:
        found.ratio = equity.get("max_min_ratio")
        found.cv = equity.get("cv")
        if worst:
            gap = equity.get("worst_gap_to_region")
            found.worst = {
                "code": worst,
                "name": ctx.area_names.get(worst, dict.fromkeys(ctx.languages, worst)),
                "value": float(equity["worst_value"]) * view.scale,
                "gap": float(gap) * view.scale if gap is not None else None,
            }
    if ctx.shapes:
        found.map_svg, found.legend = charts.choropleth(ctx.shapes, values, title=f"{code} {year}")
    return found


def _indicator_view(
    indicator_id: str,
    series_rows: Mapping[str, list[Record]],
    national: Mapping[str, dict[int, Record]],
    ctx: Context,
    progress: list[Record],
    source_rows: Mapping[str, Record],
) -> IndicatorView:
    """One indicator: its series (UN series first, the ones a UN submission carries), sources and downloads."""
    series_views = []
    for code in sorted(series_rows, key=lambda c: (not ctx.titles.is_un(c), c)):
        view = _series_view(indicator_id, code, series_rows[code], national.get(code, {}), ctx)
        view.verdicts = series_verdicts(progress, code, ctx.region_code)
        series_views.append(view)
    rows = [r for srows in series_rows.values() for r in srows]
    source_ids = sorted({s.strip() for r in rows for s in str(r.get("source") or "").split(",") if s.strip()})
    return IndicatorView(
        id=indicator_id,
        anchor=_anchor(indicator_id),
        title=ctx.titles.indicator(indicator_id),
        series=series_views,
        sources=[_source_view(source_rows.get(s), s) for s in source_ids],
        synthetic=any(v.synthetic for v in series_views),
        estimate=any(v.estimate for v in series_views),
        note=ctx.titles.notes.get(indicator_id),
        csv=f"extracts/{INDICATOR_CSV_DIR}/{extracts.indicator_file_name(indicator_id)}",
        sheet=indicator_id,
    )


def _context(snapshot: Snapshot, titles: Titles, labels: dict[str, Any]) -> Context:
    areas = list(snapshot.area_records.values())
    languages: list[str] = list(labels["languages"])
    region = next((r for r in areas if r.get("level") == "region"), {"ref_area": "", "parent_area": None})

    def names_of(row: Mapping[str, Any]) -> Texts:
        found = {lang: str(row[f"name_{lang}"]) for lang in languages if row.get(f"name_{lang}")}
        fallback = found.get("en") or next(iter(found.values()), str(row.get("ref_area")))
        return {lang: found.get(lang, fallback) for lang in languages}

    area_names = {str(r["ref_area"]): names_of(r) for r in areas}
    equity: dict[str, Record] = {}
    for rec in sorted(as_records(snapshot.frame(EQUITY_TABLE)), key=lambda r: int(r["time_period"])):
        equity[str(rec["series"])] = rec  # the latest year wins
    return Context(
        titles=titles,
        labels=labels,
        region_code=str(region["ref_area"]),
        region_name=area_names.get(
            str(region["ref_area"]), dict.fromkeys(languages, str(region["ref_area"]))
        ),
        municipalities=frozenset(str(r["ref_area"]) for r in areas if r.get("level") == "municipality"),
        area_names=area_names,
        shapes=load_outlines(snapshot, area_names),
        equity=equity,
    )


def build_views(
    snapshot: Snapshot,
    *,
    series_names_path: Path | None = None,
    titles: Titles | None = None,
    annex: Mapping[str, pd.DataFrame] | None = None,
) -> tuple[list[IndicatorView], dict[str, Any]]:
    """Everything the template shows, from the snapshot alone (``annex``: the VLR frames, when already built)."""
    labels = load_labels()
    languages: list[str] = list(labels["languages"])
    titles = titles or Titles.load(snapshot, languages, series_names_path=series_names_path)
    annex = annex if annex is not None else vlr.annex_frames(snapshot, titles, labels, languages)
    ctx = _context(snapshot, titles, labels)
    country_code = str(snapshot.area_records.get(ctx.region_code, {}).get("parent_area") or "") or None
    source_rows = {str(r["source_id"]): r for r in as_records(snapshot.sources)}
    national_by_series: dict[str, dict[int, Record]] = {}
    for rec in sorted(
        _national_records(snapshot, snapshot.value_records, country_code), key=lambda r: int(r["time_period"])
    ):
        national_by_series.setdefault(str(rec["series"]), {})[int(rec["time_period"])] = rec  # last one wins
    by_indicator: dict[str, dict[str, list[Record]]] = {}
    for rec in snapshot.value_records:
        by_indicator.setdefault(str(rec["indicator_id"]), {}).setdefault(str(rec["series"]), []).append(rec)
    progress_frame = snapshot.frame(PROGRESS_TABLE)
    progress = as_records(progress_frame)
    views = [
        _indicator_view(i, by_indicator[i], national_by_series, ctx, progress, source_rows)
        for i in sorted(by_indicator, key=_sort_key)
    ]
    context = {
        "languages": languages,
        "language_names": labels["language_names"],
        "ui": labels["ui"],
        "labels": labels,
        "region_name": ctx.region_name,
        "region_code": ctx.region_code,
        "has_progress": progress_frame is not None,
        "agendas": agenda_cards(snapshot.frame(SCORECARD_TABLE), ctx.region_code, labels, languages),
        "sources": [_source_view(r, sid) for sid, r in source_rows.items()],
        "vlr_rows": vlr.vlr_section(annex, languages),
    }
    return views, context


_ADDRESS = re.compile(r"https?://[^\s;,()<>\"']+[^\s;,()<>\"'.]")


def addresses(text: str) -> list[str]:
    """Every http(s) address in a catalog field ('url (commit …)', two addresses with ' ; '): one link each."""
    return _ADDRESS.findall(text or "")


def _source_view(row: Mapping[str, Any] | None, source_id: str) -> dict[str, Any]:
    row = row or {}
    url = str(row.get("url") or "")
    return {
        "id": source_id,
        "title": str(row.get("title") or source_id),
        "publisher": str(row.get("publisher") or ""),
        "licence": str(row.get("licence") or ""),
        "url": url,
        "links": addresses(url),
        "retrieved": str(row.get("retrieved") or ""),
        "synthetic": bool(row.get("synthetic")) if row.get("synthetic") is not None else False,
        "caveats": str(row.get("caveats") or ""),
    }


def downloads(files: Sequence[str]) -> dict[str, Any]:
    """The outputs the report links, from the relative paths written beside it (nothing else is linked)."""
    present = set(files)
    return {
        "files": present,
        "sdmx": sorted(f for f in present if f.startswith("sdmx/") and f.endswith(".xml")),
        "opensdg": sorted(f for f in present if f == "opensdg/config_data.yml"),
        "workbook": [f for f in (f"extracts/{extracts.WORKBOOK_NAME}",) if f in present],
        "manifest": [f for f in (OUTPUTS_MANIFEST,) if f in present],
        "all_values": [f for f in ("extracts/indicator_values.csv",) if f in present],
    }


# --------------------------------------------------------------------------------------------- rendering


@functools.cache
def _report_template() -> jinja2.Template:
    """The report's template, compiled once per process (compiling takes longer than rendering it)."""
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["num"] = lambda v, d: Markup(charts.num(float(v), int(d)))
    env.filters["ml"] = lambda t, tag="span": Markup(charts.texts(t, tag=tag))
    env.filters["pct"] = lambda v: Markup(charts.num(100 * float(v), 0))
    return env.from_string(_template_text("report.html.j2"))


def render_report(
    snapshot: Snapshot,
    out_path: Path,
    *,
    vintage: str | None = None,
    series_names_path: Path | None = None,
    generated_at: datetime | None = None,
    default_language: str | None = None,
    titles: Titles | None = None,
    linked_files: Sequence[str] = (),
    annex: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write the report to ``out_path`` (the caller moves it into place). ``linked_files``: the outputs written
    beside it (paths relative to its folder); the page links those and no others."""
    views, context = build_views(snapshot, series_names_path=series_names_path, titles=titles, annex=annex)
    languages = context["languages"]
    lang = default_language if default_language in languages else languages[0]
    template = _report_template()
    stamp = (generated_at or datetime.now(UTC)).astimezone(UTC)
    html = template.render(
        **context,
        indicators=views,
        vintage=vintage,
        run=snapshot.run,
        release_label=snapshot.label(vintage),
        generated=stamp.strftime("%Y-%m-%d %H:%M UTC"),
        default_language=lang,
        links=downloads(linked_files),
        css=Markup(_template_text("report.css")),
        script=Markup(_template_text("report.js")),
        svg=lambda s: Markup(s),
        lang_css=Markup(
            "".join(
                f'html[data-lang="{code}"] [data-l]:not([data-l="{code}"]){{display:none}}'
                for code in languages
            )
        ),
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(html, encoding="utf-8")
    return out_path
