"""IRCEL-CELINE validated NO2 annual means per station of the Brussels network (WFS layer no2_anmean_station)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
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
                    "station_code": text["station_code"].str.strip(),
                    "pollutant": text["pollutant"].str.strip(),
                    "time_period": pd.to_numeric(text["year"], errors="coerce").astype("Int64"),
                    # Empty = the publisher's -9999 (too few valid hours for an annual mean); kept as missing.
                    "no2_ugm3": pd.to_numeric(
                        text["value"].where(text["value"].str.strip() != ""), errors="coerce"
                    ),
                    "no2_ugm3_raw": text["value"],
                    "unit": text["unit"],
                    "nhours": pd.to_numeric(text["nhours"], errors="coerce").astype("Int64"),
                    "value_status": text["value_status"],
                    "network": text["network"],
                    "lon": pd.to_numeric(text["lon"], errors="coerce"),
                    "lat": pd.to_numeric(text["lat"], errors="coerce"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
