"""SDSN Sustainable Development Report 2025, Belgium: index score and rank, goal dashboards and trends, and the
normalised (0–100) indicator scores, from a third-party copy (see the source's PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources._sdsn import number, read_commented_csv

_SCORE_PREFIX = "score:"


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    (item,) = source.files
    text = read_commented_csv(raw_dir / item.path, item.path)
    field = text["key"].str.strip()
    is_score = field.str.startswith(_SCORE_PREFIX)
    return pd.DataFrame(
        {
            "_file": text["_file"],
            "_line": text["_line"],
            "field": field,
            "value_raw": text["value"].str.strip(),
            # Indicator scores are 'score:<IndCode>'; the other fields (dashboards, trends, rank) stay text.
            "ind_code": field.str.removeprefix(_SCORE_PREFIX).where(is_score),
            "score": number(text["value"]).where(is_score),
        }
    )
