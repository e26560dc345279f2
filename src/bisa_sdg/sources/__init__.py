"""One reader per source: the module ``bisa_sdg.sources.<id>``, or the module its catalog entry names in
``reader:`` (the drop-in sources share ``bisa_sdg.sources.dropin``). Each exposes
``read(source, raw_dir, profile) -> DataFrame``.

Every frame a reader returns carries ``_file`` (path relative to the raw folder) and ``_line`` (the line of
the file the row came from, header = line 1), so a validation issue can name the file and the row.
"""

from __future__ import annotations

import csv
import importlib
import io
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from bisa_sdg.config.catalog import SOURCE_ID_PATTERN, CatalogError, Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import TEXT, TEXT_UP_TO_BYTES


def reader_module(source_id: str) -> ModuleType:
    if not SOURCE_ID_PATTERN.match(source_id):
        raise CatalogError(f"source id {source_id!r} is not a valid module name")
    try:
        return importlib.import_module(f"bisa_sdg.sources.{source_id}")
    except ModuleNotFoundError as exc:
        raise CatalogError(f"no reader module bisa_sdg.sources.{source_id} for source {source_id!r}") from exc


def reader_name(source: Source) -> str:
    """The module that reads ``source``: ``bisa_sdg.sources.<reader>`` when the catalog names one, else ``<id>``."""
    return f"bisa_sdg.sources.{_reader_id(source)}"


def _reader_id(source: Source) -> str:
    return str(source.extra.get("reader") or source.id)


def read_source(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    """The reader's frame, with codes the profile says were renumbered replaced (bisa_sdg.sources.area_codes)."""
    from bisa_sdg.sources.area_codes import recode_areas

    try:
        frame = reader_module(_reader_id(source)).read(source, raw_dir, profile)
    except KeyError as exc:  # a reader took a column the file does not have: say which file
        raise SourceFileError(
            _missing_column(source, Path(raw_dir), str(exc.args[0]) if exc.args else "")
        ) from exc
    return recode_areas(frame, source.id, profile)


def _missing_column(source: Source, raw_dir: Path, column: str) -> str:
    """The message for a column a reader needed: the CSV files of the source whose header lacks it."""
    lacking = []
    for item in source.files:
        path = raw_dir / item.path
        if path.suffix.lower() == ".csv" and path.is_file():
            with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
                if column not in next(csv.reader(handle), []):
                    lacking.append(item.path)
    where = ", ".join(lacking) or f"a file of source {source.id!r}"
    return f"{where}: column {column!r} is missing (the reader of {source.id!r} needs it)"


class SourceFileError(CatalogError):
    """A raw file that cannot be read as what the catalog says it is (encoding, truncation, CSV shape)."""


def _encoding_problem(path: Path, relative: str, exc: UnicodeDecodeError) -> str:
    """Where the first non-UTF-8 byte is, and what the line would say in Windows-1252/Latin-1."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        start = exc.start
    except UnicodeDecodeError as again:
        start = again.start
    line_no = data.count(b"\n", 0, start) + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", start)
    line = data[line_start : line_end if line_end >= 0 else len(data)].rstrip(b"\r")
    return (
        f"{relative}: not UTF-8 — line {line_no}, byte {start - line_start + 1} is 0x{data[start]:02x}. "
        f"Read as Windows-1252/Latin-1 that line would be {line.decode('cp1252', 'replace')!r}, so the file "
        "looks Latin-1 encoded. Nothing was read from it (names are never guessed): convert it to UTF-8, "
        "e.g. `iconv -f WINDOWS-1252 -t UTF-8`, check the names, and update its sha256 in data/raw/catalog.yaml."
    )


def _check_last_row(data: bytes, relative: str, columns: int) -> None:
    """A file cut off mid-row ends without a newline, in a row with fewer fields than the header."""
    if not data or data.endswith((b"\n", b"\r")):
        return
    last = data.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    fields = next(csv.reader(io.StringIO(last)), [])
    if len(fields) < columns:
        line = data.count(b"\n") + 1
        raise SourceFileError(
            f"{relative}: line(s) {line} have fewer fields ({len(fields)}) than the header ({columns}) and the "
            "file does not end with a newline: it looks truncated mid-row — download it again"
        )


def read_only_csv(source: Source, raw_dir: Path) -> pd.DataFrame:
    """The one file of a single-file source, read by :func:`read_csv_as_text`."""
    (item,) = source.files
    return read_csv_as_text(raw_dir / item.path, item.path)


def positioned(text: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """A reader's frame: the ``_file`` and ``_line`` of each row of ``text``, then ``columns`` in their order."""
    return pd.DataFrame({"_file": text["_file"], "_line": text["_line"], **columns})


def read_csv_as_text(
    path: Path, relative: str, columns: Sequence[str] | None = None, skiprows: int = 0
) -> pd.DataFrame:
    """Read a CSV with every cell as text (no type guessing) and stamp each row with its file and line.

    ``columns``, when given, are the only columns kept (a wide file is read much faster); a file without one
    of them is an error. ``skiprows`` lines before the header are skipped. A file that is not UTF-8 (in any
    column), that is not a well-formed CSV, or whose last row has fewer fields than its header (a file cut off
    mid-row) raises :class:`SourceFileError` naming the file and the line. A short row inside the file reads
    as empty trailing cells, which the source's schema then judges.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # the whole file, also the columns not kept: names are never guessed
    except UnicodeDecodeError as exc:
        raise SourceFileError(_encoding_problem(path, relative, exc)) from exc
    # The header as csv reads it (cheaper than pandas' nrows=0 on a wide file).
    header = next(csv.reader(itertools.islice(io.StringIO(text), skiprows, None)), [])
    missing = [column for column in columns or () if column not in header]
    if missing:
        raise SourceFileError(f"{relative}: columns {missing} are missing (the file has {header})")
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            dtype=TEXT if len(data) < TEXT_UP_TO_BYTES else str,
            keep_default_na=False,
            usecols=columns,
            skiprows=skiprows,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        last = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        hint = (
            f"the file ends inside a quoted field at line {last}: it looks truncated mid-row — download it again"
            if "EOF inside string" in str(exc)
            else "is the file truncated or not comma-separated?"
        )
        raise SourceFileError(f"{relative}: not a well-formed CSV ({exc}); {hint}") from exc
    _check_last_row(data, relative, len(header))
    if frame.empty:  # a file emptied to its header would silently drop its areas and years from every table
        raise SourceFileError(
            f"{relative}: the file has a header but no data rows (emptied, or cut after its header?); "
            "download it again — a source file with nothing in it is never read as 'no data'"
        )
    # pandas' tokenizer fills the missing trailing fields of a short row with '' (pandas 3.1: the same as an
    # empty cell), so a short row can only be told by its fields: _check_last_row does that for the last row,
    # where a cut-off download ends; no NaN check is needed on the frame.
    frame.insert(0, "_line", range(2, len(frame) + 2))
    frame.insert(0, "_file", relative)
    return frame
