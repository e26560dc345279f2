"""Belgian legal basis of municipal emergency planning (PGUI/ANIP), with the derived 11.b.2 count for the region."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import map_distinct, normalise_refnis
from bisa_sdg.sources import positioned, read_only_csv


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    text = read_only_csv(source, raw_dir)
    value = text["value"].str.strip()
    return positioned(
        text,
        {
            "topic": text["topic"].str.strip(),
            "ref_area": map_distinct(text["ref_area"], normalise_refnis),
            "time_period": pd.to_numeric(text["year"], errors="coerce").astype("Int64"),
            # Most rows quote a legal text; only the derived count is a number.
            "value_text": value,
            "value_number": pd.to_numeric(
                value.where(value.str.fullmatch(r"\d+(?:\.\d+)?")), errors="coerce"
            ),
            "unit_or_status": text["unit_or_status"],
            "source_url": text["source"],
            "note": text["note"],
        },
    )
