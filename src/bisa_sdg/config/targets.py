"""The targets catalog (config/targets.csv): which number, from which agenda, each series is measured against.

Targets are data a statistician reads and edits; this module only checks them and turns relative targets
("−50 % vs 2019") into the absolute value the progress methods need. Column meanings: config/targets.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bisa_sdg.parsing import finite_number, load_yaml

TARGET_COLUMNS: tuple[str, ...] = (
    "target_id",
    "agenda",
    "indicator_id",
    "series",
    "target_value",
    "target_relative_change",
    "target_year",
    "base_year",
    "direction",
    "kind",
    "applies_to",
    "citation",
    "note",
    "statistic",
)

# Who set the target. A small fixed set, described in config/targets.md.
AGENDAS: dict[str, str] = {
    "2030_agenda": "UN 2030 Agenda for Sustainable Development (A/RES/70/1): the SDG targets",
    "new_urban_agenda": "UN New Urban Agenda (Habitat III, A/RES/71/256): commitments without numbers",
    "un_general_assembly": "other UN General Assembly resolutions (e.g. A/RES/74/299 on road safety)",
    "paris_agreement": "Paris Agreement under the UNFCCC (2015)",
    "eu_law": "binding EU law: directives and regulations (air quality, waste, European Climate Law)",
    "eu_policy": "EU policy targets in Commission plans and frameworks (Zero Pollution, road safety)",
    "who": "World Health Organization guidelines",
    "regional_plan": "plans of the region itself (Brussels: Good Move, Plan Air-Climat-Energie)",
}


@dataclass(frozen=True)
class AgendaGroup:
    """A row of the agenda scorecard: the agenda codes (targets.csv) it reports together."""

    code: str
    label: str
    agendas: tuple[str, ...]


def load_agenda_groups(path: Path) -> tuple[AgendaGroup, ...]:
    """config/agenda_groups.yaml, in reading order; every agenda code of :data:`AGENDAS` in exactly one group."""
    path = Path(path)
    document = load_yaml(path.read_text(encoding="utf-8")) or {}
    groups = tuple(
        AgendaGroup(str(g["code"]), str(g["label"]), tuple(str(a) for a in g["agendas"]))
        for g in document.get("groups") or []
    )
    listed = [agenda for group in groups for agenda in group.agendas]
    problems = [f"agenda {a!r} is not one of {sorted(AGENDAS)}" for a in listed if a not in AGENDAS]
    problems += [
        f"agenda {a!r} is in {listed.count(a)} groups" for a in sorted(set(listed)) if listed.count(a) > 1
    ]
    problems += [f"agenda {a!r} is in no group" for a in AGENDAS if a not in listed]
    if len({g.code for g in groups}) != len(groups):
        problems.append("group codes repeat")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return groups


KINDS: dict[str, str] = {
    "legal_limit": "a limit value fixed in law that must not be exceeded (e.g. an air-quality limit value)",
    "legal_target": "a quantified target fixed in law for a Member State or the EU (recycling, climate)",
    "guideline": "a health-based guideline level without legal force (WHO)",
    "political_target": "a quantified goal in a plan, framework or resolution, not legally binding",
    "commitment": "a commitment or direction without a number (New Urban Agenda, most SDG 11 targets)",
}

APPLIES_TO: dict[str, str] = {
    "all": "holds as such for any place or population, the region included (WHO, UN, limit values)",
    "eu": "set for the EU as a whole: a benchmark for the region, not an obligation of the region",
    "member_state": "an obligation of the Member State (Belgium); the region's share is not fixed",
    "region": "set by or for the region itself",
}

DIRECTIONS: tuple[str, ...] = ("increase", "decrease")

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_SERIES_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
_YEAR_RANGE = (1900, 2100)


def load_targets(path: str | Path) -> pd.DataFrame:
    """Read and check the targets catalog; raise one ValueError listing every problem with file and row.

    Rows are numbered as in a spreadsheet (the header is row 1). Returns the catalog with numeric columns
    typed: ``target_value`` and ``target_relative_change`` as float (NaN when empty), ``target_year`` and
    ``base_year`` as nullable Int64; the text columns as str ('' when empty).
    """
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in TARGET_COLUMNS if c not in raw.columns]
    unknown = [c for c in raw.columns if c not in TARGET_COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing columns {missing}")
        if unknown:
            parts.append(f"unknown columns {unknown}")
        raise ValueError(f"{path}: header: {'; '.join(parts)} (expected {list(TARGET_COLUMNS)})")
    # A row shorter than the header (e.g. written before `statistic` was added) leaves its last cells empty.
    raw = raw[list(TARGET_COLUMNS)].fillna("").apply(lambda col: col.str.strip())

    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(raw.to_dict("records")):
        row_no = i + 2
        label = f"{path}: row {row_no} (target_id {rec['target_id']!r})"
        for problem in _row_problems(rec):
            problems.append(f"{label}: {problem}")
        tid = rec["target_id"]
        if tid in seen:
            problems.append(f"{label}: duplicate target_id, first used in row {seen[tid]}")
        else:
            seen[tid] = row_no
    if problems:
        raise ValueError(f"{len(problems)} problem(s) in the targets catalog:\n" + "\n".join(problems))

    out = raw.copy()
    for col in ("target_value", "target_relative_change"):
        out[col] = pd.to_numeric(out[col].replace("", None), errors="raise").astype("float64")
    for col in ("target_year", "base_year"):
        out[col] = pd.to_numeric(out[col].replace("", None), errors="raise").astype("Int64")
    return out


def resolve_target_value(row: Mapping[str, Any], base_value: float | None = None) -> float | None:
    """The absolute target of a catalog row: its ``target_value``, or base_value·(1 + relative change).

    ``base_value`` must be the series' value in the row's ``base_year`` (e.g. 2005 for the Brussels climate
    goal), which may differ from the base year of the progress assessment. Returns None for commitments
    without a number. Raises ValueError when a relative target cannot be resolved.
    """
    value = _number(row.get("target_value"))
    if value is not None:
        return value
    change = _number(row.get("target_relative_change"))
    if change is None:
        return None
    tid = row.get("target_id", "?")
    base_year = _number(row.get("base_year"))
    if base_year is None:
        raise ValueError(
            f"target {tid!r}: relative target without a base year in the catalog; cannot resolve"
        )
    if base_value is None or not math.isfinite(base_value):
        raise ValueError(
            f"target {tid!r}: needs the series value in base year {base_year:.0f} to resolve {change:+g}"
        )
    return float(base_value) * (1.0 + change)


# ---- helpers --------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A float from a catalog cell, or None when the cell is empty/NaN/NA."""
    if value is None or value is pd.NA or value == "":
        return None
    v = float(value)
    return None if math.isnan(v) else v


