"""Statistical annex of a Voluntary Local Review (VLR), machine-readable, in the report's three languages.

Structure after the JRC "European Handbook for SDG Voluntary Local Reviews" (2020; 2022 edition): per SDG
target, the indicators with whether they are harmonised (comparable across EU cities and regions) or local,
the value, the trend, the verdict and the source. The handbook's own lists of harmonised indicators were not
read here: the rule below (a UN global series or an EU SDG indicator is harmonised, an own series is local) is
this project's reading, UNVERIFIED against the handbook. Written as reports/vlr/vlr_annex_<lang>.csv and
shown as a section of the HTML report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bisa_sdg.publish.snapshot import Snapshot, as_records

if TYPE_CHECKING:
    from bisa_sdg.publish.titles import Titles

VLR_DIR = "vlr"
VLR_COLUMNS: tuple[str, ...] = (
    "sdg_target",
    "indicator_id",
    "indicator",
    "series",
    "series_title",
    "indicator_type",
    "indicator_type_label",
    "area",
    "time_period",
    "value",
    "unit",
    "trend",
    "trend_label",
    "verdict_target",
    "verdict",
    "verdict_label",
    "source",
)
# Which headline row of the region gives the verdict: the SDG target itself first, then a numeric target.
_AGENDA_ORDER = {"2030_agenda": 0, "eu_law": 1, "eu_policy": 2, "who": 3, "regional_plan": 4}
# A compound annual growth rate within +-0.1 % a year reads as stable; the trend looks back at most 5 years.
STABLE_CAGR = 0.001
TREND_WINDOW = 5


def indicator_type(indicator_id: str, series: str, un_series: set[str]) -> str:
    """'harmonised' for a UN global series or an EU SDG indicator, 'local' for the region's own series."""
    return "harmonised" if series in un_series or indicator_id.startswith("sdg_") else "local"


def trend_code(cagr: float | None, direction: str | None) -> str:
    """improving / worsening / stable with a desired direction; increasing / decreasing without; n/a without a CAGR."""
    if cagr is None or pd.isna(cagr):
        return "n/a"
    if abs(cagr) < STABLE_CAGR:
        return "stable"
    if direction not in ("increase", "decrease"):
        return "increasing" if cagr > 0 else "decreasing"
    return "improving" if (cagr > 0) == (direction == "increase") else "worsening"


def window_cagr(rows: pd.DataFrame, window: int = TREND_WINDOW) -> float | None:
    """CAGR from the earliest value at most ``window`` years before the latest one to the latest; None when
    there is no earlier value in the window or a value is not positive."""
    rows = rows.sort_values("time_period")
    return _sorted_cagr(rows["time_period"].tolist(), rows["obs_value"].tolist(), window)


def _sorted_cagr(years: Sequence[int], values: Sequence[float], window: int = TREND_WINDOW) -> float | None:
    """window_cagr on a series' years and values already in time order (the annex sorts each series once)."""
    t, vt = int(years[-1]), float(values[-1])
    earlier = [(year, value) for year, value in zip(years, values, strict=True) if t - window <= year < t]
    if not earlier:
        return None
    b, vb = int(earlier[0][0]), float(earlier[0][1])
    if vb <= 0 or vt <= 0:
        return None
    return (vt / vb) ** (1 / (t - b)) - 1


def _verdict_rows(progress: pd.DataFrame | None, region: str) -> dict[str, dict[str, Any]]:
    """The region's headline progress row that the annex shows for each series (see _AGENDA_ORDER): one stable
    sort of all of them, the first row of each series kept."""
    needed = {"series", "ref_area", "headline", "light", "agenda", "target_type", "target_id"}
    if progress is None or progress.empty or not needed <= set(progress.columns):
        return {}  # an older or hand-made warehouse: no verdict rather than a wrong one
    headline = progress["headline"].astype("boolean").fillna(False).astype(bool)
    rows = progress[(progress["ref_area"] == region) & headline & progress["series"].notna()]
    rows = rows.assign(
        _unassessed=rows["light"].isna(),
        _order=rows["agenda"].map(_AGENDA_ORDER).fillna(9),
        _numeric=rows["target_type"] != "numeric",
    ).sort_values(["_unassessed", "_order", "_numeric", "target_id"], na_position="last")
    first = rows.drop_duplicates("series", keep="first")
    return {str(s): rec for s, rec in zip(first["series"].tolist(), first.to_dict("records"), strict=True)}


def _region(areas: pd.DataFrame | None) -> str | None:
    """The code of the region the annex describes (None when curated.areas has no region)."""
    if areas is None or not (areas["level"] == "region").any():
        return None
    return str(areas.loc[areas["level"] == "region", "ref_area"].iloc[0])


def _region_name(areas: pd.DataFrame, region: str, lang: str) -> str:
    name_column = f"name_{lang}"
    if name_column in areas.columns:
        name = areas.loc[areas["ref_area"] == region, name_column].iloc[0]
        return str(name) if isinstance(name, str) and name else region
    return region


