"""The HTML report: one self-contained file (inline CSS, JS, SVG) that opens offline, in French, Dutch, English.

For each indicator: the region over time (with the national level beside it when the warehouse has it), the
municipalities compared (bars, and a light map when boundaries are available), the progress assessment when
``curated.progress`` exists, and provenance and caveats in plain words. The report names the release it
belongs to, or says it is an unreleased run, so a figure quoted from it can be traced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import yaml
from markupsafe import Markup

from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.parsing import load_yaml
from bisa_sdg.publish import charts, vlr
from bisa_sdg.publish.charts import Texts
from bisa_sdg.publish.snapshot import NATIONAL_TABLE, PROGRESS_TABLE, SCORECARD_TABLE, Snapshot, as_records

ESTIMATE_NATURES = frozenset({"E", "M"})
MAX_NOTES = 6
# Progress categories grouped for colour (best to worst); anything else is shown neutral.
_CATEGORY_TONE = {
    **dict.fromkeys(
        (
            "target_met",
            "target_achieved",
            "on_track",
            "substantial_progress",
            "significant_progress",
            "favourable",
        ),
        "good",
    ),
    **dict.fromkeys(("fair_progress", "moderate_progress"), "fair"),
    **dict.fromkeys(
        (
            "marginal_progress",
            "limited_progress",
            "insufficient_progress",
            "stagnation",
            "moderate_movement_away",
            "unfavourable_too_slow",
        ),
        "weak",
    ),
    **dict.fromkeys(
        (
            "regression",
            "deterioration",
            "movement_away",
            "significant_movement_away",
            "unfavourable_wrong_direction",
        ),
        "bad",
    ),
}


@cache
def load_labels() -> dict[str, Any]:
    """The labels dictionary (templates/labels.yaml)."""
    text = (resources.files("bisa_sdg.publish") / "templates" / "labels.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


def _template_text(name: str) -> str:
    return (resources.files("bisa_sdg.publish") / "templates" / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------- titles


def humanise(code: str) -> str:
    """'BUILTUP_AREA_PER_CAPITA' -> 'Builtup area per capita': a fallback for a code without a label."""
    words = code.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:] if words else code


def _as_texts(value: Any, languages: Sequence[str]) -> Texts | None:
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(languages, value.strip())
    if isinstance(value, Mapping):
        found = {lang: str(value[lang]).strip() for lang in languages if value.get(lang)}
        if found:
            fallback = found.get("en") or next(iter(found.values()))
            return {lang: found.get(lang, fallback) for lang in languages}
    return None


def load_indicator_config(
    path: Path | None, languages: Sequence[str]
) -> tuple[dict[str, Texts], dict[str, Texts]]:
    """Indicator and series titles from config/indicators.yaml when it exists.

    Accepted shapes: ``indicators:`` as a list of ``{id, title, series}`` or as a mapping id -> ``{title,
    series}``; a title is a string or a ``{fr, nl, en}`` mapping; ``series`` maps a series code to a title (or
    to ``{title: ...}``). Anything else is ignored: titles then fall back to the UN list or the code.
    """
    if path is None or not Path(path).is_file():
        return {}, {}
    try:
        doc = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}, {}
    entries = doc.get("indicators", doc) if isinstance(doc, Mapping) else doc
    if isinstance(entries, Mapping):
        entries = [
            {"id": key, **(val if isinstance(val, Mapping) else {"title": val})}
            for key, val in entries.items()
        ]
    indicators: dict[str, Texts] = {}
    series: dict[str, Texts] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or "id" not in entry:
            continue
        title = _as_texts(entry.get("title") or entry.get("name") or entry.get("titles"), languages)
        if title:
            indicators[str(entry["id"])] = title
        listed = entry.get("series") or {}
        if isinstance(listed, list):
            listed = {str(s.get("code") or s.get("id")): s for s in listed if isinstance(s, Mapping)}
        for code, label in dict(listed).items():
            text = _as_texts(label.get("title") if isinstance(label, Mapping) else label, languages)
            if text:
                series[str(code)] = text
    return indicators, series


# --------------------------------------------------------------------------------------------- boundaries

_CODE_PROPERTIES = ("ref_area", "nis", "refnis", "CD_MUNTY_REFNIS", "code", "id")


def load_boundaries(folder: Path | None, codes: set[str], names: Mapping[str, Texts]) -> list[charts.Shape]:
    """Municipal outlines from the first GeoJSON in ``folder`` whose features carry the municipal codes."""
    if folder is None or not Path(folder).is_dir():
        return []
    for path in sorted(Path(folder).glob("*.geojson")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        shapes = []
        for feature in doc.get("features", []) if isinstance(doc, dict) else []:
            props = feature.get("properties") or {}
            code = next((str(props[k]) for k in _CODE_PROPERTIES if props.get(k) is not None), None)
            geometry = feature.get("geometry") or {}
            if code not in codes:
                continue
            polygons = geometry.get("coordinates") or []
            if geometry.get("type") == "Polygon":
                polygons = [polygons]
            elif geometry.get("type") != "MultiPolygon":
                continue
            rings = tuple(
                tuple((float(pt[0]), float(pt[1])) for pt in ring) for polygon in polygons for ring in polygon
            )
            shapes.append(charts.Shape(code=code, name=names.get(code, {"en": code}), rings=rings))
        if shapes:
            return shapes
    return []


# --------------------------------------------------------------------------------------------- views


@dataclass
class SeriesView:
    code: str
    title: Texts
    unit: Texts
    decimals: int
    un_series: bool
    latest_value: float | None = None
    latest_year: int | None = None
    estimate: bool = False
    synthetic: bool = False
    line_svg: str = ""
    bar_svg: str = ""
    map_svg: str = ""
    municipal_year: int | None = None
    has_national: bool = False
    municipal_estimate: bool = False
    progress: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    table: list[dict[str, Any]] = field(default_factory=list)
    breakdowns: list[str] = field(default_factory=list)


@dataclass
class IndicatorView:
    id: str
    anchor: str
    title: Texts
    series: list[SeriesView]
    sources: list[dict[str, Any]]
    synthetic: bool
    estimate: bool


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


def _assessment(
    rec: Mapping[str, Any], category_col: str, labels: dict[str, Any], languages: Sequence[str]
) -> dict[str, Any]:
    method = str(rec.get("method") or "")
    window = rec.get("eurostat_window")
    category = str(rec.get(category_col) or "")
    method_label = _as_texts(labels.get("progress_methods", {}).get(method), languages) or dict.fromkeys(
        languages, method
    )
    if window is not None and pd.notna(window):
        method_label = {lang: f"{text} ({int(window)})" for lang, text in method_label.items()}
    years = [rec.get(k) for k in ("base_year", "latest_year") if pd.notna(rec.get(k))]
    reason = next(
        (str(rec[k]) for k in ("reason_label", "reason", "note") if pd.notna(rec.get(k)) and rec[k]), ""
    )
    return {
        "method": method,
        "method_label": method_label,
        "category": category,
        "category_label": _as_texts(labels.get("progress_categories", {}).get(category), languages)
        or dict.fromkeys(languages, humanise(category)),
        "tone": _CATEGORY_TONE.get(category, "none"),
        "years": "–".join(str(int(y)) for y in years),
        "reason": reason if category in ("insufficient_data", "no_target") else "",
    }


def _progress_rows(
    progress: list[Record], series: str, region: str, labels: dict[str, Any], languages: Sequence[str]
) -> list[dict[str, Any]]:
    """One entry per target of a series for the region: the headline assessment (the method the scorecard
    uses, when the table marks one) and the other methods' verdicts beside it, since they can disagree."""
    if not progress or "series" not in progress[0]:
        return []
    category_col = next(
        (c for c in ("category", "progress_category", "status", "class") if c in progress[0]), None
    )
    if category_col is None:
        return []
    rows = [r for r in progress if str(r["series"]) == series and str(r.get("ref_area", region)) == region]
    target_col = next((c for c in ("target_id", "target") if c in progress[0]), None)
    groups: dict[str, list[Record]] = {}
    for rec in rows:
        groups.setdefault(str(rec.get(target_col) or "") if target_col else "", []).append(rec)
    out = []
    for target, records in sorted(groups.items()):
        first = next((i for i, r in enumerate(records) if r.get("headline")), 0)
        head = records[first]
        value, year = head.get("target_value"), head.get("target_year")
        out.append(
            {
                "target": target,
                "target_value": charts.format_number(float(value), charts.decimals_for([float(value)]))
                if value is not None
                else None,
                "target_year": int(year) if year is not None else None,
                **_assessment(head, category_col, labels, languages),
                "others": [
                    _assessment(r, category_col, labels, languages)
                    for i, r in enumerate(records)
                    if i != first
                ],
            }
        )
    return out


