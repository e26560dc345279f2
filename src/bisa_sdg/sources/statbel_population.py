"""Statbel population by municipality on 1 January, one file per year.

Two kinds of input, one frame: the compiled yearly files shipped with the repository (three different number
formats), and Statbel's own ``TF_SOC_POP_STRUCT_<year>`` files that ``bisa-sdg run --online`` lands as vintages of
this source (:mod:`bisa_sdg.sources.statbel_open_data`). A landed year replaces the shipped file of that year. Of a
landed file, MS_POPULATION is summed per municipality over sex, age, nationality and civil status; ``_line`` is
the municipality's first line in the publisher's file and ``population_raw`` the sum as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.catalog import Source
from bisa_sdg.parsing import parse_counts
from bisa_sdg.profile import RegionProfile
from bisa_sdg.sources import SourceFileError, read_csv_as_text
from bisa_sdg.sources.statbel_open_data import (
    DATASETS,
    LandedMember,
    StatbelError,
    decode_text,
    landed_members,
    parse_pop_struct,
)


def _compiled(raw_dir: Path, relative: str, year: int) -> pd.DataFrame:
    text = read_csv_as_text(raw_dir / relative, relative)
    return pd.DataFrame(
        {
            "_file": text["_file"],
            "_line": text["_line"],
            "refnis": text["NIS_code"].str.strip(),
            "name_fr": text["municipality_FR"],
            "name_nl": text["municipality_NL"],
            "region_label": text["region_FR"],
            "time_period": year,
            "population": parse_counts(text["inhabitants"]),
            "population_raw": text["inhabitants"],
        }
    )


def _landed(member: LandedMember) -> pd.DataFrame:
    text, _encoding = decode_text(member.path.read_bytes())
    try:
        totals = parse_pop_struct(text, member.year, member.relative)
    except StatbelError as exc:
        raise SourceFileError(str(exc)) from exc
    return pd.DataFrame(
        {
            "_file": member.relative,
            "_line": totals["first_line"].astype("int64"),
            "refnis": totals["refnis"],
            "name_fr": totals["name_fr"],
            "name_nl": totals["name_nl"],
            "region_label": totals["region_label"],
            "time_period": member.year,
            "population": totals["population"].astype("Int64"),
            "population_raw": totals["population"].astype(str),
        }
    )


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    raw_dir = Path(raw_dir)
    try:
        landed = {m.year: m for m in landed_members(raw_dir, DATASETS["pop_struct"])}
    except StatbelError as exc:
        raise SourceFileError(str(exc)) from exc
    by_year: dict[int, pd.DataFrame] = {}
    for item in source.files:
        year = int(item.attrs["reference_year"])
        if year not in landed:  # Statbel's own file of that year supersedes the compilation
            by_year[year] = _compiled(raw_dir, item.path, year)
    for year, member in landed.items():
        by_year[year] = _landed(member)
    return pd.concat([by_year[year] for year in sorted(by_year)], ignore_index=True)
