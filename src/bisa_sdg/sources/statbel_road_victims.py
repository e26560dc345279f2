"""Statbel road-accident victims (TF_ACCIDENTS_VICTIMS_<year>): one row per group of victims."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.catalog import Source
from bisa_sdg.parsing import normalise_refnis, parse_count
from bisa_sdg.profile import RegionProfile
from bisa_sdg.sources import read_csv_as_text

COUNT_COLUMNS = {
    "MS_VICT": "victims",
    "MS_VIC_OK": "victims_unhurt",
    "MS_SLY_INJ": "slightly_injured",
    "MS_SERLY_INJ": "seriously_injured",
    "MS_DEAD_30_DAYS": "dead_30_days",
}


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    frames = []
    for item in source.files:
        text = read_csv_as_text(raw_dir / item.path, item.path)
        frame = pd.DataFrame(
            {
                "_file": text["_file"],
                "_line": text["_line"],
                "accident_date": pd.to_datetime(text["DT_DAY"], format="%Y-%m-%d", errors="coerce"),
                "time_period": int(item.attrs["reference_year"]),
                "refnis": text["CD_MUNTY_REFNIS"].str.strip(),
                "region_refnis": text["CD_RGN_REFNIS"].map(normalise_refnis),
                "sex_code": text["CD_SEX"],
                "age_class_code": text["CD_AGE_CLS"],
                "road_user_type_code": text["CD_ROAD_USER_TYPE"],
            }
        )
        for column, name in COUNT_COLUMNS.items():
            frame[name] = pd.array([parse_count(v) for v in text[column]], dtype="Int64")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
