"""Statbel cadastral land use per municipality (TF_EAE_LAND_OCCUPTN), one R data file per year, 1983–2015.

Statbel's own files as mirrored by the weRbelgium/BelgiumStatistics R package, read with pyreadr so that the
catalog's sha256 is the mirror's file. Each file has one row per municipality × cadastral rubric with the area
in hectares (MS_TOT_SUR); the reader keeps, per municipality and year, the total and the groups the SQL models
use, so that raw.statbel_land_use stays one row per municipality × year for all of Belgium:

* ``built_parcels_ha`` — every built parcel (level-2 rubric 2TOT: dwellings, offices, shops, industry, public
  buildings … with their plots);
* ``non_cadastral_ha`` — the area outside the cadastre (5TOT): the public domain, mostly streets, squares and
  railways, also waterways;
* ``cadastral_roads_ha`` (1L), ``gardens_parks_ha`` (1DI), ``woods_ha`` (1G), ``recreational_ha`` (1J),
  ``water_ha`` (1K).

These are cadastral categories, not land cover: a garden is private or public, a wood may be closed to the
public. ``_line`` is the municipality's first row in the R data frame (header = line 1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources._rdata import check_year, read_rdata_summary, warm_cache

_COLUMNS = ("CD_MUNTY_REFNIS", "TX_RGN_DESCR_FR", "CD_YEAR", "CD_RUB_LVL_2", "CD_RUB_LVL_3", "MS_TOT_SUR")

# Output column → (level of the rubric code, codes summed).
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "built_parcels_ha": ("CD_RUB_LVL_2", ("2TOT",)),
    "non_cadastral_ha": ("CD_RUB_LVL_2", ("5TOT",)),
    "cadastral_roads_ha": ("CD_RUB_LVL_3", ("1L",)),
    "gardens_parks_ha": ("CD_RUB_LVL_3", ("1DI",)),
    "woods_ha": ("CD_RUB_LVL_3", ("1G",)),
    "recreational_ha": ("CD_RUB_LVL_3", ("1J",)),
    "water_ha": ("CD_RUB_LVL_3", ("1K",)),
}


def _grouped(detail: pd.DataFrame) -> pd.DataFrame:
    """Per municipality: the total area, the groups of :data:`GROUPS`, the years found and its first row."""
    detail = detail.assign(_line=range(2, len(detail) + 2), area=detail["MS_TOT_SUR"].astype(float))
    for column, (level, codes) in GROUPS.items():
        detail[column] = detail["area"].where(detail[level].isin(codes), 0.0)
    return (
        detail.groupby("CD_MUNTY_REFNIS", sort=True)
        .agg(
            region_label=("TX_RGN_DESCR_FR", "first"),
            year_min=("CD_YEAR", "min"),
            year_max=("CD_YEAR", "max"),
            first_line=("_line", "min"),
            rubrics=("area", "size"),
            area_total_ha=("area", "sum"),
            **{column: (column, "sum") for column in GROUPS},
        )
        .reset_index()
    )


def _year(raw_dir: Path, relative: str, year: int) -> pd.DataFrame:
    totals = read_rdata_summary(raw_dir / relative, relative, _COLUMNS, _grouped)
    check_year(totals, relative, year)
    return totals.assign(_file=relative, time_period=year)


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    raw_dir = Path(raw_dir)
    warm_cache([(raw_dir / item.path, item.path) for item in source.files], _COLUMNS, _grouped)
    totals = pd.concat(
        [_year(raw_dir, item.path, int(item.attrs["reference_year"])) for item in source.files],
        ignore_index=True,
    )
    return pd.DataFrame(
        {
            "_file": totals["_file"],
            "_line": totals["first_line"].astype("int64"),
            "refnis": totals["CD_MUNTY_REFNIS"].astype(int).map("{:05d}".format),
            "region_label": totals["region_label"],
            "time_period": totals["time_period"].astype("int64"),
            "rubrics": totals["rubrics"].astype("int64"),
            "area_total_ha": totals["area_total_ha"],
            **{column: totals[column] for column in GROUPS},
        }
    )
