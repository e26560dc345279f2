"""Open SDG data: the input format of open-sdg/sdg-build, so the region can publish its own Open SDG site.

Layout written (sdg-build's ``InputCsvData`` + ``InputYamlMeta``, as in open-sdg-data-starter):

* ``data/indicator_<id>.csv`` — first column ``Year``, last ``Value``, ``GeoCode`` second to last; between
  them ``Series`` and ``Units`` (Open SDG's top-level selectors), the SDG breakdowns that the indicator uses, and
  ``Municipality``. A blank cell means "total": the region's rows have every breakdown blank and no GeoCode,
  so they are the headline; each municipality has its name and its code in ``GeoCode`` (for Open SDG maps).
  ``COMMENT_OBS`` (sdg-build's default observation attribute) carries the method note of each value.
* ``meta/<id>.yml`` — indicator metadata (name, units, sources, caveats, the release).
* ``config_data.yml`` — an sdg-build configuration reading the two folders, in French, Dutch and English.

Indicator ids: '11.3.1' -> '11-3-1'. Open SDG ids are goal-target-indicator; an EU code 'sdg_11_40' becomes
'11-eu-40' (goal 11, pseudo-target 'eu') and keeps its code in ``indicator_number``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.publish.report import ESTIMATE_NATURES, Titles, humanise, load_labels
from bisa_sdg.publish.snapshot import Snapshot, as_records

_EU_CODE = re.compile(r"^sdg_(\d{1,2})_(\w+)$", re.IGNORECASE)
MUNICIPALITY = "Municipality"


def opensdg_id(indicator_id: str) -> str:
    """The Open SDG file id of an indicator: dots (and underscores) to dashes, EU codes under their goal."""
    eu = _EU_CODE.match(indicator_id)
    if eu:
        return f"{int(eu.group(1))}-eu-{eu.group(2).replace('_', '-').lower()}"
    return re.sub(r"[^A-Za-z0-9]+", "-", indicator_id).strip("-").lower()


def _column_name(breakdown: str) -> str:
    """'income_wealth_quantile' -> 'Income wealth quantile' (a readable column header)."""
    return humanise(breakdown)


def indicator_frame(
    values: list[dict[str, Any]], areas: dict[str, dict[str, Any]], units: dict[str, str]
) -> pd.DataFrame:
    """One indicator's rows in Open SDG column order; headline (region, no breakdown) rows first."""
    breakdowns = [c for c in BREAKDOWN_COLUMNS if any(str(r.get(c) or "_T") != "_T" for r in values)]
    rows = []
    for rec in values:
        area = str(rec["ref_area"])
        level = areas.get(area, {}).get("level")
        if level not in ("region", "municipality"):
            continue  # national or other context rows belong to other outputs
        municipal = level == "municipality"
        unit = str(rec.get("unit_measure") or "")
        row: dict[str, Any] = {
            "Year": int(rec["time_period"]),
            "Series": str(rec["series"]),
            "Units": units.get(unit, unit),
        }
        for column in breakdowns:
            code = str(rec.get(column) or "_T")
            row[_column_name(column)] = "" if code == "_T" else code
        row[MUNICIPALITY] = str(areas[area].get("name_en") or area) if municipal else ""
        row["COMMENT_OBS"] = str(rec.get("comment") or "").strip()
        row["GeoCode"] = area if municipal else ""
        row["Value"] = rec.get("obs_value")
        row["_headline"] = not municipal and all(row[_column_name(c)] == "" for c in breakdowns)
        rows.append(row)
    rows.sort(
        key=lambda r: (
            not r["_headline"],
            r["Series"],
            r[MUNICIPALITY],
            *(r[_column_name(c)] for c in breakdowns),
            r["Year"],
        )
    )
    columns = [
        "Year",
        "Series",
        "Units",
        *[_column_name(c) for c in breakdowns],
        MUNICIPALITY,
        "COMMENT_OBS",
        "GeoCode",
        "Value",
    ]
    return pd.DataFrame(rows, columns=columns)


