"""One read-only look at a published warehouse: everything the outputs need, read once and closed.

Every output (SDMX, extracts, Open SDG, report) is written from the same snapshot, so they can never disagree
about the figures, and the warehouse file is held open for a fraction of a second only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from bisa_sdg.validation.identifiers import checked_identifier

# Optional curated tables other steps may add; every output handles their absence.
PROGRESS_TABLE = "progress"
SCORECARD_TABLE = "agenda_scorecard"
NATIONAL_TABLE = "national_context"
EQUITY_TABLE = "equity"
OUTLINES_TABLE = "area_outlines"


def present(value: Any) -> bool:
    """Not None, NA or NaN (pandas records carry all three)."""
    return value is not None and value is not pd.NA and not (isinstance(value, float) and math.isnan(value))


def as_records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Plain dicts with None for missing cells. The outputs' tables are small: per-row Python is much faster
    than many pandas selections on tiny (Arrow-backed) frames."""
    if frame is None or frame.empty:
        return []
    # Column by column (tolist gives the Python values to_dict("records") gives, at a fraction of its cost).
    names = list(frame.columns)
    columns = [[v if present(v) else None for v in frame.iloc[:, i].tolist()] for i in range(len(names))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


@dataclass(frozen=True)
class RunInfo:
    """The run that built the warehouse (audit.runs), so outputs can say which figures they carry."""

    run_id: str
    started_at: str
    code_version: str
    profile: str
    inputs: dict[str, str]

    @property
    def started(self) -> datetime:
        """The start as an aware datetime (a deterministic SDMX 'Prepared' for unreleased runs)."""
        try:
            stamp = datetime.fromisoformat(self.started_at)
        except ValueError:
            return datetime(1970, 1, 1, tzinfo=UTC)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Snapshot:
    """The curated tables (as Arrow, types kept) and the metadata that explains them."""

    warehouse: Path
    tables: dict[str, pa.Table]  # curated table name -> rows
    table_comments: dict[str, str]  # curated table name -> COMMENT
    column_comments: dict[tuple[str, str], str]  # (table, column) -> COMMENT
    sources: pd.DataFrame  # meta.sources
    source_files: pd.DataFrame  # meta.source_files
    run: RunInfo
    extra: dict[str, Any] = field(default_factory=dict)

    def frame(self, table: str) -> pd.DataFrame | None:
        """A curated table as pandas (None when the warehouse has no such table); a fresh copy each call."""
        arrow = self.tables.get(table)
        return None if arrow is None else arrow.to_pandas()

    @cached_property
    def _indicator_values(self) -> pd.DataFrame:
        frame = self.frame("indicator_values")
        if frame is None:
            raise LookupError(f"{self.warehouse}: no curated.indicator_values table")
        # synthetic may be NULL in older builds: unknown is reported as not flagged, never as synthetic.
        frame["synthetic"] = frame["synthetic"].astype("boolean").fillna(False).astype(bool)
        return frame

    @property
    def indicator_values(self) -> pd.DataFrame:
        """curated.indicator_values as pandas (converted once; each caller gets its own copy)."""
        return self._indicator_values.copy()

    @cached_property
    def _areas(self) -> pd.DataFrame:
        frame = self.frame("areas")
        if frame is None:
            raise LookupError(f"{self.warehouse}: no curated.areas table")
        return frame

    @property
    def areas(self) -> pd.DataFrame:
        """curated.areas as pandas (converted once; each caller gets its own copy)."""
        return self._areas.copy()

    @cached_property
    def value_records(self) -> list[dict[str, Any]]:
        """curated.indicator_values as plain dicts (shared: do not modify)."""
        return as_records(self._indicator_values)

    @cached_property
    def area_records(self) -> dict[str, dict[str, Any]]:
        """curated.areas as plain dicts by area code (shared: do not modify)."""
        return {str(r["ref_area"]): r for r in as_records(self._areas)}

    def label(self, vintage: str | None) -> str:
        """'release 2025-06-30' or 'unreleased run <run_id>': what every output says it is."""
        return f"release {vintage}" if vintage else f"unreleased run {self.run.run_id}"


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    # fetchall, not fetchone: DuckDB 2 refuses new work on a connection with an unfinished result.
    rows = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchall()
    return bool(rows and rows[0][0])


def _run_info(con: duckdb.DuckDBPyConnection) -> RunInfo:
    rows = (
        con.execute(
            "select run_id, started_at, code_version, profile, inputs from audit.runs "
            "order by started_at desc limit 1"
        ).fetchall()
        if _exists(con, "audit", "runs")
        else []
    )
    if not rows:
        return RunInfo(run_id="unknown", started_at="", code_version="", profile="", inputs={})
    row = rows[0]
    try:
        inputs = json.loads(row[4]) if row[4] else {}
    except (TypeError, ValueError):
        inputs = {}
    return RunInfo(
        run_id=str(row[0]),
        started_at=str(row[1] or ""),
        code_version=str(row[2] or ""),
        profile=str(row[3] or ""),
        inputs={str(k): str(v) for k, v in dict(inputs).items()},
    )


def _meta_frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    if not _exists(con, "meta", table):
        return pd.DataFrame()
    return con.table(f"meta.{checked_identifier(table)}").df()


def read_snapshot(warehouse: Path) -> Snapshot:
    """Open the warehouse read-only, read what the outputs need, close it."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"{warehouse}: no published warehouse to write outputs from")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'curated' "
                "union select view_name from duckdb_views() where schema_name = 'curated' and not internal "
                "order by 1"
            ).fetchall()
        ]
        tables = {name: con.table(f"curated.{checked_identifier(name)}").to_arrow_table() for name in names}
        table_comments = {
            str(r[0]): str(r[1] or "")
            for r in con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'curated' "
                "union all select view_name, comment from duckdb_views() where schema_name = 'curated'"
            ).fetchall()
        }
        column_comments = {
            (str(r[0]), str(r[1])): str(r[2] or "")
            for r in con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name = 'curated' "
                "order by table_name, column_index"
            ).fetchall()
        }
        return Snapshot(
            warehouse=warehouse,
            tables=tables,
            table_comments=table_comments,
            column_comments=column_comments,
            sources=_meta_frame(con, "sources"),
            source_files=_meta_frame(con, "source_files"),
            run=_run_info(con),
            extra={
                name: _meta_frame(con, name)
                for name in (
                    "sdg_indicators",
                    "sdg_series",
                    "indicator_registry",
                    "indicator_registry_series",
                )
            },
        )
