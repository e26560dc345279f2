"""Shared by the SDSN benchmark readers: their CSVs start with '#' provenance lines before the header."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.sources import read_csv_as_text


def read_commented_csv(path: Path, relative: str) -> pd.DataFrame:
    """Every cell as text, skipping the leading '#' lines; ``_line`` stays the line number in the file."""
    skipped = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            skipped += 1
    frame = read_csv_as_text(path, relative, skiprows=skipped)
    frame["_line"] = frame["_line"] + skipped
    return frame


def number(text: pd.Series) -> pd.Series:
    """Numbers as floats; empty cells (no data) become NaN, anything else unreadable too (the schema flags it)."""
    return pd.to_numeric(text.str.strip().replace("", None), errors="coerce").astype("float64")
