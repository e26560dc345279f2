"""Statbel population by municipality on 1 January, one file per year.

Three kinds of input, one frame, all of them Statbel's population structure (TF_SOC_POP_STRUCT):

* Statbel's own files as R data (``.RData``, 2009–2015, as mirrored by the weRbelgium/BelgiumStatistics R
  package), read with pyreadr so that the catalog's sha256 is the mirror's file;
* compiled per-municipality tables (``layout: compiled``, three number formats; ``layout: opengov``, the totals a
  public repository computed from Statbel's 2022 file);
* Statbel's own ``TF_SOC_POP_STRUCT_<year>`` text files that ``bisa-sdg run --online`` lands as vintages of this
  source (:mod:`bisa_sdg.acquire.statbel_open_data`). A landed year replaces the shipped file of that year.

Of a detail file (R data or landed text), MS_POPULATION is summed per municipality over sex, age, nationality and
civil status. ``flag`` carries the catalog's mark of a file (UNCERTAIN, CONFLICT) to every row, so that the
figures built on it stay marked. ``_line`` is the municipality's first row in the publisher's table (header = line 1) and
``population_raw`` the sum as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.acquire.statbel_open_data import (
    DATASETS,
    LandedMember,
    StatbelError,
    decode_text,
    landed_members,
    parse_pop_struct,
)
from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import parse_counts
from bisa_sdg.sources import SourceFileError, read_csv_as_text
from bisa_sdg.sources._rdata import check_year, read_rdata_summary, warm_cache

_COMPILED_COLUMNS = ["NIS_code", "municipality_FR", "municipality_NL", "region_FR", "inhabitants"]


def _compiled(raw_dir: Path, relative: str, year: int) -> pd.DataFrame:
    # The columns are named, so a file without one of them is refused naming that file (the source's files have
    # three layouts: a generic search for the column would also name the files of the other layouts).
    text = read_csv_as_text(raw_dir / relative, relative, columns=_COMPILED_COLUMNS)
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


def _opengov(raw_dir: Path, relative: str, year: int) -> pd.DataFrame:
    text = read_csv_as_text(raw_dir / relative, relative, columns=["NSI-code", "Gemeente", "Aantal"])
    return pd.DataFrame(
        {
            "_file": text["_file"],
            "_line": text["_line"],
            "refnis": text["NSI-code"].str.strip(),
            "name_fr": "",
            "name_nl": text["Gemeente"],
            "region_label": "",
            "time_period": year,
            "population": parse_counts(text["Aantal"]),
            "population_raw": text["Aantal"],
        }
    )


_RDATA_COLUMNS = (
    "CD_MUNTY_REFNIS",
    "TX_MUNTY_DESCR_FR",
    "TX_MUNTY_DESCR_NL",
    "TX_RGN_DESCR_FR",
    "CD_YEAR",
    "MS_POPULATION",
)


def _municipal_totals(detail: pd.DataFrame) -> pd.DataFrame:
    """MS_POPULATION summed per municipality, with its names, the years found and its first row."""
    detail = detail.assign(_line=range(2, len(detail) + 2))
    return (
        detail.groupby("CD_MUNTY_REFNIS", sort=True)
        .agg(
            name_fr=("TX_MUNTY_DESCR_FR", "first"),
            name_nl=("TX_MUNTY_DESCR_NL", "first"),
            region_label=("TX_RGN_DESCR_FR", "first"),
            year_min=("CD_YEAR", "min"),
            year_max=("CD_YEAR", "max"),
            population=("MS_POPULATION", "sum"),
            first_line=("_line", "min"),
        )
        .reset_index()
    )


def _rdata(raw_dir: Path, relative: str, year: int) -> pd.DataFrame:
    totals = read_rdata_summary(raw_dir / relative, relative, _RDATA_COLUMNS, _municipal_totals)
    check_year(totals, relative, year)
    return pd.DataFrame(
        {
            "_file": relative,
            "_line": totals["first_line"].astype("int64"),
            "refnis": totals["CD_MUNTY_REFNIS"].astype(int).map("{:05d}".format),
            "name_fr": totals["name_fr"],
            "name_nl": totals["name_nl"],
            "region_label": totals["region_label"],
            "time_period": year,
            "population": totals["population"].astype("Int64"),
            "population_raw": totals["population"].astype(str),
        }
    )


_READERS = {"compiled": _compiled, "opengov": _opengov, "rdata": _rdata}


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
    rdata = [
        (raw_dir / item.path, item.path)
        for item in source.files
        if item.attrs.get("layout") == "rdata" and int(item.attrs["reference_year"]) not in landed
    ]
    warm_cache(rdata, _RDATA_COLUMNS, _municipal_totals)
    by_year: dict[int, pd.DataFrame] = {}
    for item in source.files:
        year = int(item.attrs["reference_year"])
        layout = str(item.attrs.get("layout", "compiled"))
        if layout not in _READERS:
            raise SourceFileError(f"{item.path}: unknown layout {layout!r} (known: {', '.join(_READERS)})")
        if year not in landed:  # Statbel's own file of that year supersedes the shipped one
            frame = _READERS[layout](raw_dir, item.path, year)
            by_year[year] = frame.assign(flag=str(item.attrs.get("flag") or ""))
    for year, member in landed.items():
        by_year[year] = _landed(member).assign(flag="")
    return pd.concat([by_year[year] for year in sorted(by_year)], ignore_index=True)