def _texts_or_code(mapping: Mapping[str, Any], code: str, languages: Sequence[str]) -> Texts:
    return _as_texts(mapping.get(code), languages) or dict.fromkeys(languages, code)


def load_series_names(path: Path | None) -> dict[str, str]:
    """UN series code -> English name from the CL_SERIES list (data/reference/sdmx), when it is there."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError):
        return {}
    if not {"series_code", "series_name"} <= set(table.columns):
        return {}
    return dict(zip(table["series_code"].str.strip(), table["series_name"].str.strip(), strict=True))


@dataclass(frozen=True)
class Titles:
    """Indicator and series titles; first found wins: config/indicators.yaml, labels.yaml, UN lists, the code."""

    languages: tuple[str, ...]
    own_indicators: Mapping[str, Texts]
    own_series: Mapping[str, Texts]
    default_indicators: Mapping[str, Any]
    default_series: Mapping[str, Any]
    un_indicators: Mapping[str, str]
    un_series: Mapping[str, str]
    descriptions: Mapping[str, str] = field(default_factory=dict)  # registry series descriptions (English)

    @classmethod
    def load(
        cls,
        snapshot: Snapshot,
        languages: Sequence[str],
        *,
        indicators_path: Path | None = None,
        series_names_path: Path | None = None,
    ) -> Titles:
        labels = load_labels()
        # The registry as loaded into the warehouse wins over the file: the figures and titles travel together
        # (and a released warehouse keeps the titles it was published with).
        registry = snapshot.extra.get("indicator_registry")
        in_warehouse = isinstance(registry, pd.DataFrame) and "indicator_id" in registry.columns
        own_indicators, own_series = (
            ({}, {}) if in_warehouse else load_indicator_config(indicators_path, languages)
        )
        if in_warehouse:
            for rec in registry.to_dict("records"):
                found = {k: rec.get(f"title_{k}") for k in languages if pd.notna(rec.get(f"title_{k}"))}
                text = _as_texts(found, languages)
                if text:
                    own_indicators = {**own_indicators, str(rec["indicator_id"]): text}
        un_indicators: dict[str, str] = {}
        sdg_ind = snapshot.extra.get("sdg_indicators")
        if isinstance(sdg_ind, pd.DataFrame) and {"indicator_id", "description"} <= set(sdg_ind.columns):
            un_indicators = dict(
                zip(sdg_ind["indicator_id"].astype(str), sdg_ind["description"].astype(str), strict=True)
            )
        un_series = load_series_names(series_names_path)
        sdg_ser = snapshot.extra.get("sdg_series")
        if isinstance(sdg_ser, pd.DataFrame) and {"series_code", "description"} <= set(sdg_ser.columns):
            un_series.update(
                zip(sdg_ser["series_code"].astype(str), sdg_ser["description"].astype(str), strict=True)
            )
        registry_series = snapshot.extra.get("indicator_registry_series")
        descriptions: dict[str, str] = {}
        if isinstance(registry_series, pd.DataFrame) and {"series", "in_dsd"} <= set(registry_series.columns):
            for rec in registry_series.to_dict("records"):
                if isinstance(rec.get("description"), str) and rec["description"].strip():
                    descriptions[str(rec["series"])] = rec["description"].strip()
                flag = rec.get("in_dsd")
                if pd.notna(flag) and bool(flag) and str(rec["series"]) not in un_series:
                    un_series[str(rec["series"])] = str(rec.get("description") or rec["series"])
        return cls(
            tuple(languages),
            own_indicators,
            own_series,
            labels.get("indicator_titles", {}),
            labels.get("series_titles", {}),
            un_indicators,
            un_series,
            descriptions,
        )

    def indicator(self, indicator_id: str) -> Texts:
        return (
            self.own_indicators.get(indicator_id)
            or _as_texts(self.default_indicators.get(indicator_id), self.languages)
            or dict.fromkeys(self.languages, self.un_indicators.get(indicator_id, indicator_id))
        )

    def series(self, code: str) -> Texts:
        described = self.descriptions.get(code, "").split(";")[0].strip()
        return (
            self.own_series.get(code)
            or _as_texts(self.default_series.get(code), self.languages)
            or dict.fromkeys(
                self.languages,
                self.un_series.get(code) or (described[:1].upper() + described[1:]) or humanise(code),
            )
        )

    def is_un(self, code: str) -> bool:
        """In the UN series lists (CL_SERIES copy, UN API list): a series a UN submission can carry."""
        return code in self.un_series


def _series_view(
    indicator_id: str,
    code: str,
    rows: list[Record],
    national: Mapping[int, Record],
    *,
    titles: Titles,
    labels: dict[str, Any],
    region_code: str,
    region_name: Texts,
    municipalities: set[str],
    area_names: Mapping[str, Texts],
    shapes: Sequence[charts.Shape],
) -> SeriesView:
    """One series: its charts (region over time with the country, municipalities, map), table and notes."""
    languages = list(labels["languages"])
    ui = labels["ui"]
    unit_code = next((str(r["unit_measure"]) for r in rows if r.get("unit_measure")), "")
    view = SeriesView(
        code=code,
        title=titles.series(code),
        unit=_texts_or_code(labels.get("units", {}), unit_code, languages)
        if unit_code
        else dict.fromkeys(languages, ""),
        decimals=0,
        un_series=titles.is_un(code),
        estimate=any(_estimate(r) for r in rows),
        synthetic=any(bool(r.get("synthetic")) for r in rows),
        breakdowns=[c for c in BREAKDOWN_COLUMNS if any(str(r.get(c) or "_T") != "_T" for r in rows)],
    )
    head = [r for r in rows if _is_headline(r) and r.get("obs_value") is not None]
    region_rows = sorted(
        (r for r in head if str(r["ref_area"]) == region_code), key=lambda r: r["time_period"]
    )
    region_points = tuple(
        charts.Point(int(r["time_period"]), float(r["obs_value"]), _estimate(r)) for r in region_rows
    )
    national_points = tuple(
        charts.Point(year, float(r["obs_value"]), _estimate(r)) for year, r in sorted(national.items())
    )
    view.has_national = bool(national_points)
    # Decimals per chart: enough to tell the region's years apart, whatever the municipalities' range.
    decimals = view.decimals = charts.decimals_for(
        [p.value for p in region_points + national_points] or [float(r["obs_value"]) for r in head]
    )
    if region_points:
        view.latest_value, view.latest_year = region_points[-1].value, region_points[-1].year
        lines = [charts.Line(name=region_name, points=region_points)]
        if national_points:
            lines.append(
                charts.Line(
                    name=ui["national"], points=national_points, colour=charts.NATIONAL_COLOUR, dashed=True
                )
            )
        view.line_svg = charts.line_chart(lines, decimals=decimals, title=f"{indicator_id} {code}")
    by_year: dict[int, dict[str, Any]] = {
        p.year: {"year": p.year, "region": p.value, "region_estimate": p.estimate} for p in region_points
    }
    for p in national_points:
        by_year.setdefault(p.year, {"year": p.year})["national"] = p.value
    view.table = [by_year[y] for y in sorted(by_year)]
    municipal = [r for r in head if str(r["ref_area"]) in municipalities]
    if municipal:
        year = max(int(r["time_period"]) for r in municipal)
        view.municipal_year = year
        latest = {str(r["ref_area"]): r for r in municipal if int(r["time_period"]) == year}
        view.municipal_estimate = any(_estimate(r) for r in latest.values())
        decimals = charts.decimals_for([float(r["obs_value"]) for r in latest.values()])
        bars = [
            charts.Bar(
                code=c,
                name=area_names.get(c, {"en": c}),
                value=float(latest[c]["obs_value"]) if c in latest else None,
                estimate=_estimate(latest[c]) if c in latest else False,
            )
            for c in sorted(municipalities)
        ]
        reference = next((p.value for p in region_points if p.year == year), None)
        view.bar_svg = charts.bar_chart(
            bars,
            decimals=decimals,
            title=f"{indicator_id} {code} {year}",
            reference=reference,
            reference_name=region_name,
            no_data=ui["no_data"],
        )
        if shapes:
            view.map_svg = charts.choropleth(
                shapes,
                {c: float(r["obs_value"]) for c, r in latest.items()},
                decimals=decimals,
                title=f"{indicator_id} {code} {year}",
                no_data=ui["no_data"],
            )
    notes = [str(r["comment"]) for r in region_rows if str(r.get("comment") or "").strip()]
    if not notes:
        notes = [str(r["comment"]) for r in rows if str(r.get("comment") or "").strip()]
    # Notes that differ only in their numbers (the year, a count) are one note: keep the latest.
    distinct: dict[str, str] = {}
    for note in reversed(notes):
        distinct.setdefault(re.sub(r"\d+", "#", note), note)
    view.notes = list(reversed(distinct.values()))[-MAX_NOTES:]
    return view


def build_views(
    snapshot: Snapshot,
    *,
    indicators_path: Path | None = None,
    boundaries_dir: Path | None = None,
    series_names_path: Path | None = None,
    titles: Titles | None = None,
) -> tuple[list[IndicatorView], dict[str, Any]]:
    """Everything the template shows, from the snapshot (no I/O besides the optional config files)."""
    labels = load_labels()
    languages: list[str] = list(labels["languages"])
    areas = list(snapshot.area_records.values())
    region = next((r for r in areas if r.get("level") == "region"), {"ref_area": "", "parent_area": None})
    region_code = str(region["ref_area"])
    country_code = str(region.get("parent_area") or "") or None

    def names_of(row: Mapping[str, Any]) -> Texts:
        found = {lang: str(row[f"name_{lang}"]) for lang in languages if row.get(f"name_{lang}")}
        fallback = found.get("en") or next(iter(found.values()), str(row.get("ref_area")))
        return {lang: found.get(lang, fallback) for lang in languages}

    area_names = {str(r["ref_area"]): names_of(r) for r in areas}
    municipalities = {str(r["ref_area"]) for r in areas if r.get("level") == "municipality"}
    region_name = area_names.get(region_code, dict.fromkeys(languages, region_code))

    titles = titles or Titles.load(
        snapshot, languages, indicators_path=indicators_path, series_names_path=series_names_path
    )

    sources = snapshot.sources
    source_rows = {str(r["source_id"]): r for r in sources.to_dict("records")} if not sources.empty else {}
    values = snapshot.value_records
    national = _national_records(snapshot, values, country_code)
    progress_frame = snapshot.frame(PROGRESS_TABLE)
    progress = as_records(progress_frame)
    shapes = load_boundaries(boundaries_dir, municipalities, area_names)
    ui = labels["ui"]

    by_indicator: dict[str, dict[str, list[Record]]] = {}
    for rec in values:
        by_indicator.setdefault(str(rec["indicator_id"]), {}).setdefault(str(rec["series"]), []).append(rec)
    national_by_series: dict[str, dict[int, Record]] = {}
    for rec in sorted(national, key=lambda r: int(r["time_period"])):
        national_by_series.setdefault(str(rec["series"]), {})[int(rec["time_period"])] = rec  # last one wins

    views: list[IndicatorView] = []
    for indicator_id in sorted(by_indicator, key=_sort_key):
        series_rows = by_indicator[indicator_id]
        series_views = []
        # UN series first (the ones a UN submission carries), then own and EU series.
        for code in sorted(series_rows, key=lambda c: (not titles.is_un(c), c)):
            srows = series_rows[code]
            view = _series_view(
                indicator_id,
                code,
                srows,
                national_by_series.get(code, {}),
                titles=titles,
                labels=labels,
                region_code=region_code,
                region_name=region_name,
                municipalities=municipalities,
                area_names=area_names,
                shapes=shapes,
            )
            view.progress = _progress_rows(progress, code, region_code, labels, languages)
            series_views.append(view)
        rows = [r for srows in series_rows.values() for r in srows]
        source_ids = sorted(
            {s.strip() for r in rows for s in str(r.get("source") or "").split(",") if s.strip()}
        )
        views.append(
            IndicatorView(
                id=indicator_id,
                anchor=_anchor(indicator_id),
                title=titles.indicator(indicator_id),
                series=series_views,
                sources=[_source_view(source_rows.get(s), s) for s in source_ids],
                synthetic=any(v.synthetic for v in series_views),
                estimate=any(v.estimate for v in series_views),
            )
        )
    context = {
        "languages": languages,
        "language_names": labels["language_names"],
        "ui": ui,
        "nature_labels": labels.get("nature", {}),
        "region_name": region_name,
        "region_code": region_code,
        "has_progress": progress_frame is not None,
        "agendas": _agendas(snapshot.frame(SCORECARD_TABLE), region_code),
        "has_map": bool(shapes),
        "sources": [_source_view(r, sid) for sid, r in source_rows.items()],
        "vlr_rows": vlr.vlr_section(snapshot, titles, labels, languages),
    }
    return views, context


def _agendas(scorecard: pd.DataFrame | None, region: str) -> list[dict[str, Any]]:
    """The region's rows of curated.agenda_scorecard (when another step built it): label, targets, summary."""
    if scorecard is None or scorecard.empty or "headline" not in scorecard.columns:
        return []
    rows = scorecard
    if "ref_area" in rows.columns:
        rows = rows[rows["ref_area"].astype(str) == region]
    return [
        {
            "label": str(rec.get("agenda_group_label") or rec.get("agenda_group") or ""),
            "targets": int(rec["n_targets"]) if pd.notna(rec.get("n_targets")) else "",
            "headline": str(rec.get("headline") or ""),
        }
        for rec in rows.to_dict("records")
    ]


