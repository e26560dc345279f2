"""SDSN & Telos, SDG Index and Dashboards for European Cities 2019: 45 cities, goal scores and indicator values
with their dashboard colours, read from the wide data file into one row per city × measure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.catalog import Source
from bisa_sdg.profile import RegionProfile
from bisa_sdg.sources._sdsn import number, read_commented_csv

_ID_COLUMNS = ("city", "score", "rank", "region")


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    (item,) = source.files
    text = read_commented_csv(raw_dir / item.path, item.path)
    frames = []
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
        frames.append(
            pd.DataFrame(
                {
                    "_file": text["_file"],
                    "_line": text["_line"],
                    "city": text["city"].str.strip(),
                    "city_score": number(text["score"]),
                    "city_rank": pd.to_numeric(text["rank"], errors="coerce").astype("Int64"),
                    "city_region": text["region"].str.strip(),
                    "measure": measure,
                    "measure_label": label,
                    "measure_type": kind,
                    "value": number(text[column]),
                    "value_raw": text[column],
                    "dashboard": text[dashboard].str.strip().replace("", None),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
