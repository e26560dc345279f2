"""STIB-MIVB stop points (September 2021 network), one row per stop_id, with Lambert 72 and WGS84 coordinates.

The Lambert 72 coordinates are STIB's own (EPSG:31370 shapefile); WGS84 was derived from them. The reader
re-projects the WGS84 pair and records how far it lands from the Lambert pair (``xy_offset_m``), so a row
whose two coordinate pairs disagree (a typo, swapped columns) is caught by validation, not silently mapped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import read_csv_as_text
from bisa_sdg.sources.geo import wgs84_to_lambert72


def _number(text: pd.Series) -> pd.Series:
    """Decimal numbers written with a dot; anything else becomes NaN (and fails the not-null rule)."""
    return pd.to_numeric(text.str.strip(), errors="coerce").astype(float)


def _text_or_none(text: pd.Series) -> pd.Series:
    stripped = text.str.strip()
    return stripped.where(stripped != "", None)


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    frames = []
    for item in source.files:
        text = read_csv_as_text(raw_dir / item.path, item.path)
        x, y = _number(text["x_lambert72"]), _number(text["y_lambert72"])
        lat, lon = _number(text["lat"]), _number(text["lon"])
        x_from_wgs84, y_from_wgs84 = wgs84_to_lambert72(lon, lat)
        with np.errstate(invalid="ignore"):
            offset = np.hypot(x.to_numpy() - x_from_wgs84, y.to_numpy() - y_from_wgs84)
        frames.append(
            pd.DataFrame(
                {
                    "_file": text["_file"],
                    "_line": text["_line"],
                    "stop_id": _text_or_none(text["stop_id"]),
                    "name_fr": text["name_fr"],
                    "name_nl": text["name_nl"],
                    # B bus, T tram, M metro: one mode per stop point in this file.
                    "mode": _text_or_none(text["modes"]),
                    "lines": text["lines"],
                    "x": x,
                    "y": y,
                    "lat": lat,
                    "lon": lon,
                    "xy_offset_m": pd.Series(offset, index=text.index).where(np.isfinite(offset)),
                    "x_raw": text["x_lambert72"],
                    "y_raw": text["y_lambert72"],
                    "lat_raw": text["lat"],
                    "lon_raw": text["lon"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
