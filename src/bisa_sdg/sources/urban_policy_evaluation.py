"""Evaluators' scores of a national urban policy or regional development plan (SDG 11.a.1).

A drop-in input (see ``bisa_sdg.sources.dropin``): the layout is documented in data/raw/urban_policy_evaluation/README.md; with no file
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
    "policy_id": "string",
    "policy_title": "string",
    "evaluator_id": "string",
    "qualifier": "string",
    "score_pct": "float",
}


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    return read_dropin(source, raw_dir, COLUMNS)
