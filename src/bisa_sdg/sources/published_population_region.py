"""The region's population on 1 January as published (Statbel/IBSA figures quoted on public pages)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import parse_counts
from bisa_sdg.sources import positioned, read_only_csv


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    text = read_only_csv(source, raw_dir)
    return positioned(
        text,
        {
            "ref_area": profile.region_code,
            "time_period": pd.to_numeric(text["year_1jan"], errors="coerce").astype("Int64"),
            "population": parse_counts(text["population"]),
            "population_raw": text["population"],
            "derived": text["note"].str.contains("DERIVED", regex=False),
            "source_url": text["source"],
            "note": text["note"],
        },
    )
