"""Statbel population by municipality on 1 January, one file per year (three different number formats)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.catalog import Source
from bisa_sdg.parsing import parse_count
from bisa_sdg.profile import RegionProfile
from bisa_sdg.sources import read_csv_as_text


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    frames = []
    for item in source.files:
        text = read_csv_as_text(raw_dir / item.path, item.path)
        frames.append(
            pd.DataFrame(
                {
                    "_file": text["_file"],
                    "_line": text["_line"],
                    "refnis": text["NIS_code"].str.strip(),
                    "name_fr": text["municipality_FR"],
                    "name_nl": text["municipality_NL"],
                    "region_label": text["region_FR"],
                    "time_period": int(item.attrs["reference_year"]),
                    "population": pd.array([parse_count(v) for v in text["inhabitants"]], dtype="Int64"),
                    "population_raw": text["inhabitants"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
