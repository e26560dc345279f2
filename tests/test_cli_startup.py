"""The quick commands answer without loading the stack, and a mistake in `bisa-sdg run` fails before Prefect.

Run in fresh subprocesses: what a command imports is only visible in a new interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# Runs the CLI, then reports which heavy packages the command loaded.
PROBE = """
import sys
from bisa_sdg.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("LOADED", sorted(m for m in ("prefect", "pandas") if m in sys.modules), "EXIT", code, file=sys.stderr)
"""


def _probe(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["profiles"], ["status", "--warehouse", "nowhere/x.duckdb"]]
)
def test_quick_commands_load_neither_prefect_nor_pandas(args):
    done = _probe(*args)
    assert "LOADED [] EXIT 0" in done.stderr, done.stderr[-2000:]


def test_status_of_a_recorded_run_loads_neither_prefect_nor_pandas(tmp_path):
    """With a run log to read (one run, one issue, recorded by the library), still no pandas."""
    import pandas as pd

    from bisa_sdg.run.runlog import record_run

    warehouse = tmp_path / "w.duckdb"
    run = {
        "run_id": "r1",
        "started_at": "2026-12-03T10:00:00+00:00",
        "status": "failed",
        "profile": "brussels",
    }
    run |= {"online": False, "error": "validation failed"}
    issue = ["statbel_area", "a.csv", 4, "refnis", "refnis_format", "error", "2101X", "five digits"]
    columns = ["source", "file", "row", "column", "rule", "severity", "value", "message"]
    record_run(warehouse, run, pd.DataFrame([issue], columns=columns))

    done = _probe("status", "--warehouse", str(warehouse))

    assert "LOADED [] EXIT 0" in done.stderr, done.stderr[-2000:]
    assert (
        "failed" in done.stdout and "a.csv, row 4, column refnis: rule 'refnis_format' failed" in done.stdout
    )


def test_help_shows_the_defaults():
    done = _probe("run", "--help")
    assert "(default: data/raw)" in done.stdout and "(default: config/profiles/brussels.yaml)" in done.stdout


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--raw-dir", "/nonexistent", "no folder /nonexistent: pass --raw-dir"),
        ("--profile", "/nonexistent/region.yaml", "profile file /nonexistent/region.yaml not found"),
        ("--profile", "atlantis", "no profile named 'atlantis'"),
        ("--schemas-dir", "/nonexistent", "no folder /nonexistent: pass --schemas-dir"),
    ],
)
def test_a_mistake_fails_before_prefect_in_one_line_with_exit_code_2(option, value, says, tmp_path):
    done = _probe("run", option, value, "--warehouse", str(tmp_path / "w.duckdb"))
    assert "EXIT 2" in done.stderr and "'prefect'" not in done.stderr, done.stderr[-2000:]
    message = [line for line in done.stderr.splitlines() if not line.startswith("LOADED")]
    assert len(message) == 1 and says in message[0] and "Traceback" not in done.stderr


def test_a_missing_catalog_names_the_fix(tmp_path):
    done = _probe("run", "--raw-dir", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb"))
    assert "EXIT 2" in done.stderr and f"no catalog.yaml in {tmp_path}: pass --raw-dir" in done.stderr


def test_verbose_shows_the_traceback_of_a_mistake(tmp_path):
    done = _probe("-v", "run", "--raw-dir", "/nonexistent", "--warehouse", str(tmp_path / "w.duckdb"))
    assert "EXIT 2" in done.stderr and "Traceback" in done.stderr


def test_the_lock_is_refused_before_prefect_while_another_process_holds_it(tmp_path):
    """The first run to start holds the lock: a second one is refused without starting anything."""
    from bisa_sdg.run.runlog import exclusive_run

    warehouse = tmp_path / "w.duckdb"
    with exclusive_run(warehouse):
        done = _probe("run", "--warehouse", str(warehouse))
    assert (
        "EXIT 2" in done.stderr
        and "LOADED [" in done.stderr
        and "prefect" not in done.stderr.split("LOADED")[1]
    )
    assert "another pipeline run is in progress" in done.stderr and "nothing was published" in done.stderr


def test_a_read_only_reports_folder_is_refused_before_the_run(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    reports = tmp_path / "reports"
    reports.mkdir(mode=0o555)
    done = _probe("run", "--reports-dir", str(reports / "sub"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert "EXIT 2" in done.stderr and "read-only" in done.stderr and "--reports-dir" in done.stderr
