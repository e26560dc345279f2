"""The model runner runs independent models side by side, in transactions of their own, and a failure in one of
them stops the build without leaving that model's half-made table behind."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from bisa_sdg.run import housekeeping as ops
from bisa_sdg.warehouse import database as wh

# Two Python models that read nothing, so the runner may start them together. Each waits at a shared barrier
# for the other: the build can only finish when both are running at the same time.
MEETS_THE_OTHER = """
    import shared_barrier

    DEFINES = ("core.{name}",)
    DEPENDS_ON = ()

    def build(con):
        shared_barrier.BARRIER.wait(timeout=shared_barrier.TIMEOUT)
        con.execute("create or replace table core.{name} as select 1 as x")
"""


def write_python_model(folder: Path, name: str, source: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")


def independent_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, timeout: float) -> list[wh.Model]:
    sql, py = tmp_path / "sql", tmp_path / "models"
    sql.mkdir()
    # One barrier shared by both models: a module of the test's own folder that both import.
    (tmp_path / "shared_barrier.py").write_text(
        f"import threading\nBARRIER = threading.Barrier(2)\nTIMEOUT = {timeout}\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "shared_barrier", raising=False)
    for name in ("left", "right"):
        write_python_model(py, name, MEETS_THE_OTHER.format(name=name))
    (sql / "both.sql").write_text(
        "create or replace table curated.both as select * from core.left union all select * from core.right;\n",
        encoding="utf-8",
    )
    return wh.discover_models(sql, py)


def test_independent_models_run_at_the_same_time_and_are_recorded_in_dependency_order(tmp_path, monkeypatch):
    models = independent_models(tmp_path, monkeypatch, timeout=10)
    con = duckdb.connect()
    wh.create_schemas(con)
    records = wh.run_models(con, models, workers=2)
    assert [r["model"] for r in records][-1] == "curated.both"  # after the two it reads
    assert {r["model"] for r in records} == {"core.left", "core.right", "curated.both"}
    assert con.execute("select count(*) from curated.both").fetchone() == (2,)


def test_one_worker_runs_them_one_after_the_other(tmp_path, monkeypatch):
    # The same models on one worker: the first waits at the barrier for a partner that can never start,
    # so the barrier breaks, and the failure names the model's file. (Shows the test above can fail.)
    models = independent_models(tmp_path, monkeypatch, timeout=0.5)
    con = duckdb.connect()
    wh.create_schemas(con)
    with pytest.raises(
        wh.ModelError, match=r"Python model models/(left|right)\.py failed: BrokenBarrierError"
    ):
        wh.run_models(con, models, workers=1)


FAILS_HALF_WAY = """
    DEFINES = ("core.numbers",)
    DEPENDS_ON = ()

    def build(con):
        con.execute("create or replace table core.numbers as select 1 as x")
        raise ValueError("the second half went wrong")
"""


def test_a_failed_model_leaves_no_table_and_its_readers_never_run(tmp_path):
    sql, py = tmp_path / "sql", tmp_path / "models"
    sql.mkdir()
    write_python_model(py, "numbers", FAILS_HALF_WAY)
    (sql / "total.sql").write_text(
        "create or replace table curated.total as select sum(x) as x from core.numbers;\n", encoding="utf-8"
    )
    con = duckdb.connect()
    wh.create_schemas(con)
    with pytest.raises(wh.ModelError, match=r"models/numbers.py failed: ValueError: the second half"):
        wh.run_models(con, wh.discover_models(sql, py), workers=2)
    tables = con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
    assert tables == []  # the model's own transaction was rolled back; curated.total never started


def test_duckdb_threads_are_shared_out_while_the_models_run_and_restored_after(tmp_path):
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "threads.sql").write_text(
        "create or replace table core.threads as select current_setting('threads') as n;\n", encoding="utf-8"
    )
    con = duckdb.connect(config={"threads": 4})
    wh.create_schemas(con)
    wh.run_models(con, wh.discover_models(sql), workers=2)
    assert con.execute("select n from core.threads").fetchone() == (2,)  # 4 threads / 2 workers
    assert con.execute("select current_setting('threads')").fetchone() == (4,)


def test_a_free_worker_takes_the_model_with_the_longest_chain_after_it(tmp_path):
    # staging.a_lonely (nothing reads it) comes first in file order; staging.b_first starts a chain of three
    # models. Each model takes the next number of one sequence when it runs, so on one worker the numbers are
    # the order the models ran in. Worked out by hand from the chain lengths (3, 2, 1 against the lonely 1,
    # ties by name): b_first, c_second, d_third (curated.d_third sorts before staging.a_lonely), a_lonely.
    sql = tmp_path / "sql"
    sql.mkdir()
    models = {
        "a_lonely": "create or replace table staging.a_lonely as select nextval('ran') as n;",
        "b_first": "create or replace table staging.b_first as select nextval('ran') as n;",
        "c_second": "create or replace table core.c_second as select nextval('ran') as n from staging.b_first;",
        "d_third": "create or replace table curated.d_third as select nextval('ran') as n from core.c_second;",
    }
    for name, statement in models.items():
        (sql / f"{name}.sql").write_text(statement + "\n", encoding="utf-8")
    con = duckdb.connect()
    wh.create_schemas(con)
    con.execute("create sequence ran")
    wh.run_models(con, wh.discover_models(sql), workers=1)
    ran = con.execute(
        "select 'a_lonely', n from staging.a_lonely union all select 'b_first', n from staging.b_first "
        "union all select 'c_second', n from core.c_second union all select 'd_third', n from curated.d_third "
        "order by n"
    ).fetchall()
    assert [name for name, _ in ran] == ["b_first", "c_second", "d_third", "a_lonely"]


def test_a_discarded_build_takes_its_write_ahead_log_with_it(tmp_path):
    warehouse = tmp_path / "bisa_sdg.duckdb"
    target = wh.building_path(warehouse, "20261128T000000Z-abcdef12")
    con = duckdb.connect(str(target))
    con.execute("create table t as select 1 as x")  # a committed table, still only in the WAL
    wal = target.with_name(target.name + ".wal")
    assert wal.exists()
    assert ops.stale_builds(warehouse) == sorted([target, wal])  # a killed run leaves both behind
    con.close()
    wal.write_bytes(b"left by a killed run")
    wh.discard_build(target)
    assert not target.exists() and not wal.exists()
