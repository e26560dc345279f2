"""Support for the production tests (faults, security, incremental runs, observability, scheduling).

The "last good publication" is built once per session (one real pipeline run under the session's Prefect
harness) and copied per test: a test breaks its own copy and checks that the copy's warehouse did not move.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, copy_sample


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Workspace:
    """A temporary copy of the project with a published warehouse."""

    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def warehouse(self) -> Path:
        return self.root / "data" / "curated" / "bisa_sdg.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def run_log(self) -> Path:
        return self.warehouse.with_name("bisa_sdg_runs.duckdb")

    def config(self, **overrides):
        from bisa_sdg.run.steps import PipelineConfig

        values = dict(
            raw_dir=self.raw_dir,
            warehouse=self.warehouse,
            reports_dir=self.reports_dir,
            profile_path=self.root / "config" / "profiles" / "brussels.yaml",
            schemas_dir=self.root / "schemas",
        )
        values.update(overrides)
        return PipelineConfig(**values)

    def cli_args(self, *extra: str, warehouse: Path | None = None) -> list[str]:
        return [
            "run",
            "--raw-dir", str(self.raw_dir),
            "--warehouse", str(warehouse or self.warehouse),
            "--reports-dir", str(self.reports_dir),
            "--profile", str(self.root / "config" / "profiles" / "brussels.yaml"),
            "--schemas-dir", str(self.root / "schemas"),
            *extra,
        ]  # fmt: skip

    def status(self, capsys, warehouse: Path | None = None) -> str:
        from bisa_sdg.cli import main

        capsys.readouterr()
        assert main(["status", "--warehouse", str(warehouse or self.warehouse), "--limit", "10"]) == 0
        return capsys.readouterr().out


def assert_intact(warehouse: Path, expected_sha: str) -> None:
    """The last good publication is byte-for-byte the same and still answers queries."""
    assert warehouse.is_file(), f"{warehouse} disappeared"
    assert sha256(warehouse) == expected_sha, f"{warehouse} changed"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from curated.indicator_values").fetchone()[0] > 0
        assert con.execute("select count(*) from audit.runs").fetchone()[0] == 1


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``bisa-sdg`` in this process (under the session's Prefect harness)."""
    from bisa_sdg.cli import main

    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def prefect_api_url() -> str:
    """The API of the Prefect server the session harness started (for pipeline subprocesses)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness is not active"
    return str(url)


def cli_subprocess(workspace: Workspace, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A real ``bisa-sdg run`` process in its own process group, talking to the harness's server."""
    environment = {
        **os.environ,
        "PREFECT_API_URL": prefect_api_url(),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bisa_sdg.cli", *workspace.cli_args(*extra)],
        cwd=workspace.root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for_file(path: Path, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"process ended ({process.returncode}) before {path.name}:\n{out[-4000:]}")
        if time.monotonic() > deadline:
            kill_group(process)
            raise AssertionError(f"{path.name} did not appear within {timeout} s")
        time.sleep(0.1)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process and its children (it was started in its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture(scope="session")
def good_publication(tmp_path_factory, prefect_harness) -> Path:
    """A project copy with one completed, published run (the last good publication), built once."""
    from flows.pipeline import run_pipeline

    root = copy_sample(tmp_path_factory.mktemp("good_publication"))
    summary = run_pipeline(Workspace(root).config())
    assert summary["status"] == "completed"
    return root


@pytest.fixture
def workspace(good_publication: Path, tmp_path: Path) -> Iterator[Workspace]:
    root = tmp_path / "project"
    shutil.copytree(good_publication, root, symlinks=True)
    yield Workspace(root)
