"""Years of the region's history as published: a tidy compilation of figures read from cited pages and files.

The files are copies of the project's shared history folder (road_safety.csv, ghg_emissions.csv), one tidy
layout: ``series, ref_area, ref_area_name, time_period, value, unit, source_publisher, source_url_or_repo_path,
retrieved_via, note``. Every value names its page or repository file; nothing in them is interpolated.

``flags`` keeps what the compilation says of a value, so that the figures built on it stay marked:
DERIVED (arithmetic on published changes, not read: the series name ends in ``_DERIVED`` or the note starts with
it), UNCERTAIN and CONFLICT (said in the note, in any case). ``value_decimals`` is the number of decimals the value
was published with, from which the models bound the value within its rounding.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import normalise_refnis
from bisa_sdg.sources import read_csv_as_text

_COLUMNS = [
    "series",
    "ref_area",
    "time_period",
    "value",
    "unit",
    "source_publisher",
    "source_url_or_repo_path",
    "note",
]


def flags_of(series: str, note: str) -> str:
    """The compilation's marks of one value, comma-separated in a fixed order ('' when none)."""
    text = note.upper()
    marks = []
    if series.upper().endswith("_DERIVED") or text.lstrip().startswith("DERIVED"):
        marks.append("DERIVED")
    if "UNCERTAIN" in text:
        marks.append("UNCERTAIN")
    if "CONFLICT" in text:
        marks.append("CONFLICT")
    return ",".join(marks)


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    frames = []
    for item in source.files:
        text = read_csv_as_text(raw_dir / item.path, item.path, columns=_COLUMNS)
        value = text["value"].str.strip()
        decimals = value.str.extract(r"\.(\d+)$")[0].str.len().fillna(0).astype("int64")
        frames.append(
            pd.DataFrame(
                {
                    "_file": text["_file"],
                    "_line": text["_line"],
                    "series": text["series"].str.strip(),
                    "ref_area": text["ref_area"].str.strip().map(normalise_refnis),
                    "time_period": pd.to_numeric(text["time_period"].str.strip(), errors="coerce").astype(
                        "Int64"
                    ),
                    "value": pd.to_numeric(value, errors="coerce"),
                    "value_raw": text["value"],
                    "value_decimals": decimals,
                    "unit": text["unit"],
                    "publisher": text["source_publisher"],
                    "source_url": text["source_url_or_repo_path"],
                    "note": text["note"],
                    "flags": [flags_of(s, n) for s, n in zip(text["series"], text["note"], strict=True)],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
