"""Public and private expenditure on cultural and natural heritage (SDG 11.4.1), one row per spending item.

A drop-in input (see ``bisa_sdg.sources.dropin``): the layout is documented in data/raw/heritage_expenditure/README.md; with no file
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
    "funding": "string",
    "heritage_type": "string",
    "level_of_government": "string",
    "expenditure_lcu": "float",
    "lcu_per_ppp_usd": "float",
}


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    return read_dropin(source, raw_dir, COLUMNS)
