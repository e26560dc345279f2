"""At a terminal `bisa-sdg run` shows its stages live instead of the INFO log (piped, it writes the plain log:
checked on the end-to-end run, test_end_to_end.py)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.prod_support import prefect_api_url

pytestmark = pytest.mark.slow


def _run_at_a_terminal(workspace) -> str:
    """`bisa-sdg run --full-refresh` against the harness's server, in a pseudo-terminal; what it showed there."""
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api_url(),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "TERM": "xterm",
        "COLUMNS": "120",
    }
    command = [sys.executable, "-m", "bisa_sdg.cli", *workspace.cli_args("--full-refresh")]
    parent, child = pty.openpty()
    process = subprocess.Popen(command, cwd=workspace.root, env=env, stdin=child, stdout=child, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(parent)
    assert process.wait(timeout=600) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_sees_the_stages_live_and_no_info_lines(workspace):
    out = _run_at_a_terminal(workspace)
    for stage in ("prefect", "ingest", "validate", "build", "publish", "outputs"):
        assert f"✓ {stage}" in out, out[-3000:]
    assert "| INFO    |" not in out  # Prefect's console shows warnings only while the live display runs
    assert "bisa-sdg run " in out and " completed in " in out
