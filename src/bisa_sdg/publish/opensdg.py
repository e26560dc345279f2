"""Open SDG data: the input format of open-sdg/sdg-build, so the region can publish its own Open SDG site.

Layout written (sdg-build's ``InputCsvData`` + ``InputYamlMeta``, as in open-sdg-data-starter):

* ``data/indicator_<id>.csv`` — first column ``Year``, last ``Value``, ``GeoCode`` second to last; between
  them ``Series`` and ``Units`` (Open SDG's top-level selectors), the SDG breakdowns that the indicator uses, and
  ``Municipality``. A blank cell means "total": the region's rows have every breakdown blank and no GeoCode,
  so they are the headline; each municipality has its name and its code in ``GeoCode`` (for Open SDG maps).
  ``COMMENT_OBS`` (sdg-build's default observation attribute) carries the method note of each value.
* ``meta/<id>.yml`` — indicator metadata (name, units, sources, caveats, the release), in English;
  ``meta/fr/<id>.yml`` and ``meta/nl/<id>.yml`` — the same fields in French and Dutch where they are text
  (indicator name from the registry, units, area name, notices); sdg-build overlays them per language.
* ``config_data.yml`` — the sdg-build configuration as Open SDG's data starter writes it: languages, the
  metadata ``schema_file`` (shipped: ``metadata_schema.yml``), translations pinned to sdg-translations 2.3.0
  plus the export's own ``translations/`` (Dutch, which sdg-translations lacks), and ``indicator_options``
  declaring the columns that are not breakdowns (``COMMENT_OBS`` among them: else sdg-build takes it for a
  breakdown and the headline, the rows without any, comes out empty).

Static files (schema, Dutch translations) come from ``opensdg_files/`` in this package; PROVENANCE.md there.

Indicator ids: '11.3.1' -> '11-3-1'. Open SDG ids are goal-target-indicator; an EU code 'sdg_11_40' becomes
'11-eu-40' (goal 11, pseudo-target 'eu') and keeps its code in ``indicator_number``.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.publish.report import ESTIMATE_NATURES
from bisa_sdg.publish.snapshot import Snapshot, as_records
from bisa_sdg.publish.titles import Titles, humanise, load_labels

_EU_CODE = re.compile(r"^sdg_(\d{1,2})_(\w+)$", re.IGNORECASE)
MUNICIPALITY = "Municipality"
COMMENT_OBS = "COMMENT_OBS"
SCHEMA_FILE = "metadata_schema.yml"
TRANSLATIONS_DIR = "translations"
SDG_TRANSLATIONS_TAG = "2.3.0"  # the sdg-translations release sdg-build 2.3.0 is tested with
# sdg-build's defaults (open_sdg_indicator_options_defaults, 2.3.0) plus the observation attribute the files carry:
# a column missing here is a breakdown, and a headline is the rows where every breakdown is blank.
NON_DISAGGREGATION_COLUMNS = (
    "Year",
    "Units",
    "Series",
    "Value",
    "GeoCode",
    "Observation status",
    "Unit multiplier",
    "Unit measure",
    "UNIT_MEASURE",
    "SERIES",
    "COMMENT_TS",
    "DATA_LAST_UPDATE",
    COMMENT_OBS,
)
# Metadata notices in each language (keyed as in _meta: synthetic inputs, estimates).
NOTICES = {
    "synthetic": {
        "en": (
            "Invented data",
            "At least one value rests on invented sample data: it is not an official figure.",
        ),
        "fr": (
            "Données inventées",
            "Au moins une valeur repose sur des données d'exemple inventées : ce n'est pas un chiffre officiel.",
        ),
        "nl": (
            "Verzonnen gegevens",
            "Minstens één waarde berust op verzonnen voorbeeldgegevens: het is geen officieel cijfer.",
        ),
    },
    "estimate": {
        "en": (
            "Estimates and proxies",
            "Some values are estimates or rest on a proxy; see the footnote of each value (COMMENT_OBS).",
        ),
        "fr": (
            "Estimations et approximations",
            "Certaines valeurs sont des estimations ou reposent sur une approximation ; voir la note de chaque "
            "valeur (COMMENT_OBS).",
        ),
        "nl": (
            "Ramingen en benaderingen",
            "Sommige waarden zijn ramingen of berusten op een benadering; zie de voetnoot bij elke waarde "
            "(COMMENT_OBS).",
        ),
    },
}


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
    notice = _notice(rows)
    if notice:
        meta["data_notice_class"] = "warning" if notice == "synthetic" else "info"
        meta["data_notice_heading"], meta["data_notice_text"] = NOTICES[notice]["en"]
    return meta


def _notice(rows: list[dict[str, Any]]) -> str | None:
    if any(bool(r.get("synthetic")) for r in rows):
        return "synthetic"
    if any(str(r.get("nature") or "") in ESTIMATE_NATURES for r in rows):
        return "estimate"
    return None


def translated_meta(
    language: str,
    rows: list[dict[str, Any]],
    *,
    title: str,
    units: list[str],
    region_name: str,
) -> dict[str, Any]:
    """The text fields of an indicator's metadata in another language (meta/<language>/<id>.yml)."""
    meta: dict[str, Any] = {
        "indicator_name": title,
        "graph_title": title,
        "national_geographical_coverage": region_name,
        "computation_units": ", ".join(units),
    }
    notice = _notice(rows)
    if notice:
        meta["data_notice_heading"], meta["data_notice_text"] = NOTICES[notice][language]
    return meta


