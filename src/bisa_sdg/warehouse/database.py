"""The DuckDB warehouse: load validated sources, run the models in dependency order, publish atomically.

Models are .sql files under ``sql/`` and, for what SQL cannot say well (the progress methods), Python modules
under ``models/`` that declare ``DEFINES``, ``DEPENDS_ON`` and ``build(con)``; both kinds share one
dependency graph, so a SQL model may read a table a Python model writes and vice versa.

The warehouse is built in a new file next to the published one and swapped in with ``os.replace`` only when
everything succeeded, so analysts never see a half-built file and a failed run leaves the last good one intact.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from bisa_sdg.config.catalog import Catalog
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.contract import BREAKDOWN_COLUMNS, COLUMN_TYPES
from bisa_sdg.validation.identifiers import IDENTIFIER, checked_identifier

SCHEMAS = ("raw", "staging", "core", "meta", "curated", "audit")
_DEFINES = re.compile(r"create\s+or\s+replace\s+(?:table|view)\s+([a-z_]+)\.([a-z0-9_]+)", re.IGNORECASE)
_REFERENCES = re.compile(r"\b(raw|staging|core|meta|curated)\.([a-z0-9_]+)\b", re.IGNORECASE)
INDICATOR_UNION = "core.indicator_union"
PYTHON_MODELS_PACKAGE = "bisa_sdg.warehouse.models"
MODEL_WORKERS = 2  # SQL models run side by side (run_models); see its docstring for what a Python model does
# The published file is read by analysts' tools that lag DuckDB releases (DBeaver, the CLI, R's duckdb): write it
# in the storage format of DuckDB 1.1 (storage version 64, read by DuckDB 0.10 and later) rather than the
# writer's own. Cost measured in docs/performance.md.
STORAGE_VERSION = "v1.1.0"


def build_config() -> dict[str, str]:
    """The DuckDB settings a warehouse file is created with: the old readers' storage format, and no fsync
    while building (the file is private until ``publish``, which syncs it before the rename)."""
    return {"storage_compatibility_version": STORAGE_VERSION, "fsync_mode": "NONE"}


class ModelError(RuntimeError):
    """A model failed; the message names the model file."""


@dataclass(frozen=True)
class Model:
    name: str  # schema.table of the first object the file creates
    path: str  # file path relative to the sql package
    sql: str
    defines: frozenset[str]
    depends_on: frozenset[str]
    build: Callable[[duckdb.DuckDBPyConnection], None] | None = None  # set for Python models, sql is then ''

    @property
    def language(self) -> str:
        return "python" if self.build is not None else "sql"


def discover_models(sql_root: Path | None = None, python_root: Path | None = None) -> list[Model]:
    """Every .sql file under sql/ (what it defines and reads, found by its schema.table names) and every Python
    model under models/ (what it declares). Without arguments both package folders are searched; with a
    ``sql_root`` only that folder, plus ``python_root`` when given (tests point at their own folders)."""
    if sql_root is None and python_root is None:
        python_models = _discover_python_models(
            Path(str(resources.files("bisa_sdg.warehouse") / "models")), PYTHON_MODELS_PACKAGE
        )
    else:
        python_models = [] if python_root is None else _discover_python_models(python_root, None)
    root = Path(str(resources.files("bisa_sdg.warehouse") / "sql")) if sql_root is None else sql_root
    models = []
    for path in sorted(root.rglob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
        defines = {f"{s.lower()}.{t.lower()}" for s, t in _DEFINES.findall(code)}
        if not defines:
            raise ModelError(
                f"{path}: a model must create a table or view (create or replace table schema.name)"
            )
        references = {f"{s.lower()}.{t.lower()}" for s, t in _REFERENCES.findall(code)} - defines
        first = _DEFINES.search(code)
        assert first is not None
        models.append(
            Model(
                name=f"{first.group(1).lower()}.{first.group(2).lower()}",
                path=str(path.relative_to(root)),
                sql=sql,
                defines=frozenset(defines),
                depends_on=frozenset(references),
            )
        )
    return models + python_models


def _discover_python_models(root: Path, package: str | None) -> list[Model]:
    """Python models: modules (not starting with '_') declaring DEFINES, DEPENDS_ON and build(con).

    The declarations are checked here, so a malformed model fails at discovery with its file name rather
    than somewhere in the middle of a build.
    """
    models = []
    for path in sorted(root.glob("*.py")) if root.is_dir() else []:
        if path.name.startswith("_"):
            continue
        if package is not None:
            module = importlib.import_module(f"{package}.{path.stem}")
        else:
            spec = importlib.util.spec_from_file_location(f"_bisa_sdg_model_{path.stem}", path)
            if spec is None or spec.loader is None:
                raise ModelError(f"{path}: cannot be imported as a Python model")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        defines = _declared_tables(path, "DEFINES", getattr(module, "DEFINES", None))
        depends_on = _declared_tables(path, "DEPENDS_ON", getattr(module, "DEPENDS_ON", ()))
        build = getattr(module, "build", None)
        if not defines:
            raise ModelError(f"{path}: a Python model must declare DEFINES = ('schema.table', ...)")
        if not callable(build):
            raise ModelError(f"{path}: a Python model must define build(con) -> None")
        models.append(
            Model(
                name=defines[0],
                path=f"{root.name}/{path.name}",
                sql="",
                defines=frozenset(defines),
                depends_on=frozenset(depends_on) - frozenset(defines),
                build=build,
            )
        )
    return models


def _declared_tables(path: Path, attribute: str, value: Any) -> list[str]:
    """The schema.table names a Python model declares, lower-cased and checked like SQL identifiers."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ModelError(f"{path}: {attribute} must be a tuple of 'schema.table' names, not {value!r}")
    names = []
    for item in value:
        schema, _, table = str(item).lower().partition(".")
        if schema not in SCHEMAS or not table or not IDENTIFIER.match(table):
            raise ModelError(f"{path}: {attribute} entry {item!r} is not 'schema.table' with a known schema")
        names.append(f"{schema}.{table}")
    return names


