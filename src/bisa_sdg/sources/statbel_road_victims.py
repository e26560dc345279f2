"""Statbel road-accident victims (TF_ACCIDENTS_VICTIMS_<year>): one row per group of victims.

Two kinds of input, same columns: the shipped extract (the region's rows of the 2020 file, commas instead of
pipes) and the whole-country files that ``bisa-sdg run --online`` lands as vintages of this source
(:mod:`bisa_sdg.acquire.statbel_open_data`). A landed year replaces the shipped file of the same year; of a landed
file only the rows of the profile's region (CD_RGN_REFNIS) are kept — the same cut as the shipped extract —
with their line numbers in the publisher's file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.acquire.statbel_open_data import DATASETS, StatbelError, landed_members, read_landed_table
from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import map_distinct, normalise_refnis, parse_counts
from bisa_sdg.sources import SourceFileError, read_csv_as_text

COUNT_COLUMNS = {
    "MS_VICT": "victims",
    "MS_VIC_OK": "victims_unhurt",
    "MS_SLY_INJ": "slightly_injured",
    "MS_SERLY_INJ": "seriously_injured",
    "MS_DEAD_30_DAYS": "dead_30_days",
}


# The columns victims_frame reads, as the connector requires them of every year's file: 11 of the file's 43
# (the others are French and Dutch labels of the codes).
READ_COLUMNS = [names[0] for names in DATASETS["road_victims"].required]


def victims_frame(text: pd.DataFrame, year: int) -> pd.DataFrame:
    """Typed columns from the text cells of one file (shipped or landed)."""
    frame = pd.DataFrame(
        {
            "_file": text["_file"],
            "_line": text["_line"],
            "accident_date": pd.to_datetime(text["DT_DAY"], format="%Y-%m-%d", errors="coerce"),
            "time_period": year,
            "refnis": text["CD_MUNTY_REFNIS"].str.strip(),
            "region_refnis": map_distinct(text["CD_RGN_REFNIS"], normalise_refnis),
            "sex_code": text["CD_SEX"],
            "age_class_code": text["CD_AGE_CLS"],
            "road_user_type_code": text["CD_ROAD_USER_TYPE"],
        }
    )
    for column, name in COUNT_COLUMNS.items():
        frame[name] = parse_counts(text[column])
    return frame


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    raw_dir = Path(raw_dir)
    try:
        landed = {m.year: m for m in landed_members(raw_dir, DATASETS["road_victims"])}
        landed_text = {
            year: read_landed_table(member, DATASETS["road_victims"]) for year, member in landed.items()
        }
    except StatbelError as exc:
        raise SourceFileError(str(exc)) from exc
    frames = []
    for item in source.files:
        year = int(item.attrs["reference_year"])
        if year in landed:  # the publisher's own file of that year supersedes the shipped extract
            continue
        frames.append(victims_frame(read_csv_as_text(raw_dir / item.path, item.path, READ_COLUMNS), year))
    for year, text in sorted(landed_text.items()):
        in_region = text[map_distinct(text["CD_RGN_REFNIS"], normalise_refnis) == profile.region_code]
        frames.append(victims_frame(in_region.reset_index(drop=True), year))
    return pd.concat(frames, ignore_index=True)
