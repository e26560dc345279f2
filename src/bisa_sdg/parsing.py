"""Small parsers for the number and code formats that real publisher files use."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

# Text cells as pandas strings kept as Python objects: the same values and missing-value semantics as pandas' default
# "str" (which stores them in Arrow), but without an Arrow conversion at every step, which the pipeline's many
# small frames pay for; Arrow pays off on large inputs, so files from TEXT_UP_TO_BYTES up keep pandas' default
# (figures in docs/performance.md).
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


def read_config_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """A configuration CSV as stripped text cells (nothing guessed), refused unless its header is ``columns``."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if tuple(raw.columns) != tuple(columns):
        raise ValueError(f"{path}: header must be {list(columns)}, not {list(raw.columns)}")
    return raw.apply(lambda col: col.str.strip())


def finite_number(value: Any, *, from_text: bool = True) -> float | None:
    """A finite float, or None when ``value`` is missing (None, NA, NaN), infinite or not a number.

    ``from_text=False`` refuses text and booleans (a typed cell must already be a number); with the default,
    text such as '3.5' is read.
    """
    if value is None or (not from_text and isinstance(value, (bool, str))):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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
# Limits on a configuration file (the largest shipped, config/indicators.yaml: 42 KB, 1,675 nodes, depth 6).
# The safe loader refuses code, not size: ten nested aliases of ten make 10**10 nodes from a few lines.
MAX_YAML_BYTES = 2 * 2**20
MAX_YAML_NODES = 100_000  # counted as expanded: an alias counts every node it stands for
MAX_YAML_DEPTH = 50


class YAMLLimitError(yaml.YAMLError):
    """A YAML document over the size, expansion or depth limit; callers add the file's name."""


def _expanded(node: yaml.Node, memo: dict[int, tuple[int, int]], active: set[int]) -> tuple[int, int]:
    """(nodes, depth) of ``node`` with every alias expanded, from the composed graph (aliases stay shared)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        raise YAMLLimitError("an alias refers to a node that contains it (an endless document)")
    active.add(key)
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    nodes, depth = 1, 0
    for child in children:
        child_nodes, child_depth = _expanded(child, memo, active)
        nodes += child_nodes
        depth = max(depth, child_depth + 1)
        if nodes > MAX_YAML_NODES:
            raise YAMLLimitError(
                f"the document expands to more than {MAX_YAML_NODES} nodes (aliases counted as expanded)"
            )
        if depth > MAX_YAML_DEPTH:
            raise YAMLLimitError(f"the document nests deeper than {MAX_YAML_DEPTH} levels")
    active.discard(key)
    memo[key] = (nodes, depth)
    return nodes, depth


def load_yaml(text: str) -> Any:
    """A YAML document read the safe way (plain data, no tags), with libyaml when the wheel has it: the schemas,
    catalog and registry are read on every run, and the pure-Python parser is slow for them.

    The document is composed first and measured before any Python object is built: over MAX_YAML_BYTES,
    MAX_YAML_NODES (aliases expanded) or MAX_YAML_DEPTH it is refused with :class:`YAMLLimitError`.
    """
    if len(text) > MAX_YAML_BYTES:
        raise YAMLLimitError(
            f"the document is {len(text)} characters long, over the limit of {MAX_YAML_BYTES}"
        )
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded(node, {}, set())
        return loader.construct_document(node)
    finally:
        loader.dispose()
