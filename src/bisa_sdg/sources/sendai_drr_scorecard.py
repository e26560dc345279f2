"""Scores of a disaster risk reduction strategy on the ten Sendai key elements (SDG 11.b.1).

A drop-in input (see ``bisa_sdg.sources.dropin``): the layout is documented in data/raw/sendai_drr_scorecard/README.md; with no file
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
    "strategy_id": "string",
    "strategy_title": "string",
    "key_element": "int",
    "score": "float",
}


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    return read_dropin(source, raw_dir, COLUMNS)
