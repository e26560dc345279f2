"""Ctrl-C and SIGTERM stop a real `bisa-sdg run` at once, cleanly, and say truthfully what was published.

Each test starts the CLI as a real process in its own session (as a terminal's foreground job), waits for the
run to reach a fault point (a marker file, not a timer), and signals the whole process group as a terminal's
Ctrl-C does. The run must end within the 10 s issue #17 allows, print no traceback, record itself as
interrupted, leave no child process and no half-built file, and say whether the warehouse was replaced.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.prod_support import cli_subprocess, kill_group, sha256, wait_for_file

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children of all its threads, recursively)."""
    found: set[int] = set()
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
            for child in children:
                if child not in found:
                    found.add(child)
                    stack.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _ephemeral_run(workspace, tmp_path: Path, env: dict[str, str]) -> subprocess.Popen:
    """`bisa-sdg run --full-refresh` with no Prefect API configured: it starts its own server (a child)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_API_KEY")}
    environment.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        **env,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bisa_sdg.cli", *workspace.cli_args("--full-refresh")],
        cwd=workspace.root, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip


def _interrupt_at(runner: subprocess.Popen, marker: Path, signum: int) -> tuple[str, dict[int, bytes]]:
    """Signal the run's process group once it pauses at its fault point; its output, and its children as they
    were then (pid -> command line)."""
    try:
        wait_for_file(marker, runner, timeout=300)
        children = {pid: _cmdline(pid) for pid in _descendants(runner.pid)}
        os.killpg(runner.pid, signum)
        out, _ = runner.communicate(timeout=10)  # the "exit within 10 s"
    finally:
        if runner.poll() is None:
            kill_group(runner)
    for _ in range(100):  # a child told to stop as its parent ended may take a moment to finish
        if not any(_alive(pid) for pid in children):
            break
        time.sleep(0.1)
    return out, children


def _assert_stopped_cleanly(workspace, capsys, out: str, children, code: int, returncode: int) -> None:
    assert returncode == code, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    left = [pid for pid in children if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"child processes outlived the run: {left}"
    assert not list(workspace.warehouse.parent.glob(".*.building*"))
    assert not list(workspace.reports_dir.glob(".outputs-*"))
    status = workspace.status(capsys).splitlines()
    assert status[0].split()[1] == "interrupted", status
    assert "stopped by" in status[1] and "killed?" not in status[1]


def test_ctrl_c_mid_build_stops_at_once_and_publishes_nothing(workspace, capsys, tmp_path):
    before = sha256(workspace.warehouse)
    marker = tmp_path / "paused"
    runner = _ephemeral_run(
        workspace, tmp_path, {"BISA_SDG_FAULT_PAUSE_AT": "mid-build", "BISA_SDG_FAULT_MARKER": str(marker)}
    )
    out, children = _interrupt_at(runner, marker, signal.SIGINT)

    assert any(b"uvicorn" in cmdline for cmdline in children.values()), "the run should have started a server"
    _assert_stopped_cleanly(workspace, capsys, out, children, 128 + signal.SIGINT, runner.returncode)
    assert "run stopped by SIGINT: nothing was published" in out
    assert sha256(workspace.warehouse) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_during_the_outputs_says_the_warehouse_was_replaced(workspace, capsys, tmp_path, signum):
    before = sha256(workspace.warehouse)
    marker = tmp_path / "paused"
    runner = cli_subprocess(
        workspace,
        "--full-refresh",
        env={"BISA_SDG_FAULT_PAUSE_AT": "before-outputs", "BISA_SDG_FAULT_MARKER": str(marker)},
    )
    out, children = _interrupt_at(runner, marker, signum)

    _assert_stopped_cleanly(workspace, capsys, out, children, 128 + signum, runner.returncode)
    assert f"run stopped by {signal.Signals(signum).name}: {workspace.warehouse} WAS replaced" in out
    assert sha256(workspace.warehouse) != before  # the message is true: the file is a new one
    assert _prefect_state(workspace) == "CANCELLED"  # not Crashed: stopped on purpose


def _prefect_state(workspace) -> str:
    """The Prefect state of the newest run in the run log (its flow run id is recorded with it)."""
    import duckdb
    from prefect.client.orchestration import get_client

    with duckdb.connect(str(workspace.run_log), read_only=True) as con:
        (label,) = con.execute(
            "select prefect_flow_run from runs order by started_at desc limit 1"
        ).fetchone()
    flow_run_id = label.rsplit("(", 1)[1].rstrip(")")
    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).state.type.value
