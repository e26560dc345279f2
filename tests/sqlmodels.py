"""Run the project's real .sql model files against small hand-made tables."""

from __future__ import annotations

import duckdb
import pandas as pd

from bisa_sdg.warehouse import database as wh


def run_models(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Run the named models (schema.table), in dependency order, exactly as the pipeline would."""
    models = [m for m in wh.discover_models() if m.name in names]
    assert {m.name for m in models} == set(names), f"unknown model among {names}"
    wh.run_models(con, models)


def new_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    wh.create_schemas(con)
    return con


def load(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    schema, name = table.split(".")
    wh.load_frame(con, schema, name, pd.DataFrame(rows))