def annex_facts(snapshot: Snapshot, titles: Titles, region: str) -> list[dict[str, Any]]:
    """The annex rows before translation (codes, not words): one per indicator x series with a value for the
    region. Built once for every language: the trends and verdicts do not depend on the language."""
    coverage = snapshot.frame("indicator_coverage")
    targets = {} if coverage is None else dict(zip(coverage["indicator_id"], coverage["target"], strict=True))
    values = snapshot.indicator_values
    totals = values[(values["ref_area"] == region) & values["obs_value"].notna()]
    for column in ("sex", "age", "urbanisation", "disability_status"):
        if column in totals.columns:
            totals = totals[totals[column] == "_T"]
    verdicts = _verdict_rows(snapshot.frame("progress"), region)
    un_series = set(titles.un_series)
    facts: list[dict[str, Any]] = []
    for (indicator_id, series), rows in totals.groupby(["indicator_id", "series"]):
        rows = rows.sort_values("time_period")  # once: the latest value and the trend read the same order
        latest = rows.iloc[-1]
        verdict = verdicts.get(str(series), {})
        facts.append(
            {
                "sdg_target": targets.get(indicator_id, ""),
                "indicator_id": indicator_id,
                "series": series,
                "indicator_type": indicator_type(str(indicator_id), str(series), un_series),
                "time_period": int(latest["time_period"]),
                "value": float(latest["obs_value"]),
                "unit": str(latest["unit_measure"] or ""),
                "trend": trend_code(
                    _sorted_cagr(rows["time_period"].tolist(), rows["obs_value"].tolist()),
                    verdict.get("direction"),
                ),
                "verdict_target": verdict.get("target_id"),
                "verdict": verdict.get("category"),
                "source": str(latest.get("source") or ""),
            }
        )
    return facts


def _translated(
    facts: Sequence[Mapping[str, Any]], titles: Titles, labels: Mapping[str, Any], lang: str, area: str
) -> pd.DataFrame:
    """The annex in language ``lang`` from its untranslated rows (annex_facts)."""
    ui, categories, units = labels["ui"], labels.get("progress_categories", {}), labels.get("units", {})
    records = []
    for fact in facts:
        indicator_id, series, kind, trend = (
            fact[k] for k in ("indicator_id", "series", "indicator_type", "trend")
        )
        category = fact["verdict"]
        records.append(
            {
                **fact,
                "indicator": titles.indicator(str(indicator_id)).get(lang, indicator_id),
                "series_title": titles.series(str(series)).get(lang, series),
                "indicator_type_label": ui[f"vlr_{kind}"][lang],
                "area": area,
                "unit": units.get(fact["unit"], {}).get(lang, fact["unit"]),
                "trend_label": ui[f"vlr_trend_{trend.replace('/', '')}"][lang],
                "verdict_label": categories.get(category, {}).get(lang, category) if category else None,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(VLR_COLUMNS))
    return frame.sort_values(["sdg_target", "indicator_id", "series"]).reset_index(drop=True)


def vlr_frame(snapshot: Snapshot, titles: Titles, labels: Mapping[str, Any], lang: str) -> pd.DataFrame:
    """The annex in language ``lang``: one row per SDG target x series with a value for the region."""
    return annex_frames(snapshot, titles, labels, [lang])[lang]


def annex_frames(
    snapshot: Snapshot, titles: Titles, labels: Mapping[str, Any], languages: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """The annex in each language, built once for the CSV files and the report."""
    areas = snapshot.frame("areas")
    region = _region(areas)
    if areas is None or region is None:
        return {lang: pd.DataFrame(columns=list(VLR_COLUMNS)) for lang in languages}
    facts = annex_facts(snapshot, titles, region)
    return {
        lang: _translated(facts, titles, labels, lang, _region_name(areas, region, lang))
        for lang in languages
    }


def write_vlr(out_dir: Path, frames: Mapping[str, pd.DataFrame]) -> list[Path]:
    """reports/vlr/vlr_annex_<lang>.csv for each language of ``frames`` (annex_frames); the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lang, frame in frames.items():
        path = out_dir / f"vlr_annex_{lang}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    return written


TEXT_COLUMNS: tuple[str, ...] = (
    "indicator",
    "series_title",
    "indicator_type_label",
    "trend_label",
    "verdict_label",
)


def vlr_section(frames: Mapping[str, pd.DataFrame], languages: Sequence[str]) -> list[dict[str, Any]]:
    """The annex rows for the HTML report: the text columns as {language: text} (a dash where a language has
    none), the rest as in the CSV."""
    records = {
        lang: as_records(frames[lang]) for lang in languages
    }  # missing cells (NaN in text too) as None
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(records[languages[0]]):
        row = dict(rec)
        for column in TEXT_COLUMNS:
            row[column] = {lang: str(records[lang][i][column] or "–") for lang in languages}
        rows.append(row)
    return rows
