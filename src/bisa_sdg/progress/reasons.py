"""Why a progress row has no class: reason codes, and the English words and sentences they stand for.

A method (``bisa_sdg.progress.methods``) and the table (``bisa_sdg.progress.table``) decide *why* with a code;
words are made from the code here, so that a report can print the code in its own language (the scorecard
counts :data:`REASONS` codes) and no code is ever recovered by reading an English sentence.

Two levels:

* :data:`REASONS`: the codes of ``curated.progress.reason_code`` → the few English words of ``reason_label``.
* :data:`SENTENCES`: a finer key (which check failed) → its :data:`REASONS` code and the English sentence of the
  ``reason`` column, a template filled with the numbers of the case (years, values, target).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Code → English words, in the order the warehouse documents them (curated.progress.reason_code).
REASONS: dict[str, str] = {
    "no_data": "no data",
    "one_observation": "one data point",
    "no_base_observation": "no data point from the base year on",
    "no_usable_observation": "no data point up to the target year",
    "undefined_growth": "growth rate undefined (zero or negative values)",
    "target_unresolved": "target value cannot be resolved",
    "no_direction": "no desired direction",
    "no_numeric_target": "method needs a numeric target",
    "no_trend": "values cannot show a trend (see reason)",
    # A row without a class whose method gave no code; no method does today, the code keeps such a row visible.
    "other": "other reason (see reason)",
}

# Sentence key → (reason code, English sentence with the case's numbers as str.format fields).
SENTENCES: dict[str, tuple[str, str]] = {
    "no_data": ("no_data", "no observation of the series for this area"),
    "no_direction": (
        "no_direction",
        "neither the target row nor the indicator registry gives a desired direction",
    ),
    "no_usable_observation": ("no_usable_observation", "no usable observation"),
    "no_usable_observation_to_target": (
        "no_usable_observation",
        "no usable observation up to the target year {target_year}",
    ),
    "one_observation": ("one_observation", "only one usable observation ({latest_year}); a trend needs two"),
    "no_base_observation": (
        "no_base_observation",
        "no observation from the base year {start} onwards before the latest year {latest_year}",
    ),
    "zero_base": (
        "undefined_growth",
        "base value is zero ({base_year}): growth rates from a zero base are undefined",
    ),
    "sign_change": (
        "undefined_growth",
        "sign change between {base_year} ({base_value:g}) and {latest_year} ({latest_value:g}): CAGR undefined",
    ),
    "negative_values": (
        "undefined_growth",
        "negative values ({base_year}: {base_value:g}, {latest_year}: {latest_value:g}): CAGR undefined",
    ),
    "negative_target": (
        "undefined_growth",
        "negative target ({target:g}): the required growth rate is undefined",
    ),
    "unsd2023_needs_target": (
        "no_numeric_target",
        "unsd-2023 (anticipated value P) needs a numerical target; none given",
    ),
    "fpb_needs_target": (
        "no_numeric_target",
        "fpb needs a numerical target: its direction rule and significance test are not implemented",
    ),
}


@dataclass(frozen=True)
class Reason:
    """A reason code (:data:`REASONS`) and the sentence that explains it for one case."""

    code: str
    text: str


def reason(key: str, **values: Any) -> Reason:
    """The :class:`Reason` of a :data:`SENTENCES` key, its sentence filled with ``values``."""
    code, template = SENTENCES[key]
    return Reason(code, template.format(**values))


def given(code: str, text: str) -> Reason:
    """A reason whose sentence comes from elsewhere (a target's resolution error, the catalog's no-trend note)."""
    if code not in REASONS:
        raise ValueError(f"unknown reason code {code!r}; known: {', '.join(REASONS)}")
    return Reason(code, text)
