"""SNCB/NMBS GTFS stops in a Brussels bounding box (stations and their platforms), projected to Lambert 72.

GTFS gives WGS84 only; the reader adds Lambert 72 metres (x, y) so distances can be measured in SQL. All rows
are kept (platforms, location_type 0, and stations, location_type 1); the SQL models use the stations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import read_csv_as_text
from bisa_sdg.sources.geo import wgs84_to_lambert72


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    frames = []
    for item in source.files:
        text = read_csv_as_text(raw_dir / item.path, item.path)
        lat = pd.to_numeric(text["stop_lat"].str.strip(), errors="coerce").astype(float)
        lon = pd.to_numeric(text["stop_lon"].str.strip(), errors="coerce").astype(float)
        x, y = wgs84_to_lambert72(lon, lat)
        frames.append(
            pd.DataFrame(
                {
                    "_file": text["_file"],
                    "_line": text["_line"],
                    "stop_id": text["stop_id"].str.strip(),
                    "stop_name": text["stop_name"],
                    "location_type": text["location_type"].str.strip(),
                    "parent_station": text["parent_station"].str.strip(),
                    "lat": lat,
                    "lon": lon,
                    # unreadable coordinates give NaN here, which the schema's not-null rule reports
                    "x": pd.Series(x, index=text.index).where(np.isfinite(x)),
                    "y": pd.Series(y, index=text.index).where(np.isfinite(y)),
                    "lat_raw": text["stop_lat"],
                    "lon_raw": text["stop_lon"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
