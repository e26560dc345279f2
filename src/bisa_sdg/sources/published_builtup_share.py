"""Built-up share of the region's land (FPB indicators.be, from Statbel cadastral land use)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import read_csv_as_text


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    (item,) = source.files
    text = read_csv_as_text(raw_dir / item.path, item.path)
    # The page labels the region by its NUTS code; the warehouse keys areas by REFNIS.
    ref_area = text["geo"].map({profile.region_nuts: profile.region_code}).fillna(text["geo"])
    return pd.DataFrame(
        {
            "_file": text["_file"],
            "_line": text["_line"],
            "ref_area": ref_area,
            "measure": text["indicator"],
            "time_period": pd.to_numeric(text["year"], errors="coerce").astype("Int64"),
            "builtup_share_pct": pd.to_numeric(text["value"], errors="coerce"),
            "unit": text["unit"],
            "source_url": text["source_url"],
            "note": text["note"],
        }
    )