def _parse_year(text: str) -> int | None:
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if _YEAR_RANGE[0] <= year <= _YEAR_RANGE[1] else None


def _row_problems(rec: dict[str, str]) -> list[str]:
    """Every rule a catalog row breaks, in plain words."""
    out: list[str] = []
    if not _ID_PATTERN.match(rec["target_id"]):
        out.append("target_id must be lower-case letters, digits and '_'")
    if rec["agenda"] not in AGENDAS:
        out.append(f"agenda {rec['agenda']!r} is not one of {sorted(AGENDAS)}")
    if not rec["indicator_id"]:
        out.append("indicator_id is empty")
    if not _SERIES_PATTERN.match(rec["series"]):
        out.append(f"series {rec['series']!r} must be a code of letters, digits and '_'")
    if rec["kind"] not in KINDS:
        out.append(f"kind {rec['kind']!r} is not one of {sorted(KINDS)}")
    if rec["applies_to"] not in APPLIES_TO:
        out.append(f"applies_to {rec['applies_to']!r} is not one of {sorted(APPLIES_TO)}")
    if rec["direction"] and rec["direction"] not in DIRECTIONS:
        out.append(f"direction {rec['direction']!r} is not one of {list(DIRECTIONS)} (or empty)")
    if "http" not in rec["citation"]:
        out.append("citation must name the document and give at least one URL")

    value = change = None
    if rec["target_value"]:
        value = finite_number(rec["target_value"])
        if value is None:
            out.append(f"target_value {rec['target_value']!r} is not a number")
    if rec["target_relative_change"]:
        change = finite_number(rec["target_relative_change"])
        if change is None:
            out.append(f"target_relative_change {rec['target_relative_change']!r} is not a number")
        elif change < -1:
            out.append("target_relative_change below -1 (a fall of more than 100 %)")
    target_year = base_year = None
    for col in ("target_year", "base_year"):
        if rec[col]:
            year = _parse_year(rec[col])
            if year is None:
                out.append(f"{col} {rec[col]!r} is not a year between {_YEAR_RANGE[0]} and {_YEAR_RANGE[1]}")
            elif col == "target_year":
                target_year = year
            else:
                base_year = year

    numeric = bool(rec["target_value"] or rec["target_relative_change"])
    if rec["target_value"] and rec["target_relative_change"]:
        out.append("give either target_value or target_relative_change, not both")
    if rec["kind"] == "commitment" and numeric:
        out.append("a commitment has no number: leave target_value and target_relative_change empty")
    if rec["kind"] in KINDS and rec["kind"] != "commitment" and not numeric:
        out.append(f"kind {rec['kind']!r} needs a target_value or a target_relative_change")
    if numeric:
        if not rec["target_year"]:
            out.append("a numeric target needs a target_year")
        if not rec["direction"]:
            out.append("a numeric target needs a direction")
    if change is not None and change != 0 and rec["direction"] in DIRECTIONS:
        implied = "decrease" if change < 0 else "increase"
        if rec["direction"] != implied:
            out.append(f"target_relative_change {change:+g} contradicts direction {rec['direction']!r}")
    if base_year is not None and target_year is not None and base_year >= target_year:
        out.append(f"base_year {base_year} is not before target_year {target_year}")
    if rec["base_year"] and value is not None:
        out.append("base_year is only used with target_relative_change; leave it empty for absolute targets")
    return out
