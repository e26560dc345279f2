"""`bisa-sdg run` as a statistician types it, in a temporary copy of the project."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import copy_sample

pytestmark = pytest.mark.slow


def bisa_sdg(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bisa_sdg.cli", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`bisa-sdg run` in a fresh copy of the project: its own Prefect server, its output piped (at TERM=xterm, as
    in a terminal's shell, so that only the pipe makes its log plain)."""
    project = copy_sample(tmp_path_factory.mktemp("project"))
    result = subprocess.run(
        [sys.executable, "-m", "bisa_sdg.cli", "run"],
        cwd=project,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return project, result


@pytest.fixture(scope="module")
def published(cli_run) -> Path:
    project, result = cli_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert "completed" in result.stdout and "curated.indicator_values" in result.stdout
    return project


def test_a_pipe_gets_the_plain_log(cli_run):
    """Piped, `bisa-sdg run` writes the plain log, not the live display a terminal gets (test_run_display.py)."""
    _, done = cli_run
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout + done.stderr
    assert "| INFO    |" in out and "Task run 'build-brussels'" in out
    assert "✓ " not in out and "━" not in out


def query(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "data/curated/bisa_sdg.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_population_holds_statbel_totals(published):
    # Statbel's legal population of the Brussels-Capital Region on 1 January (also the sums of the shipped files).
    totals = dict(
        query(
            published,
            "select time_period, population from curated.population "
            "where ref_area = '04000' and time_period between 2018 and 2020",
        )
    )
    assert totals == {2018: 1_198_726, 2019: 1_208_542, 2020: 1_218_255}
    per_year = query(
        published,
        "select time_period, count(*) from curated.population "
        "where ref_area like '21%' group by 1 order by 1",
    )
    # Statbel's own files 2009–2015, the compilations 2018–2020 and 2022: every municipality each year
    assert per_year == [(year, 19) for year in (*range(2009, 2016), 2018, 2019, 2020, 2022)]


def test_road_death_rate_2020_for_region_and_every_municipality(published):
    rows = dict(
        query(
            published,
            "select ref_area, obs_value from curated.indicator_values "
            "where series = 'ROAD_DEATHS_RATE' and time_period = 2020",
        )
    )
    assert len(rows) == 20
    # Statbel 2020: 16 people died within 30 days in the region; 16 / 1 218 255 × 100 000 = 1.31335.
    assert rows["04000"] == pytest.approx(16 / 1_218_255 * 100_000)
    assert rows["04000"] == pytest.approx(1.31335, abs=1e-5)


def test_11_3_1_for_2022(published):
    (value,) = query(
        published,
        "select obs_value from curated.indicator_values "
        "where series = 'EN_LND_CNSPOP' and ref_area = '04000' and time_period = 2022",
    )[0]
    # Built-up share 80.2 % (2020) → 80.4 % (2022); the area cancels: LCR = (80.4 − 80.2)/80.2/2 = 0.00124688.
    # Population 1 218 255 → 1 222 637: PGR = ln(1 222 637/1 218 255)/2 = 0.00359054/2 = 0.00179527.
    # Ratio = 0.00124688 / 0.00179527 = 0.69454.
    assert value == pytest.approx(0.69454, abs=1e-4)


def test_every_curated_table_and_column_is_documented(published):
    missing = query(
        published,
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'curated' and coalesce(comment, '') = ''",
    )
    assert missing == []
    assert query(published, "select count(*) from audit.runs") == [(1,)]


def test_a_broken_refnis_code_stops_the_run_and_leaves_the_warehouse_untouched(published, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(published, project)
    warehouse = project / "data/curated/bisa_sdg.duckdb"
    before = sha256(warehouse)
    population = project / "data/raw/statbel_population/vandenbroucke_belgian_municipalities_2020.csv"
    lines = population.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("21004,"))
    lines[row] = "21O04" + lines[row][5:]
    population.write_text("".join(lines), encoding="utf-8")

    result = bisa_sdg(project, "run")

    assert result.returncode != 0
    assert "vandenbroucke_belgian_municipalities_2020.csv" in result.stderr
    assert f"row {row + 1}" in result.stderr  # file line number, header = line 1
    assert "refnis_format" in result.stderr
    assert "nothing was published" in result.stderr
    assert sha256(warehouse) == before
    assert not list(warehouse.parent.glob(".*.building"))
    status = bisa_sdg(project, "status")
    assert "failed" in status.stdout and "refnis_format" in status.stdout
