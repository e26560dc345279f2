"""Statbel municipalities: names in French and Dutch, hierarchy, NUTS codes and area."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import map_distinct, normalise_refnis
from bisa_sdg.sources import positioned, read_only_csv


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    text = read_only_csv(source, raw_dir)
    return positioned(
        text,
        {
            "refnis": text["CD_MUNTY_REFNIS"].str.strip(),
            "name_fr": text["TX_MUNTY_DESCR_FR"],
            "name_nl": text["TX_MUNTY_DESCR_NL"],
            # Region codes are stored as integers in this file ('4000'); REFNIS codes have five digits.
            "region_refnis": map_distinct(text["CD_RGN_REFNIS"], normalise_refnis),
            "region_name_fr": text["TX_RGN_DESCR_FR"],
            "region_name_nl": text["TX_RGN_DESCR_NL"],
            "nuts3": text["nuts3"],
            "area_cadastral_km2": pd.to_numeric(text["SURFACE.CAD.km2"], errors="coerce"),
            "area_gis_km2": pd.to_numeric(text["SURFACE.GIS.km2"], errors="coerce"),
        },
    )
