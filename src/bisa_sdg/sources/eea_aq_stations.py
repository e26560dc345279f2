"""EEA e-Reporting metadata of the air-quality stations of the Brussels network: type, area, municipality."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import positioned, read_only_csv


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    text = read_only_csv(source, raw_dir)
    return positioned(
        text,
        {
            "station_code": text["Air Quality Station Nat Code"].str.strip(),
            "eoi_code": text["Air Quality Station EoI Code"].str.strip(),
            "station_name": text["Air Quality Station Name"].str.strip(),
            "lon": pd.to_numeric(text["Longitude"], errors="coerce"),
            "lat": pd.to_numeric(text["Latitude"], errors="coerce"),
            "station_area": text["Air Quality Station Area"].str.strip(),
            "station_type": text["Air Quality Station Type"].str.strip(),
            # As published: one name or "Dutch=French" (e.g. "Ukkel=Uccle"); matched to REFNIS in staging.
            "municipality_label": text["Municipality"].str.strip(),
            "pollutants": text["pollutants"],
        },
    )
