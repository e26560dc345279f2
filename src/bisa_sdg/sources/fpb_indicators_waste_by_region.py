"""Federal Planning Bureau (indicators.be) municipal waste by region, pre-2020 definition, 1995–2018."""

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
            "measure": text["indicator"].str.strip(),
            "ref_area": map_distinct(text["ref_area"], normalise_refnis),
            "time_period": pd.to_numeric(text["year"], errors="coerce").astype("Int64"),
            "value": pd.to_numeric(text["value"], errors="coerce"),
            "value_raw": text["value"],
            "unit": text["unit"],
            "definition": text["definition"],
            # Which column years were proven (by the page's growth rates) and which were inferred.
            "year_mapping": text["year_mapping"].str.strip(),
            "source_url": text["source"],
        },
    )
