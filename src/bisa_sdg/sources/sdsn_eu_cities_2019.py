"""SDSN & Telos, SDG Index and Dashboards for European Cities 2019: 45 cities, goal scores and indicator values
with their dashboard colours, read from the wide data file into one row per city × measure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import TEXT
from bisa_sdg.sources._sdsn import number, read_commented_csv

_ID_COLUMNS = ("city", "score", "rank", "region")


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    (item,) = source.files
    text = read_commented_csv(raw_dir / item.path, item.path)
    measures = []  # (value column, measure, label, kind, colour column)
    for column in text.columns:
        if column in ("_file", "_line", *_ID_COLUMNS) or column.startswith("Dashboard"):
            continue
        # Goal scores are 'SDG11' (colour in 'Dashboard SDG11'); indicators 'sdg11_pm25 : label' (colour in
        # 'Dashboard: label').
        if " : " in column:
            measure, label = (part.strip() for part in column.split(" : ", 1))
            kind, dashboard = "indicator", f"Dashboard: {column.split(' : ', 1)[1]}"
        else:
            measure, kind, dashboard = column.strip(), "goal_score", f"Dashboard {column}"
            label = f"{measure} goal score (0-100)"
        if dashboard not in text.columns:
            raise ValueError(f"{item.path}: no colour column {dashboard!r} for {column!r}: layout changed?")
        measures.append((column, measure, label, kind, dashboard))
    # Long format, measure by measure, every city under each: the city columns repeat once per measure.
    cities = pd.DataFrame(
        {
            "_file": text["_file"],
            "_line": text["_line"],
            "city": text["city"].str.strip(),
            "city_score": number(text["score"]),
            "city_rank": pd.to_numeric(text["rank"], errors="coerce").astype("Int64"),
            "city_region": text["region"].str.strip(),
        }
    )
    long = cities.iloc[np.tile(np.arange(len(text)), len(measures))].reset_index(drop=True)
    for name, position in (("measure", 1), ("measure_label", 2), ("measure_type", 3)):
        long[name] = pd.Series(np.repeat([m[position] for m in measures], len(text)), dtype="str")
    value_raw = _stacked(text, [m[0] for m in measures])
    long["value"] = number(value_raw)
    long["value_raw"] = value_raw
    long["dashboard"] = _stacked(text, [m[4] for m in measures]).str.strip().replace("", None)
    return long


def _stacked(text: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The columns one under the other, as one text column (one numpy reshape, not a concat of the Series)."""
    cells = text[columns].to_numpy(dtype=object).ravel(order="F")
    return pd.Series(cells, dtype=text[columns[0]].dtype if columns else TEXT)
