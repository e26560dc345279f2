"""Drop-in inputs: sources whose files a statistician drops into a folder (survey tables, scorecards, budgets).

Why: some indicators (11.3.2, 11.4.1, 11.7.2, 11.a.1, 11.b.1) rest on inputs the institute produces itself, once
in a while. Their catalog entry names a ``drop_folder`` and usually lists no file yet. The reader then reads every
file of the folder that matches ``drop_pattern`` (default ``*.csv``), the pipeline hashes it and warns that it is
not catalogued yet, and with no file at all the reader returns an empty frame with the documented columns — so
the SQL model runs, writes no row, and the coverage table says why.

A drop-in source needs no module of its own: its catalog entry says ``reader: dropin`` and lists its
``columns`` (name → string, int or float, the layout its folder's README documents); :func:`read` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from bisa_sdg.config.catalog import CatalogError, Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import TEXT
from bisa_sdg.sources import read_csv_as_text

# Column kinds a drop-in layout may declare, and the pandas dtype each becomes.
KINDS = {"string": TEXT, "int": "Int64", "float": "float64"}


class InputFormatError(ValueError):
    """A dropped file does not have the documented columns."""


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    """The reader of a source whose catalog entry says ``reader: dropin``: its declared ``columns``."""
    return read_dropin(source, raw_dir, declared_columns(source))


def declared_columns(source: Source) -> dict[str, str]:
    """The ``columns`` of the source's catalog entry (name → kind), checked against :data:`KINDS`."""
    columns = source.extra.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        raise CatalogError(f"source {source.id}: a drop-in source lists its columns (name: string|int|float)")
    unknown = {str(name): kind for name, kind in columns.items() if kind not in KINDS}
    if unknown:
        raise CatalogError(f"source {source.id}: column kinds {unknown} are not one of {sorted(KINDS)}")
    return {str(name): str(kind) for name, kind in columns.items()}


def drop_folder(source: Source) -> str | None:
    """The folder (relative to the raw folder) a source reads dropped files from, checked to stay inside it."""
    folder = source.extra.get("drop_folder")
    if not folder:
        return None
    folder = str(folder)
    if folder.startswith("/") or ".." in Path(folder).parts:
        raise CatalogError(f"source {source.id}: drop_folder {folder!r} leaves the raw folder")
    return folder


def dropped_files(source: Source, raw_dir: Path) -> list[str]:
    """Files in the source's drop folder that the catalog does not list (paths relative to ``raw_dir``)."""
    folder = drop_folder(source)
    if folder is None:
        return []
    pattern = str(source.extra.get("drop_pattern", "*.csv"))
    listed = {item.path for item in source.files}
    found = sorted(
        path.relative_to(raw_dir).as_posix() for path in (raw_dir / folder).glob(pattern) if path.is_file()
    )
    return [path for path in found if path not in listed]


def awaits_first_file(source: Source, raw_dir: Path) -> bool:
    """A drop-in source into which no file has been dropped yet, and which the catalog lists none for."""
    return drop_folder(source) is not None and not input_files(source, raw_dir)


def input_files(source: Source, raw_dir: Path) -> list[str]:
    """Every file a drop-in source reads: the catalogued ones first, then the dropped ones."""
    return [item.path for item in source.files] + dropped_files(source, raw_dir)


def _typed(text: pd.Series, kind: str) -> pd.Series:
    stripped = text.str.strip()
    if kind == "string":
        return stripped.where(stripped != "", None)
    numbers = pd.to_numeric(stripped.where(stripped != "", None), errors="coerce")
    if kind == "int":
        whole = numbers.where(numbers.isna() | (numbers == numbers.round()))
        return whole.astype("Int64")
    return numbers.astype("float64")


def empty_frame(columns: Mapping[str, str]) -> pd.DataFrame:
    """An empty frame with ``_file``, ``_line`` and the documented columns in their dtypes."""
    dtypes = {"_file": TEXT, "_line": "int64"}
    for name, kind in columns.items():
        dtypes[name] = KINDS[kind]
        if kind != "string":
            dtypes[f"{name}_raw"] = TEXT
    return pd.DataFrame({name: pd.array([], dtype=dtype) for name, dtype in dtypes.items()})


def read_dropin(source: Source, raw_dir: Path, columns: Mapping[str, str]) -> pd.DataFrame:
    """Read every input file of a drop-in source into one typed frame (empty, with the columns, if none).

    ``columns`` maps each documented column to its kind; extra columns in a file are ignored, missing ones are
    an error that names the file. Numbers keep their text in ``<column>_raw`` so a validation issue shows what
    was typed.
    """
    frames = [empty_frame(columns)]
    for relative in input_files(source, raw_dir):
        text = read_csv_as_text(raw_dir / relative, relative)
        missing = [name for name in columns if name not in text.columns]
        if missing:
            raise InputFormatError(
                f"{relative}: columns {missing} are missing; the layout is documented in "
                f"data/raw/{drop_folder(source) or source.id}/README.md"
            )
        frame = pd.DataFrame({"_file": text["_file"], "_line": text["_line"]})
        for name, kind in columns.items():
            frame[name] = _typed(text[name], kind)
            if kind != "string":
                frame[f"{name}_raw"] = text[name]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