def dependency_graph(models: Iterable[Model]) -> dict[str, set[str]]:
    """Each model's name → the models it reads; every core.ind_* model comes before the indicator union."""
    models = list(models)
    producers = {obj: model.name for model in models for obj in model.defines}
    indicator_models = {m.name for m in models if m.name.startswith("core.ind_")}
    graph: dict[str, set[str]] = {}
    for model in models:
        deps = {producers[ref] for ref in model.depends_on if ref in producers}
        if INDICATOR_UNION in model.depends_on:
            deps |= indicator_models
        graph[model.name] = deps - {model.name}
    return graph


def order_models(models: Iterable[Model]) -> list[Model]:
    """Dependency order (one of them; run_models may run independent models side by side)."""
    models = list(models)
    try:
        order = list(TopologicalSorter(dependency_graph(models)).static_order())
    except CycleError as exc:
        raise ModelError(f"SQL models depend on each other in a cycle: {exc.args[1]}") from exc
    by_name = {m.name: m for m in models}
    return [by_name[name] for name in order]


def create_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {checked_identifier(schema)}")


def load_frame(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame) -> int:
    """Create schema.table from a DataFrame, never pasted into SQL: DuckDB reads the local ``incoming`` by name
    (a replacement scan, cheaper than register + unregister for small frames: docs/performance.md)."""
    target = f"{checked_identifier(schema)}.{checked_identifier(table)}"
    incoming = frame  # noqa: F841 - read by DuckDB's replacement scan below
    con.execute(f"create or replace table {target} as select * from incoming")  # noqa: S608 - identifiers pass checked_identifier
    return len(frame)


