"""Figures transcribed from public pages (IBSA, IRCEL-CELINE, Statbel, FPB, Bruxelles Environnement, Eurostat).

Two layouts are read into one: ``topic,ref_area,year,value,unit,source,note`` (published_figures_sdg11/figures.csv, published_figures_housing_waste_air/figures.csv)
and ``indicator,geo,year,value,unit,source_url,note`` (reference_figures_from_pages.csv, areas as NUTS codes).
Cells that are not a plain year or a plain number (``~2011``, ``19.5|19.6|…``) are left empty, not guessed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import normalise_refnis
from bisa_sdg.sources import read_csv_as_text

_YEAR = re.compile(r"^\d{4}$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _year(text: pd.Series) -> pd.Series:
    cleaned = text.str.strip()
    return pd.to_numeric(cleaned.where(cleaned.str.match(_YEAR)), errors="coerce").astype("Int64")


def _number(text: pd.Series) -> pd.Series:
    cleaned = text.str.strip()
    return pd.to_numeric(cleaned.where(cleaned.str.match(_NUMBER)), errors="coerce")


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    frames = []
    for item in source.files:
        text = read_csv_as_text(raw_dir / item.path, item.path)
        if "topic" in text.columns:
            topic, area, url = text["topic"], text["ref_area"], text["source"]
        else:
            topic, area, url = text["indicator"], text["geo"], text["source_url"]
        # Publishers label the region by its NUTS code; the warehouse keys areas by REFNIS.
        area = area.str.strip().replace({profile.region_nuts: profile.region_code}).map(normalise_refnis)
        is_country = area == profile.country_code
        frames.append(
            pd.DataFrame(
                {
                    "_file": text["_file"],
                    "_line": text["_line"],
                    "topic": topic.str.strip(),
                    "ref_area": area,
                    "is_country": is_country,
                    "time_period": _year(text["year"]),
                    "time_period_raw": text["year"],
                    "value": _number(text["value"]),
                    "value_raw": text["value"],
                    "unit": text["unit"],
                    "source_url": url,
                    "note": text["note"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
