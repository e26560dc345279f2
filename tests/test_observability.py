"""What a run leaves behind for the person on call: audit.runs, the run log and ``bisa-sdg status``."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from tests.prod_support import run_cli

pytestmark = pytest.mark.slow


def test_audit_runs_records_inputs_stages_and_names(workspace):
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        run = con.execute("select * from audit.runs").df().iloc[0].to_dict()
        models = con.execute("select model, rows, seconds from audit.model_runs").fetchall()
    inputs = json.loads(run["inputs"])
    assert "statbel_population/vandenbroucke_belgian_municipalities_2020.csv" in inputs
    assert all(len(digest) == 64 for digest in inputs.values())
    stages = json.loads(run["stages"])
    names = {s["prefect_name"] for s in stages}
    assert {"ingest-statbel_population", "ingest-brussels", "validate-brussels"} <= names
    # each stage's recorded duration lies within the run's own start and finish, as the run log records them (the
    # warehouse's copy of the run is written before the run finishes)
    with duckdb.connect(str(workspace.run_log), read_only=True) as con:
        started, finished = con.execute(
            "select started_at, finished_at from runs where run_id = ?", [run["run_id"]]
        ).fetchone()
    run_seconds = (pd.Timestamp(finished) - pd.Timestamp(started)).total_seconds()
    for stage in stages:
        assert stage["status"] == "completed"
        assert 0 <= stage["seconds"] <= run_seconds + 0.01, (stage, run_seconds)  # + rounding to milliseconds
    population = next(s for s in stages if s["prefect_name"] == "ingest-statbel_population")
    # every municipality of each file: 2009–2015 (Statbel's R data, 589 pre-2019 municipalities) 7 × 589 = 4123,
    # 2018 589, 2019 and 2020 581 each, 2022 581 -> 6455 rows from 11 files
    assert population["rows_out"] == 7 * 589 + 589 + 581 + 581 + 581 and population["files"] == 11
    validate = next(s for s in stages if s["stage"] == "validate")
    assert validate["rows_in"] == validate["rows_out"] > 0 and validate["issues"] >= 0
    assert len(run["build_key"]) == 64 and run["prefect_flow_run"].startswith(
        "bisa-sdg/bisa-sdg-bisa_sdg.duckdb-"
    )
    assert any(model.startswith("curated.") and rows > 0 for model, rows, _ in models)


def test_the_run_log_has_every_stage_including_publish_and_outputs(workspace):
    with duckdb.connect(str(workspace.run_log), read_only=True) as con:
        (stages, sha, status) = con.execute("select stages, warehouse_sha256, status from runs").fetchone()
    names = [s["stage"] for s in json.loads(stages)]
    assert names[-4:] == ["validate", "build", "publish", "outputs"] and status == "completed"
    import hashlib

    assert sha == hashlib.sha256(workspace.warehouse.read_bytes()).hexdigest()


def test_status_shows_a_failed_and_a_completed_run(workspace, capsys):
    area = workspace.raw_dir / "statbel_area/bnosac_BE_ADMIN_MUNTY_attributes_all589.csv"
    area.write_text(area.read_text(encoding="utf-8").replace("\n21016,", "\n2101X,", 1), encoding="utf-8")
    code, _, err = run_cli(capsys, *workspace.cli_args())
    assert code == 1 and "refnis_format" in err

    lines = workspace.status(capsys).splitlines()
    assert lines[0].split()[1] == "failed" and "profile=brussels" in lines[0]
    assert "validation failed" in lines[1]
    assert any("rule 'refnis_format' failed" in line and "2101X" in line for line in lines)
    completed = [line for line in lines if line.split()[1:2] == ["completed"]]
    assert len(completed) == 1

    with duckdb.connect(str(workspace.run_log), read_only=True) as con:
        (stages,) = con.execute("select stages from runs where status = 'failed'").fetchone()
    failed = [s for s in json.loads(stages) if s["status"] == "failed"]
    assert [s["stage"] for s in failed] == ["validate"] and failed[0]["errors"] >= 1


def test_the_summary_lists_every_output_and_says_a_repeated_warning_once(workspace, capsys):
    code, out, err = run_cli(capsys, *workspace.cli_args("--full-refresh"))
    assert code == 0, err
    for output in ("index.html", "sdmx/", "opensdg/", "extracts/"):
        assert f"  output     {workspace.reports_dir / output}" in out, out
    assert "  release    not released (unreleased run " in out
    assert "  validation passed: 0 issue(s), 0 error(s)" in out
    # The SDMX step sets aside the same non-UN series on every run: one line, in the summary's warnings.
    said = [line for line in (out + err).splitlines() if "SDMX: set aside rows" in line]
    assert len(said) == 1 and said[0].startswith("  warning    SDMX: set aside rows"), said
    assert "  model      " not in out  # per-model lines only with -v


def test_the_run_log_keeps_each_value_in_its_own_column_and_replaces_a_rerecorded_run(tmp_path):
    """The run row is inserted by position: each column must get its own value back (and the issues theirs)."""
    from bisa_sdg.run.runlog import RUN_COLUMNS, last_runs, record_run

    warehouse = tmp_path / "w.duckdb"
    run = {column: f"value of {column}" for column in RUN_COLUMNS}
    run.update(online=True, inputs={"a.csv": "00"}, steps=[{"model": "m"}], stages=[], warnings=["w"])
    issue = {"source": "s", "file": "f.csv", "row": 3, "column": "c", "rule": "r", "severity": "error",
             "value": "v", "message": "m"}  # fmt: skip
    record_run(warehouse, {**run, "status": "running"}, pd.DataFrame([issue]))
    record_run(warehouse, run, pd.DataFrame([issue]))
    runs, issues = last_runs(warehouse)
    assert len(runs) == 1 and len(issues) == 1
    got = runs.iloc[0].to_dict()
    for column in ("run_id", "started_at", "finished_at", "status", "profile", "code_version", "error",
                   "build_key", "warehouse_sha256", "prefect_flow_run"):  # fmt: skip
        assert got[column] == f"value of {column}", column
    assert bool(got["online"]) is True
    assert json.loads(got["inputs"]) == {"a.csv": "00"} and json.loads(got["warnings"]) == ["w"]
    assert issues.iloc[0]["row"] == 3 and issues.iloc[0]["run_id"] == "value of run_id"