def load_raw_sources(con: duckdb.DuckDBPyConnection, frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    return {
        source_id: load_frame(con, "raw", source_id, frame) for source_id, frame in sorted(frames.items())
    }


def load_meta(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, profile: RegionProfile, file_hashes: Mapping[str, str]
) -> None:
    """Catalog and profile as tables, so SQL models and analysts read configuration as data."""
    sources = pd.DataFrame(
        [
            {
                "source_id": s.id,
                "title": s.title,
                "publisher": s.publisher,
                "licence": s.licence,
                "url": s.url,
                "retrieved": s.retrieved,
                "cadence": s.cadence,
                "synthetic": s.synthetic,
                "caveats": str(s.extra.get("caveats", "")),
            }
            for s in catalog.sources
        ]
    )
    files = pd.DataFrame(
        [
            {
                "source_id": s.id,
                "path": f.path,
                "sha256_catalog": f.sha256,
                "sha256_read": file_hashes.get(f.path),
                "note": str(f.attrs.get("note", "")),
            }
            for s in catalog.sources
            for f in s.files
        ]
    )
    areas = [
        {
            "ref_area": profile.region_code,
            "level": "region",
            "parent_area": profile.country_m49,
            "name_fr": profile.region_names.get("fr"),
            "name_nl": profile.region_names.get("nl"),
            "name_en": profile.region_names.get("en"),
        }
    ] + [
        {
            "ref_area": code,
            "level": "municipality",
            "parent_area": profile.region_code,
            "name_fr": None,
            "name_nl": None,
            "name_en": None,
        }
        for code in profile.municipalities
    ]
    load_frame(con, "meta", "sources", sources)
    load_frame(con, "meta", "source_files", files)
    load_frame(con, "meta", "profile_areas", pd.DataFrame(areas).astype({"name_en": "string"}))
    con.execute("comment on table meta.sources is 'The catalog of sources (data/raw/catalog.yaml)'")
    con.execute(
        "comment on table meta.source_files is 'Each raw file read: the hash the catalog records and the hash actually read'"
    )
    con.execute("comment on table meta.profile_areas is 'The areas of the region profile (config/profiles)'")


def indicator_totals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The totals of curated.indicator_values (every breakdown '_T'): what the Python models compare across areas."""
    totals = " and ".join(f"{checked_identifier(column)} = '_T'" for column in BREAKDOWN_COLUMNS)
    columns = "indicator_id, series, unit_measure, ref_area, time_period, obs_value"
    query = f"select {columns} from curated.indicator_values where {totals}"  # noqa: S608 - constant names only
    return con.execute(query).df()


def _create_indicator_union(con: duckdb.DuckDBPyConnection) -> None:
    """Union of every core.ind_* table, starting from an empty relation with every contract column."""
    tables = [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'core' and table_name like 'ind\\_%' "
            "escape '\\' order by table_name"
        ).fetchall()
    ]
    empty = (
        "select "
        + ", ".join(
            f"null::{sql_type} as {checked_identifier(column)}" for column, sql_type in COLUMN_TYPES.items()
        )
        + " where false"
    )
    selects = [empty] + [f"select * from core.{checked_identifier(t)}" for t in tables]  # noqa: S608 - identifiers pass checked_identifier
    con.execute(f"create or replace view core.indicator_union as {' union all by name '.join(selects)}")


def run_models(
    con: duckdb.DuckDBPyConnection, models: Iterable[Model], workers: int = MODEL_WORKERS
) -> list[dict[str, Any]]:
    """Run every model once its inputs exist; return one audit record per model (rows written, seconds).

    Models that do not depend on each other run side by side on ``workers`` threads, each on its own cursor
    and in its own transaction. Two SQL models run well side by side; beside a Python model they gain nothing,
    because DuckDB takes the GIL back many times during a statement (docs/performance.md has the figures).
    The tables the models read must be committed before this is called.
    A free worker takes the ready model with the longest chain of models waiting on it: on the sample the chain
    population grid → 11.2.1 → indicator values → progress → scorecard ends the build, so it starts first.
    Records come back in ``order_models`` order whatever order the models finished in.
    """
    ordered = order_models(models)
    by_name = {model.name: model for model in ordered}
    graph = dependency_graph(ordered)
    union_readers = {
        m.name for m in ordered if m.name.startswith("curated.") and INDICATOR_UNION in m.depends_on
    }
    if union_readers:  # the union is a step of its own: after every indicator, before its readers
        graph[INDICATOR_UNION] = {m.name for m in ordered if m.name.startswith("core.ind_")}
        for name in union_readers:
            graph[name] = graph[name] | {INDICATOR_UNION}
    seconds: dict[str, float] = {}

    def run_one(name: str) -> None:
        cursor = con.cursor()
        try:
            cursor.execute("begin transaction")
            started = time.perf_counter()
            if name == INDICATOR_UNION:
                _create_indicator_union(cursor)
            else:
                _run_model(cursor, by_name[name])
                seconds[name] = round(time.perf_counter() - started, 4)
            cursor.execute("commit")
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # the failure may have ended the transaction already
                cursor.execute("rollback")
            raise
        finally:
            cursor.close()

    sorter = TopologicalSorter(graph)
    sorter.prepare()
    priority = _downstream_depth(graph)
    ready: list[str] = []
    workers = max(1, workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="model")
    # The workers share the cores: DuckDB's own threads per statement are cut to match while they run.
    threads = con.execute("select current_setting('threads')").fetchone()[0]
    con.execute(f"set threads = {max(1, int(threads) // workers):d}")
    try:
        running: dict[Future[None], str] = {}
        while sorter.is_active():
            ready += sorter.get_ready()
            # The model with the longest chain of models after it first: the chain ends the build.
            ready.sort(key=lambda name: (-priority[name], name))
            while ready and len(running) < workers:
                name = ready.pop(0)
                running[pool.submit(run_one, name)] = name
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                future.result()  # a failed model raises here; the others already running finish first
                sorter.done(name)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        con.execute(f"set threads = {int(threads):d}")
    try:
        rows = _row_counts(con, [model.name for model in ordered])
    except duckdb.CatalogException as exc:
        raise ModelError(f"a model did not leave the table it defines: {exc}") from exc
    return [
        {"model": model.name, "path": model.path, "rows": rows[model.name], "seconds": seconds[model.name]}
        for model in ordered
    ]


def _downstream_depth(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each model's number of models on the longest chain that waits for it, itself included."""
    readers: dict[str, set[str]] = {name: set() for name in graph}  # every dependency is a key of the graph
    for name, deps in graph.items():
        for dep in deps:
            readers[dep].add(name)
    depth: dict[str, int] = {}
    for name in reversed(list(TopologicalSorter(graph).static_order())):
        depth[name] = 1 + max((depth[r] for r in readers[name]), default=0)
    return depth


def _run_model(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    if model.build is not None:
        try:
            model.build(con)
        except Exception as exc:
            raise ModelError(f"Python model {model.path} failed: {type(exc).__name__}: {exc}") from exc
        _check_created(con, model)
    else:
        # A SQL model that ran has created its table: its first statement names it (discover_models).
        try:
            con.execute(model.sql)
        except duckdb.Error as exc:
            raise ModelError(f"SQL model {model.path} failed: {exc}") from exc


def _check_created(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    schema, table = model.name.split(".")
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ? "
        "union all select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
        [schema, table, schema, table],
    ).fetchall()
    if not any(count for (count,) in found):
        raise ModelError(f"{model.language} model {model.path} did not create {model.name}")


def _row_counts(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, int]:
    """Rows of every model's table in one query rather than one count query per model."""
    if not names:
        return {}
    counts = " union all ".join(
        f"select {position} as position, count(*) as n from "  # noqa: S608 - identifiers pass checked_identifier
        + ".".join(checked_identifier(part) for part in name.split("."))
        for position, name in enumerate(names)
    )
    return {names[position]: n for position, n in con.execute(counts).fetchall()}


def curated_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'curated' order by table_name"
        ).fetchall()
    ]


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Curated tables and columns without a COMMENT: the analysts' API must be documented."""
    missing = [
        f"curated.{r[0]}"
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'curated' and coalesce(comment, '') = ''"
        ).fetchall()
    ]
    missing += [
        f"curated.{r[0]}.{r[1]}"
        for r in con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'curated' and coalesce(comment, '') = ''"
        ).fetchall()
    ]
    return missing


