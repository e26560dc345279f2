"""The attacks of issue #20 that got through on 8a8b514, one test (or a few) per item.

Each test breaks its own copy of a published project (``workspace``) or calls the guarded function with the
hostile input, and checks the guard: the run stops before publishing and names the file, or the message and the
run log say what really happened. docs/operations.md lists each protection and the test that guards it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.prod_support import assert_intact, run_cli, sha256
from tests.test_faults import POPULATION_2020, _fails_cleanly

pytestmark = pytest.mark.slow


# --- 1. completeness: a file that lost its rows never publishes ----------------------------------------------


def test_a_source_file_emptied_to_its_header_stops_the_run(workspace, capsys):
    path = workspace.raw_dir / POPULATION_2020
    header = path.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    path.write_text(header, encoding="utf-8")
    _fails_cleanly(workspace, capsys, POPULATION_2020, "header but no data rows")


def test_a_file_with_fewer_rows_than_its_catalog_entry_expects_stops_the_run(workspace, capsys):
    """Flanders' rows of 2020 deleted: the region's own rows are all there, so only min_rows can tell."""
    path = workspace.raw_dir / POPULATION_2020
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if not line.startswith(("1", "3", "4", "7"))]
    path.write_text("".join(kept), encoding="utf-8")
    rows = len(kept) - 1
    assert rows == 581 - 69 - 64 - 60 - 42  # the provinces of Antwerp, the two Flanders and Limburg deleted
    _fails_cleanly(workspace, capsys, POPULATION_2020, f"{rows} rows read", "expects at least 581")