def _meta(
    indicator_id: str,
    rows: list[dict[str, Any]],
    snapshot: Snapshot,
    *,
    title: str,
    units: list[str],
    region_name: str,
    vintage: str | None,
) -> dict[str, Any]:
    eu = _EU_CODE.match(indicator_id)
    goal = eu.group(1) if eu else indicator_id.split(".")[0]
    source_ids = sorted({s.strip() for r in rows for s in str(r.get("source") or "").split(",") if s.strip()})
    sources = {str(r["source_id"]): r for r in as_records(snapshot.sources)}
    areas = snapshot.area_records
    meta: dict[str, Any] = {
        "indicator_number": indicator_id,
        "indicator_name": title,
        "graph_title": title,
        "graph_type": "line",
        "sdg_goal": str(goal),
        "reporting_status": "complete",
        "data_non_statistical": False,
        "data_show_map": any(areas.get(str(r["ref_area"]), {}).get("level") == "municipality" for r in rows),
        "national_geographical_coverage": region_name,
        "computation_units": ", ".join(units),
        "standalone": False,
        "data_footnote": f"SDG 11 indicators, {snapshot.label(vintage)}"
        + (f" (run {snapshot.run.run_id})." if vintage else "."),
    }
    for n, source_id in enumerate(source_ids, start=1):
        rec = sources.get(source_id, {})
        meta[f"source_active_{n}"] = True
        meta[f"source_organisation_{n}"] = str(rec.get("publisher") or source_id)
        meta[f"source_url_{n}"] = str(rec.get("url") or "")
        meta[f"source_url_text_{n}"] = str(rec.get("title") or source_id)
        meta[f"source_other_info_{n}"] = "; ".join(
            part
            for part in (
                f"licence: {rec.get('licence')}" if rec.get("licence") else "",
                f"retrieved: {rec.get('retrieved')}" if rec.get("retrieved") else "",
                str(rec.get("caveats") or ""),
            )
            if part
        )
    synthetic = any(bool(r.get("synthetic")) for r in rows)
    estimate = any(str(r.get("nature") or "") in ESTIMATE_NATURES for r in rows)
    if synthetic or estimate:
        meta["data_notice_class"] = "warning" if synthetic else "info"
        meta["data_notice_heading"] = "Invented data" if synthetic else "Estimates and proxies"
        meta["data_notice_text"] = (
            "At least one value rests on invented sample data: it is not an official figure."
            if synthetic
            else "Some values are estimates or rest on a proxy; see the footnote of each value (COMMENT_OBS)."
        )
    return meta


def write_opensdg(
    snapshot: Snapshot, out_dir: Path, *, vintage: str | None, titles: Titles | None = None
) -> list[Path]:
    """Write the Open SDG data and metadata folders; returns the files written."""
    out_dir = Path(out_dir)
    (out_dir / "data").mkdir(parents=True, exist_ok=True)
    (out_dir / "meta").mkdir(parents=True, exist_ok=True)
    labels = load_labels()
    units = {code: str(texts.get("en", code)) for code, texts in labels.get("units", {}).items()}
    areas = snapshot.area_records
    region_name = next(
        (str(a.get("name_en") or "") for a in areas.values() if a.get("level") == "region"), ""
    )
    titles = titles or Titles.load(snapshot, list(labels["languages"]))
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for rec in snapshot.value_records:
        by_indicator.setdefault(str(rec["indicator_id"]), []).append(rec)
    written: list[Path] = []
    for indicator_id, rows in sorted(by_indicator.items()):
        frame = indicator_frame(rows, areas, units)
        if frame.empty:
            continue
        file_id = opensdg_id(indicator_id)
        data_path = out_dir / "data" / f"indicator_{file_id}.csv"
        frame.to_csv(data_path, index=False, lineterminator="\n", encoding="utf-8")
        title = titles.indicator(indicator_id).get("en") or indicator_id
        meta = _meta(
            indicator_id,
            rows,
            snapshot,
            title=title,
            units=sorted(set(frame["Units"])),
            region_name=region_name,
            vintage=vintage,
        )
        meta_path = out_dir / "meta" / f"{file_id}.yml"
        meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
        written += [data_path, meta_path]
    config = {
        "languages": list(labels["languages"]),
        "site_dir": "_site",
        "src_dir": "",
        "inputs": [
            {"class": "InputCsvData", "path_pattern": "data/*-*.csv"},
            {"class": "InputYamlMeta", "path_pattern": "meta/*-*.yml", "git": False},
        ],
    }
    config_path = out_dir / "config_data.yml"
    config_path.write_text(
        "# sdg-build configuration for these files (open_sdg_build(config='config_data.yml')).\n"
        f"# Written by bisa-sdg: {snapshot.label(vintage)}.\n" + yaml.safe_dump(config, sort_keys=False),
        encoding="utf-8",
    )
    written.append(config_path)
    return written
