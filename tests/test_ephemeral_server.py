"""With no Prefect API configured, `bisa-sdg run` starts Prefect's server itself, first, and uses it only when
nothing else is configured (flows/ephemeral.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.ephemeral import EarlyServer, prefect_api
from tests.conftest import ROOT


@pytest.mark.slow
def test_a_run_with_no_api_records_its_flow_on_the_server_it_started_without_importing_prefects_own(
    workspace, tmp_path
):
    """Prefect starts its own ephemeral server only after importing its server module in the run's process (the
    4–6 s the early start saves), and says so ('Starting temporary server'): that must not happen, and the flow
    run must still be recorded, on a server that ends with the run."""
    home = tmp_path / "prefect-home"
    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_API_KEY")}
    environment.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    done = subprocess.run(
        [sys.executable, "-m", "bisa_sdg.cli", *workspace.cli_args("--full-refresh")],
        cwd=workspace.root, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Task run 'build-brussels'" in done.stdout + done.stderr  # the plain log, INFO lines included
    assert "Starting temporary server" not in done.stdout + done.stderr
    with sqlite3.connect(home / "prefect.db") as database:  # the server's database, in this PREFECT_HOME
        runs = database.execute("select name, state_type from flow_run").fetchall()
    assert len(runs) == 1 and runs[0][0].startswith("bisa-sdg-") and runs[0][1] == "COMPLETED", runs
    assert not _processes_with(f"PREFECT_HOME={home}"), "the server outlived the run"


def _processes_with(variable: str) -> list[int]:
    """Live processes whose environment holds ``variable`` (NAME=value)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if variable.encode() in environ.read_bytes().split(b"\0"):
                state = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
                found += [int(environ.parent.name)] if state != "Z" else []
        except OSError:  # ended meanwhile, or not ours to read
            continue
    return found


def test_an_api_configured_in_prefects_settings_wins_and_the_early_server_is_stopped():
    early = EarlyServer()
    try:
        with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}), prefect_api(early):
            assert PREFECT_API_URL.value() == "http://127.0.0.1:9/api"
            assert early.process.poll() is not None
    finally:
        early.stop()


def test_a_server_that_does_not_start_leaves_prefect_to_start_its_own():
    early = EarlyServer()
    early.process.kill()
    early.process.wait()
    with temporary_settings(restore_defaults={PREFECT_API_URL}), prefect_api(early):
        assert not PREFECT_API_URL.value()  # Prefect's own ephemeral start, as without the early server
        assert early.wait(0) is None