def data_config(languages: list[str]) -> dict[str, Any]:
    """config_data.yml as open-sdg-data-starter writes it, for the files of this export."""
    return {
        "languages": languages,
        "site_dir": "_site",
        "schema_file": SCHEMA_FILE,
        "src_dir": "",
        "inputs": [
            {"class": "InputCsvData", "path_pattern": "data/*-*.csv"},
            # git: False — the export is not a git checkout; the data repository that holds it may set True.
            {"class": "InputYamlMeta", "path_pattern": "meta/*-*.yml", "git": False},
        ],
        "translations": [
            {
                "class": "TranslationInputSdgTranslations",
                "source": "https://github.com/open-sdg/sdg-translations.git",
                "tag": SDG_TRANSLATIONS_TAG,
            },
            {"class": "TranslationInputYaml", "source": TRANSLATIONS_DIR},
        ],
        "indicator_options": {
            "non_disaggregation_columns": list(NON_DISAGGREGATION_COLUMNS),
            "observation_attributes": [COMMENT_OBS],
            "series_column": "Series",
            "unit_column": "Units",
        },
        "reporting_status_extra_fields": [],
        "docs_branding": "SDG 11 data build documentation",
        "docs_intro": "Open SDG data of the SDG 11 indicators, built by sdg-build.",
    }


def _copy_static(out_dir: Path) -> list[Path]:
    """The schema file and the Dutch translations, from this package."""
    source = resources.files("bisa_sdg.publish") / "opensdg_files"
    written = []
    with resources.as_file(source) as folder:
        shutil.copyfile(folder / SCHEMA_FILE, out_dir / SCHEMA_FILE)
        written.append(out_dir / SCHEMA_FILE)
        for path in sorted((folder / TRANSLATIONS_DIR).rglob("*.yml")):
            target = out_dir / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(target)
    return written


def write_opensdg(
    snapshot: Snapshot, out_dir: Path, *, vintage: str | None, titles: Titles | None = None
) -> list[Path]:
    """Write the Open SDG data and metadata folders; returns the files written."""
    out_dir = Path(out_dir)
    (out_dir / "data").mkdir(parents=True, exist_ok=True)
    (out_dir / "meta").mkdir(parents=True, exist_ok=True)
    labels = load_labels()
    languages = list(labels["languages"])
    other_languages = [lang for lang in languages if lang != "en"]
    unit_labels = labels.get("units", {})
    units = {code: str(texts.get("en", code)) for code, texts in unit_labels.items()}
    areas = snapshot.area_records
    region = next((a for a in areas.values() if a.get("level") == "region"), {})
    region_name = str(region.get("name_en") or "")
    titles = titles or Titles.load(snapshot, languages)
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
        names = titles.indicator(indicator_id)
        title = names.get("en") or indicator_id
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
        used_units = sorted({str(r.get("unit_measure") or "") for r in rows})
        for lang in other_languages:
            local = translated_meta(
                lang,
                rows,
                title=names.get(lang) or title,
                units=sorted({str(unit_labels.get(u, {}).get(lang, u)) for u in used_units}),
                region_name=str(region.get(f"name_{lang}") or region_name),
            )
            local_path = out_dir / "meta" / lang / f"{file_id}.yml"
            local_path.parent.mkdir(exist_ok=True)
            local_path.write_text(
                yaml.safe_dump(local, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
            written.append(local_path)
    written += _copy_static(out_dir)
    config = data_config(languages)
    config_path = out_dir / "config_data.yml"
    config_path.write_text(
        "# sdg-build configuration for these files (open_sdg_build(config='config_data.yml')).\n"
        f"# Written by bisa-sdg: {snapshot.label(vintage)}.\n" + yaml.safe_dump(config, sort_keys=False),
        encoding="utf-8",
    )
    written.append(config_path)
    return written
