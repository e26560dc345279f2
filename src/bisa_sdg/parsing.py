"""Small parsers for the number and code formats that real publisher files use."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import yaml

# Text cells as pandas strings kept as Python objects: the same values and missing-value semantics as pandas' default
# "str" (which stores them in Arrow), but without an Arrow conversion at every step; on the pipeline's many small
# frames those conversions cost 0.2 s of a run. Arrow pays off on large inputs (a 1M-row, 5-column CSV: 0.85 s and
# 59 MB in Arrow, 1.05 s and 292 MB as objects), so files from TEXT_UP_TO_BYTES up keep pandas' default.
TEXT = pd.StringDtype("python", na_value=float("nan"))
TEXT_UP_TO_BYTES = 16 * 2**20

# Thousands separators seen in Statbel-derived files: comma, dot, space, no-break space, narrow no-break space.
_GROUPED_COUNT = re.compile(r"^\d{1,3}(?:([,.\u00a0\u202f ])\d{3})(?:\1\d{3})*$")
_PLAIN_COUNT = re.compile(r"^\d+$")


def parse_count(text: str | None) -> int | None:
    """Parse a non-negative whole count such as '118,382', '119\u202f714' or '120887'; None when it is not one.

    Only one separator kind per number and groups of exactly three digits are accepted, so a decimal number
    ('1,5') or a typo ('12,34') is refused instead of being read as a different count.
    """
    if text is None:
        return None
    cleaned = str(text).strip()
    if _PLAIN_COUNT.match(cleaned):
        return int(cleaned)
    if _GROUPED_COUNT.match(cleaned):
        return int(re.sub(r"\D", "", cleaned))
    return None


def normalise_refnis(text: str | None) -> str | None:
    """Left-pad integer-looking REFNIS codes ('4000' → '04000'); anything else is returned as found."""
    if text is None:
        return None
    cleaned = str(text).strip()
    if cleaned.isdigit() and len(cleaned) < 5:
        return cleaned.zfill(5)
    return cleaned


def map_distinct(texts: pd.Series, parse: Callable[[Any], Any]) -> pd.Series:
    """``texts.map(parse)`` with ``parse`` called once per distinct text (missing ones included): a column of
    codes or counts repeats a few values thousands of times, and the per-cell Python call was the readers' cost."""
    codes, distinct = pd.factorize(texts, use_na_sentinel=False)
    return pd.Series(distinct).map(parse).take(codes).set_axis(texts.index)


def parse_counts(texts: pd.Series) -> pd.api.extensions.ExtensionArray:
    """:func:`parse_count` over a column, as nullable integers (<NA> where a cell is not a count)."""
    codes, distinct = pd.factorize(texts, use_na_sentinel=False)
    return pd.array([parse_count(text) for text in distinct], dtype="Int64").take(codes)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """A YAML document read the safe way (plain data, no tags), with libyaml when the wheel has it: the schemas,
    catalog and registry are read on every run and the pure-Python parser took half a second for them."""
    return yaml.load(text, Loader=_YAML_LOADER)
