"""One module per source. Each exposes ``read(source, raw_dir, profile) -> DataFrame``.

Every frame a reader returns carries ``_file`` (path relative to the raw folder) and ``_line`` (the line of
the file the row came from, header = line 1), so a validation issue can name the file and the row.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pandas as pd

from bisa_sdg.catalog import SOURCE_ID_PATTERN, CatalogError, Source
from bisa_sdg.profile import RegionProfile


def reader_module(source_id: str) -> ModuleType:
    if not SOURCE_ID_PATTERN.match(source_id):
        raise CatalogError(f"source id {source_id!r} is not a valid module name")
    try:
        return importlib.import_module(f"bisa_sdg.sources.{source_id}")
    except ModuleNotFoundError as exc:
        raise CatalogError(f"no reader module bisa_sdg.sources.{source_id} for source {source_id!r}") from exc


def read_source(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    return reader_module(source.id).read(source, raw_dir, profile)


def read_csv_as_text(path: Path, relative: str, **kwargs: object) -> pd.DataFrame:
    """Read a CSV with every cell as text (no type guessing) and stamp each row with its file and line."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", **kwargs)
    frame.insert(0, "_line", range(2, len(frame) + 2))
    frame.insert(0, "_file", relative)
    return frame
