"""The run log: every run, failed ones included, with its validation issues, kept beside the warehouse.

The published warehouse carries the audit of the run that built it; the run log keeps the history, because a
failed run publishes nothing and its reasons must still be found the next morning (``bisa-sdg status``).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd

RUN_COLUMNS = (
    "run_id",
    "started_at",
    "finished_at",
    "status",
    "profile",
    "code_version",
    "online",
    "inputs",
    "steps",
    "error",
    # observability (flows/pipeline.py): per step the Prefect task/flow name, rows in/out, seconds, cached;
    # build_key + warehouse_sha256 let an unchanged rerun leave the published file alone (bisa_sdg.run.incremental)
    "stages",
    "warnings",
    "build_key",
    "warehouse_sha256",
    "prefect_flow_run",
)
_JSON_COLUMNS = ("inputs", "steps", "stages", "warnings")
# Added after the first run logs were written: older logs get them on their next run.
_ADDED_COLUMNS = """
alter table runs add column if not exists stages varchar;
alter table runs add column if not exists warnings varchar;
alter table runs add column if not exists build_key varchar;
alter table runs add column if not exists warehouse_sha256 varchar;
alter table runs add column if not exists prefect_flow_run varchar;
"""


# Typed up front: a first run whose optional fields are all empty must not fix a column's type as NULL.
_CREATE_TABLES = """
create table if not exists runs (
    run_id varchar primary key, started_at varchar, finished_at varchar, status varchar, profile varchar,
    code_version varchar, online boolean, inputs varchar, steps varchar, error varchar
);
create table if not exists validation_issues (
    run_id varchar, source varchar, file varchar, "row" bigint, "column" varchar, rule varchar,
    severity varchar, value varchar, message varchar
);
"""


class RunLocked(RuntimeError):
    """Another run holds the warehouse."""


INTERRUPTED = (
    "interrupted"  # stopped by SIGINT/SIGTERM (recorded), or killed before recording its end (derived)
)

# Locks this process holds, by lock file: the CLI takes the lock before Prefect starts and the flow takes it
# again; a second flock on a new descriptor of the same file would refuse this very process.
_held: dict[Path, int] = {}


def run_log_path(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}_runs.duckdb")


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.lock")


@contextmanager
def exclusive_run(warehouse: Path) -> Iterator[None]:
    """One run at a time per warehouse: a second run started meanwhile stops at once with a clear message.

    Re-entrant within one process: taking it again while this process holds it is a no-op.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(warehouse).resolve()
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    # Created owner-writable only, whatever the umask: the CLI takes the lock before the run restricts it.
    handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644), "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"{warehouse}: another pipeline run is in progress ({holder}); try again when it has finished"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
    finally:
        handle.close()


def record_run(warehouse: Path, run: Mapping[str, Any], issues: pd.DataFrame) -> None:
    """Append the run and its issues to the run log (created on first use).

    Recording the same run_id again replaces its row and its issues: a run is recorded as 'running' when it
    starts and again when it ends, so a process killed in between leaves a 'running' row (shown as interrupted).
    """
    path = run_log_path(warehouse)
    # One row by parameters, not a pandas frame scanned by DuckDB: the frame cost 0.1-0.3 s a call, twice a run.
    values = [_run_log_value(column, run.get(column)) for column in RUN_COLUMNS]
    with duckdb.connect(str(path)) as con:
        con.execute(_CREATE_TABLES)
        con.execute(_ADDED_COLUMNS)
        con.execute("delete from runs where run_id = ?", [run["run_id"]])
        con.execute("delete from validation_issues where run_id = ?", [run["run_id"]])
        con.execute(_INSERT_RUN, values)
        if len(issues):
            issue_frame = issues.copy()
            issue_frame.insert(0, "run_id", run["run_id"])
            issue_frame = issue_frame.astype({"row": "Int64"})
            con.register("incoming_issues", issue_frame)
            con.execute("insert into validation_issues by name select * from incoming_issues")


# The column names are this module's constants; the values are parameters.
_INSERT_RUN = f"insert into runs ({', '.join(RUN_COLUMNS)}) values ({', '.join('?' * len(RUN_COLUMNS))})"  # noqa: S608


def _run_log_value(column: str, value: Any) -> str | bool | None:
    """As the run log's columns hold it: JSON text for the structured ones, a boolean 'online', text otherwise."""
    if column in _JSON_COLUMNS:
        return json.dumps(value, sort_keys=True, default=str)
    if column == "online":
        return bool(value)
    return None if value is None else str(value)


def record_early_failure(warehouse: Path, profile: str, error: str) -> None:
    """A run refused before it could start (a bad --profile, say), recorded so `bisa-sdg status` shows it.

    Best effort: while another run holds the warehouse the refusal is only printed, not recorded.
    """
    from datetime import UTC, datetime
    from uuid import uuid4

    import bisa_sdg

    now = datetime.now(UTC)
    run = {
        "run_id": f"{now:%Y%m%dT%H%M%SZ}-{uuid4().hex[:8]}",
        "started_at": now.isoformat(timespec="seconds"),
        "finished_at": now.isoformat(timespec="seconds"),
        "status": "failed",
        "profile": profile,
        "code_version": bisa_sdg.__version__,
        "online": False,
        "error": error,
    }
    import pandas as pd

    issues = pd.DataFrame(columns=["source", "file", "row", "column", "rule", "severity", "value", "message"])
    try:
        with exclusive_run(Path(warehouse)):
            record_run(Path(warehouse), run, issues)
    except (RunLocked, OSError, duckdb.Error):
        return


def last_runs(warehouse: Path, limit: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The latest runs (newest first) and the issues of those runs."""
    import pandas as pd

    path = run_log_path(warehouse)
    if not path.exists():
        return pd.DataFrame(columns=list(RUN_COLUMNS)), pd.DataFrame()
    with duckdb.connect(str(path), read_only=True) as con:
        runs = con.execute("select * from runs order by started_at desc limit ?", [limit]).df()
        issues = con.execute(
            "select * from validation_issues where run_id in (select run_id from runs order by started_at desc "
            "limit ?) order by run_id, source, file, row",
            [limit],
        ).df()
    return runs, issues


def run_in_progress(warehouse: Path) -> bool:
    """True while some process holds the run lock of this warehouse."""
    path = lock_path(warehouse)
    if not path.exists():
        return False
    with open(path) as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False


def effective_status(status: str, in_progress: bool) -> str:
    """A run still marked 'running' while nobody holds the lock died without recording its end."""
    return INTERRUPTED if status == "running" and not in_progress else status


def recent_runs(warehouse: Path, limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs (newest first), each with its ``issues`` (dicts): for ``bisa-sdg status``, no pandas."""
    path = run_log_path(warehouse)
    if not path.exists():
        return []
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute("select * from runs order by started_at desc limit ?", [limit])
        names = [column[0] for column in cursor.description]
        runs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        cursor = con.execute(
            "select * from validation_issues where run_id in (select run_id from runs order by started_at desc "
            "limit ?) order by run_id, source, file, row",
            [limit],
        )
        names = [column[0] for column in cursor.description]
        issues = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for run in runs:
        run["issues"] = [issue for issue in issues if issue["run_id"] == run["run_id"]]
    return runs
