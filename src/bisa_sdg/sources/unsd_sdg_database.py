"""UN SDG Global Database values for the country (open-numbers re-publication of the UN SDG API DataCSV).

The files share one layout (``series,geo_area,location_or_city,nature,units,year,value,source_file``). The third
column is a location (``allarea``, ``urban`` …) for most series and a city for city-level series; which series are
city-level, and which area code a city label stands for, is catalog configuration (``city_series``,
``city_ref_areas``), not code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import read_csv_as_text


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    city_series = {str(s) for s in source.extra.get("city_series") or []}
    city_areas = {str(k): str(v) for k, v in (source.extra.get("city_ref_areas") or {}).items()}
    frames = []
    for item in source.files:
        text = read_csv_as_text(raw_dir / item.path, item.path)
        series = text["series"].str.strip()
        third = text["location_or_city"].str.strip()
        is_city = series.isin(city_series)
        frames.append(
            pd.DataFrame(
                {
                    "_file": text["_file"],
                    "_line": text["_line"],
                    "series": series,
                    "geo_area": text["geo_area"].str.strip(),
                    "location": third.where(~is_city, "allarea"),
                    "city": third.where(is_city),
                    "city_ref_area": third.where(is_city).map(city_areas),
                    "nature": text["nature"].str.strip().str.upper(),
                    "units": text["units"].str.strip(),
                    "time_period": pd.to_numeric(text["year"], errors="coerce").astype("Int64"),
                    "value": pd.to_numeric(text["value"], errors="coerce"),
                    "value_raw": text["value"],
                    "source_file": text["source_file"],
                    "vintage": str(item.attrs.get("vintage", "")),
                    "vintage_order": pd.array(
                        [int(item.attrs.get("vintage_order", 0))] * len(text), dtype="Int64"
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
