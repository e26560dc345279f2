"""Configuration the progress and benchmark tables read, loaded as meta tables before the models run.

Why tables: the SQL models (``curated.agenda_scorecard``, ``curated.benchmarks``) must not carry values of
their own. The targets catalog, the grouping of agendas for the scorecard and the mapping of benchmark
indicators to the pipeline's series are data a statistician edits, so they reach SQL as ``meta.targets``,
``meta.agenda_groups`` and ``meta.benchmark_map``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from bisa_sdg.config.framework import load_framework_map, umf_cells
from bisa_sdg.config.targets import AGENDAS, AgendaGroup, load_agenda_groups, load_targets
from bisa_sdg.parsing import finite_number, read_config_csv
from bisa_sdg.warehouse import database as wh

AGENDA_GROUPS_FILE = "agenda_groups.yaml"  # beside benchmark_map.csv, in the configuration folder
BENCHMARK_MAP_COLUMNS: tuple[str, ...] = (
    "benchmark",
    "benchmark_indicator",
    "benchmark_area",
    "better",
    "indicator_id",
    "series",
    "unit_factor",
    "comparability",
    "note",
)
BETTER: tuple[str, ...] = ("lower", "higher")
COMPARABILITY: dict[str, str] = {
    "similar": "the same quantity, measured or estimated differently (the note says how)",
    "different": "a related but different quantity: shown side by side, not to be read as the same figure",
    "no_series": "the pipeline has no series for this benchmark indicator",
}
_CODE = re.compile(r"^[A-Za-z0-9_]+$")


def agenda_groups_frame(groups: Sequence[AgendaGroup]) -> pd.DataFrame:
    """One row per agenda code: its scorecard group, the group's label and position."""
    return pd.DataFrame(
        [
            {
                "agenda": agenda,
                "agenda_description": AGENDAS.get(agenda, ""),
                "agenda_group": group.code,
                "agenda_group_label": group.label,
                "group_position": position,
            }
            for position, group in enumerate(groups, start=1)
            for agenda in group.agendas
        ]
    )


def region_targets(path: Path, applies_to: Sequence[str] | None = None) -> pd.DataFrame:
    """The targets catalog (checked by targets.load_targets), restricted to the applies_to codes a profile binds."""
    targets = load_targets(path)
    if applies_to is not None:
        targets = targets[targets["applies_to"].isin(list(applies_to))].reset_index(drop=True)
    return targets


def load_benchmark_map(path: Path) -> pd.DataFrame:
    """Read config/benchmark_map.csv; one ValueError lists every bad row (spreadsheet row numbers)."""
    path = Path(path)
    raw = read_config_csv(path, BENCHMARK_MAP_COLUMNS)
    problems: list[str] = []
    for i, rec in enumerate(raw.to_dict("records")):
        where = f"{path}: row {i + 2} ({rec['benchmark']}/{rec['benchmark_indicator']})"
        if not _CODE.match(rec["benchmark"]) or not _CODE.match(rec["benchmark_indicator"]):
            problems.append(
                f"{where}: benchmark and benchmark_indicator are codes of letters, digits and '_'"
            )
        if rec["better"] not in BETTER:
            problems.append(f"{where}: better must be one of {list(BETTER)}")
        if rec["comparability"] not in COMPARABILITY:
            problems.append(f"{where}: comparability must be one of {sorted(COMPARABILITY)}")
        has_series = bool(rec["series"])
        if has_series != (rec["comparability"] != "no_series"):
            problems.append(f"{where}: a series is given exactly when comparability is not 'no_series'")
        if has_series:
            factor = finite_number(rec["unit_factor"])
            if factor is None or factor <= 0:
                problems.append(f"{where}: unit_factor must be a positive number (1 when the units agree)")
        if not rec["note"]:
            problems.append(f"{where}: note must say how the two figures differ")
    duplicated = raw.duplicated(["benchmark", "benchmark_indicator"], keep=False)
    if duplicated.any():
        problems.append(
            f"{path}: benchmark indicators listed twice: {sorted(set(raw.loc[duplicated, 'benchmark_indicator']))}"
        )
    if problems:
        raise ValueError(f"{len(problems)} problem(s) in the benchmark map:\n" + "\n".join(problems))
    out = raw.replace({"indicator_id": {"": None}, "series": {"": None}})
    out["unit_factor"] = pd.to_numeric(out["unit_factor"].replace("", None)).astype("float64")
    return out


def load_assessment_tables(
    con: duckdb.DuckDBPyConnection,
    targets_path: Path,
    benchmark_map_path: Path,
    applies_to: Sequence[str] | None = None,
) -> None:
    """meta.targets, meta.agenda_groups (agenda_groups.yaml beside the benchmark map) and meta.benchmark_map,
    with comments (missing files are an error)."""
    for path in (targets_path, benchmark_map_path):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: configuration file needed by the progress and benchmark tables")
    wh.load_frame(con, "meta", "targets", region_targets(targets_path, applies_to))
    groups = load_agenda_groups(Path(benchmark_map_path).parent / AGENDA_GROUPS_FILE)
    wh.load_frame(con, "meta", "agenda_groups", agenda_groups_frame(groups))
    wh.load_frame(con, "meta", "benchmark_map", load_benchmark_map(benchmark_map_path))
    load_framework_tables(con, Path(benchmark_map_path).parent / "framework_map.csv")
    con.execute(
        "comment on table meta.targets is 'The targets catalog (config/targets.csv, columns in config/targets.md), "
        "restricted to the applies_to codes of the region profile when it names them'"
    )
    con.execute(
        "comment on table meta.agenda_groups is 'Agenda codes of the targets catalog grouped as the rows of "
        "curated.agenda_scorecard (config/agenda_groups.yaml)'"
    )
    con.execute(
        "comment on table meta.benchmark_map is 'Benchmark indicators (SDSN) mapped to the pipeline series, with "
        "the better direction, a unit factor and how comparable they are (config/benchmark_map.csv)'"
    )


def load_framework_tables(con: duckdb.DuckDBPyConnection, framework_map_path: Path) -> None:
    """meta.umf_cells and meta.framework_map (config/framework_map.csv, beside benchmark_map.csv)."""
    if not Path(framework_map_path).is_file():
        raise FileNotFoundError(
            f"{framework_map_path}: configuration file needed by curated.framework_coverage"
        )
    wh.load_frame(con, "meta", "umf_cells", umf_cells())
    wh.load_frame(con, "meta", "framework_map", load_framework_map(framework_map_path))
    con.execute(
        "comment on table meta.umf_cells is 'The 20 cells (5 domains x 4 objectives) of UN-Habitat''s Global Urban "
        "Monitoring Framework (bisa_sdg.config.framework; source docs/sources/umf.md)'"
    )
    con.execute(
        "comment on table meta.framework_map is 'Indicators of the registry mapped to UMF cells, each link with its "
        "source and whether it was verified (config/framework_map.csv)'"
    )
