"""The outputs opened with the tools their users run, not only with the pipeline's own libraries.

The published warehouse is read by an older DuckDB (1.1.3, in a virtual environment of its own: a Python
process can load one duckdb only); the extracts are read back with pandas and pyarrow as an analyst would.
"""

from __future__ import annotations

import json
import subprocess
import venv
from pathlib import Path

import duckdb
import pytest

from tests.outputs_support import build_sample_warehouse

OLD_DUCKDB = "1.1.3"  # the oldest reader the README promises; analysts' tools lag a major version


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def old_duckdb_python(tmp_path_factory) -> Path:
    """A Python with duckdb==1.1.3 and nothing else; the test is skipped, with pip's words, only when the
    package cannot be installed here (no registry reachable, no wheel for this platform)."""
    env = tmp_path_factory.mktemp("duckdb-1.1")
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    done = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"duckdb=={OLD_DUCKDB}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"duckdb=={OLD_DUCKDB} cannot be installed here: {done.stderr.strip()[-500:]}")
    return python


READ_WITH_OLD_DUCKDB = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute(
    "select indicator_id, series, ref_area, time_period, obs_value from curated.indicator_values order by all"
).fetchall()
print(json.dumps({"version": duckdb.__version__, "rows": rows}))
"""


def test_an_old_duckdb_reads_the_published_warehouse(sample_warehouse, old_duckdb_python) -> None:
    done = subprocess.run(
        [str(old_duckdb_python), "-c", READ_WITH_OLD_DUCKDB, str(sample_warehouse)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # e.g. "Trying to read a database file with version number 69"
    read = json.loads(done.stdout)
    assert read["version"] == OLD_DUCKDB
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        expected = con.execute(
            "select indicator_id, series, ref_area, time_period, obs_value "
            "from curated.indicator_values order by all"
        ).fetchall()
    assert len(expected) > 0
    assert [tuple(r) for r in read["rows"]] == expected
