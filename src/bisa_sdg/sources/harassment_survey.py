"""Weighted survey cells on physical and sexual harassment in the previous 12 months (SDG 11.7.2).

A drop-in input (see ``bisa_sdg.sources.dropin``): the layout is documented in data/raw/harassment_survey/README.md; with no file
the reader returns an empty frame with these columns and the indicator's SQL model writes no row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources.dropin import read_dropin

COLUMNS = {
    "ref_area": "string",
    "time_period": "int",
    "sex": "string",
    "age": "string",
    "disability_status": "string",
    "respondents": "int",
    "population_weighted": "float",
    "victims_physical_weighted": "float",
    "victims_sexual_weighted": "float",
    "victims_any_weighted": "float",
}


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    return read_dropin(source, raw_dir, COLUMNS)