def comment_on(con: duckdb.DuckDBPyConnection, table: str, text: str, columns: Mapping[str, str]) -> None:
    """COMMENT a table a Python model wrote and every column of it; a column without a text is an error.

    The texts are the model's own documentation (COMMENT takes no parameters, so they are quoted here).
    """
    schema, name = (checked_identifier(part) for part in table.split("."))
    present = [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    ]
    missing = [column for column in present if column not in columns]
    if missing:
        raise ModelError(f"{table}: no comment text for columns {missing}")

    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    con.execute(f"comment on table {schema}.{name} is {quoted(text)}")
    for column in present:
        con.execute(
            f"comment on column {schema}.{name}.{checked_identifier(column)} is {quoted(columns[column])}"
        )


def write_audit(
    con: duckdb.DuckDBPyConnection, run: Mapping[str, Any], issues: pd.DataFrame, steps: list[dict[str, Any]]
) -> None:
    run_frame = pd.DataFrame(
        [{k: (json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v) for k, v in run.items()}]
    )
    load_frame(con, "audit", "runs", run_frame)
    issue_frame = issues.copy()
    issue_frame.insert(0, "run_id", run["run_id"])
    load_frame(con, "audit", "validation_issues", issue_frame.astype({"row": "Int64"}))
    step_frame = pd.DataFrame(steps, columns=["model", "path", "rows", "seconds"])
    step_frame.insert(0, "run_id", run["run_id"])
    load_frame(con, "audit", "model_runs", step_frame)


def building_path(warehouse: Path, run_id: str) -> Path:
    """Where a run builds: next to the target (same filesystem, so the final rename is atomic)."""
    return warehouse.with_name(f".{warehouse.name}.{run_id}.building")


def discard_build(target: Path) -> None:
    """Remove a build file and the write-ahead log DuckDB may have left beside it."""
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)


def publish(built: Path, warehouse: Path) -> None:
    """Swap the finished file in atomically; readers holding the old file keep reading their copy."""
    with built.open("rb") as handle:
        os.fsync(handle.fileno())
    os.chmod(built, 0o644)
    os.replace(built, warehouse)
    directory = os.open(warehouse.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A content hash of a table in a fixed order, to compare two builds."""
    schema, name = table.split(".")
    relation = f"{checked_identifier(schema)}.{checked_identifier(name)}"
    frame = con.execute(f"select * from {relation}").df()  # noqa: S608 - identifiers pass checked_identifier
    frame = frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)
    return str(pd.util.hash_pandas_object(frame, index=False).sum())
