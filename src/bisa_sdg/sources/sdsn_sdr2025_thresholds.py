"""SDSN Sustainable Development Report 2025 codebook: optimum, green and red thresholds and lower bound of the
SDG 11 (and related) indicators, from a third-party copy of the codebook (see the source's PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import positioned
from bisa_sdg.sources._sdsn import number, read_commented_csv


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    (item,) = source.files
    text = read_commented_csv(raw_dir / item.path, item.path)
    return positioned(
        text,
        {
            "ind_code": text["IndCode"].str.strip(),
            "sdg": pd.to_numeric(text["SDG"], errors="coerce").astype("Int64"),
            "indicator": text["Indicator"].str.strip(),
            "years_used": text["Years used"].str.strip(),
            "reference_year": pd.to_numeric(text["Reference year"], errors="coerce").astype("Int64"),
            "optimum": number(text["Optimum (= 100)"]),
            "green_threshold": number(text["Green threshold"]),
            "red_threshold": number(text["Red threshold"]),
            "lower_bound": number(text["Lower Bound (=0)"]),
            "justification": text["Justification for Optimum"].str.strip(),
            "data_source": text["Source"].str.strip(),
        },
    )