def _source_view(row: Mapping[str, Any] | None, source_id: str) -> dict[str, Any]:
    if row is None:
        return {
            "id": source_id,
            "title": source_id,
            "publisher": "",
            "licence": "",
            "url": "",
            "retrieved": "",
            "synthetic": False,
            "caveats": "",
        }
    url = str(row.get("url") or "")
    return {
        "id": source_id,
        "title": str(row.get("title") or source_id),
        "publisher": str(row.get("publisher") or ""),
        "licence": str(row.get("licence") or ""),
        "url": url,
        "link": url if url.startswith(("https://", "http://")) else "",
        "retrieved": str(row.get("retrieved") or ""),
        "synthetic": bool(row.get("synthetic")) if pd.notna(row.get("synthetic")) else False,
        "caveats": str(row.get("caveats") or ""),
    }


# --------------------------------------------------------------------------------------------- rendering


def render_report(
    snapshot: Snapshot,
    out_path: Path,
    *,
    vintage: str | None = None,
    indicators_path: Path | None = None,
    boundaries_dir: Path | None = None,
    series_names_path: Path | None = None,
    generated_at: datetime | None = None,
    default_language: str | None = None,
    titles: Titles | None = None,
) -> Path:
    """Write the report to ``out_path`` (the caller moves it into place)."""
    views, context = build_views(
        snapshot,
        indicators_path=indicators_path,
        boundaries_dir=boundaries_dir,
        series_names_path=series_names_path,
        titles=titles,
    )
    languages = context["languages"]
    lang = default_language if default_language in languages else languages[0]
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["num"] = lambda v, d: Markup(charts.num(float(v), int(d)))
    env.filters["ml"] = lambda t, tag="span": Markup(charts.texts(t, tag=tag))
    template = env.from_string(_template_text("report.html.j2"))
    stamp = (generated_at or datetime.now(UTC)).astimezone(UTC)
    html = template.render(
        **context,
        indicators=views,
        vintage=vintage,
        run=snapshot.run,
        release_label=snapshot.label(vintage),
        generated=stamp.strftime("%Y-%m-%d %H:%M UTC"),
        default_language=lang,
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
