"""UN-Habitat civil-society participation scorecard (SDG 11.3.2): one row per evaluator, city and question.

A drop-in input (see ``bisa_sdg.sources.dropin``): the layout is documented in data/raw/cspart_scorecard/README.md; with no file
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
    "evaluator_id": "string",
    "evaluator_sector": "string",
    "question": "int",
    "score": "int",
}


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    return read_dropin(source, raw_dir, COLUMNS)
