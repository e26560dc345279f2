"""Fault injection: every way a production run can go wrong leaves the last good publication byte-for-byte intact.

Each test breaks its own copy of a published project (``workspace``, copied from the session's last good
publication) and asserts three things: a clear message, a non-zero exit where the run cannot complete, and the
published warehouse unchanged (sha256 before/after) and readable. Runs happen in this process under the
session's Prefect harness, except where a second real process is the point (SIGKILL, two runs at once, an
analyst's read-only connection).

The UN API client's own faults (500s, timeouts, malformed pages, endless paging) are in test_http.py and
test_unsd_api.py; here they are driven through ``bisa_sdg.acquire.online.refresh_all`` and ``bisa-sdg run --online``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bisa_sdg.acquire import online
from bisa_sdg.config.catalog import load_catalog
from tests.prod_support import (
    assert_intact,
    cli_subprocess,
    free_port,
    kill_group,
    run_cli,
    sha256,
    tree_digest,
    wait_for_file,
)

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "unsd_api"
INDICATOR_LIST = (FIXTURES / "sdgapi_v1_Indicator_List_goal11_release2022Q1G03.json").read_bytes()
POPULATION_2020 = "statbel_population/vandenbroucke_belgian_municipalities_2020.csv"
POPULATION_2018 = "statbel_population/vandenbroucke_belgian_municipalities_2018.csv"


@pytest.fixture
def fast_http(monkeypatch):
    """One retry (after 0.5 s) and short timeouts: the fallback logic is under test, not the waiting."""
    monkeypatch.setattr(online, "DEFAULT_RETRIES", 1)
    monkeypatch.setattr(online, "DEFAULT_TIMEOUT", (1.0, 0.5))


# --- the UN API misbehaving: refresh_all falls back, lands nothing -------------------------------------------


def _slow(request: Request) -> Response:
    time.sleep(1.5)  # longer than the 0.5 s read timeout of fast_http
    return Response(INDICATOR_LIST, content_type="application/json")


BAD_SERVERS = {
    "500 forever": lambda s: s.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_data(
        "Internal Server Error", status=500
    ),
    "read timeout": lambda s: s.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_handler(_slow),
    "truncated JSON": lambda s: s.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_data(
        INDICATOR_LIST[: len(INDICATOR_LIST) // 2], content_type="application/json"
    ),
    "HTML error page with 200": lambda s: s.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_data(
        "<html><body>Service unavailable</body></html>", content_type="text/html"
    ),
    "JSON of the wrong shape": lambda s: s.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_json(
        {"message": "An error has occurred."}
    ),
}


@pytest.mark.parametrize("behaviour", sorted(BAD_SERVERS))
def test_refresh_falls_back_to_the_last_snapshot(
    behaviour, httpserver: HTTPServer, tmp_path, fast_http, monkeypatch, caplog
):
    BAD_SERVERS[behaviour](httpserver)
    monkeypatch.setenv(online.ENV_UNSD_URL, httpserver.url_for("/sdgapi"))
    raw = tmp_path / "raw"
    shutil.copytree(Path(__file__).parents[1] / "data" / "raw", raw)
    before = tree_digest(raw)

    warnings = online.refresh_all(raw, load_catalog(raw / "catalog.yaml"))

    # gave up after at most the one retry fast_http allows (the server's log would also hold a slow request of the
    # test before, so the client's retry warnings are counted)
    retries = [
        r for r in caplog.records if r.name == "bisa_sdg.acquire.http" and "retrying in" in r.getMessage()
    ]
    assert len(retries) <= online.DEFAULT_RETRIES
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("unsd_sdg_api: online refresh from http://")
    assert "using the last good snapshot unsd_sdg_api/" in warnings[0]
    assert tree_digest(raw) == before  # nothing landed, no manifest line


def test_refresh_with_the_api_unreachable(tmp_path, fast_http, monkeypatch):
    monkeypatch.setenv(online.ENV_UNSD_URL, f"http://127.0.0.1:{free_port()}/sdgapi")
    raw = tmp_path / "raw"
    shutil.copytree(Path(__file__).parents[1] / "data" / "raw", raw)
    warnings = online.refresh_all(raw, load_catalog(raw / "catalog.yaml"))
    assert len(warnings) == 1 and "ConnectionError" in warnings[0] and "last good snapshot" in warnings[0]


def test_online_run_with_the_api_unreachable_publishes_from_the_snapshot(
    workspace, capsys, fast_http, monkeypatch
):
    monkeypatch.setenv(online.ENV_UNSD_URL, f"http://127.0.0.1:{free_port()}/sdgapi")
    before = sha256(workspace.warehouse)

    code, out, err = run_cli(capsys, *workspace.cli_args("--online"))

    assert code == 0, err
    assert "warning    unsd_sdg_api: online refresh from http://127.0.0.1" in out
    assert "using the last good snapshot" in out
    assert_intact(workspace.warehouse, before)  # same inputs: nothing rebuilt
    summary = json.loads((workspace.reports_dir / "run_summary.json").read_text())
    assert summary["status"] == "completed"
    assert any("online refresh" in w for w in summary["warnings"])


def test_online_run_lands_a_new_release_and_rebuilds(workspace, capsys, httpserver: HTTPServer, monkeypatch):
    """The positive case: a new Indicator/List is landed as a vintage and only that source is read again."""
    httpserver.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_data(
        INDICATOR_LIST, content_type="application/json", headers={"ETag": '"v2"'}
    )
    monkeypatch.setenv(online.ENV_UNSD_URL, httpserver.url_for("/sdgapi"))
    before = sha256(workspace.warehouse)

    code, _out, err = run_cli(capsys, *workspace.cli_args("--online"))

    assert code == 0, err
    manifest = (workspace.raw_dir / "unsd_sdg_api" / "manifest.jsonl").read_text().splitlines()
    assert len(manifest) == 1 and json.loads(manifest[0])["etag"] == '"v2"'
    assert sha256(workspace.warehouse) != before
    stages = {
        s["prefect_name"]: s
        for s in json.loads((workspace.reports_dir / "run_summary.json").read_text())["stages"]
    }
    assert stages["ingest-unsd_sdg_api"]["cached"] is False
    assert stages["ingest-statbel_population"]["cached"] is True
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        files = con.execute("select count(*) from raw.unsd_sdg_api where _file like '%vintages%'").fetchone()[
            0
        ]
    assert files > 0


# --- broken raw files: the run stops before building, names the file and the line -------------------------


def _fails_cleanly(workspace, capsys, *messages: str) -> str:
    before = sha256(workspace.warehouse)
    code, _out, err = run_cli(capsys, *workspace.cli_args())
    assert code == 1
    assert "run failed — nothing was published" in err
    for message in messages:
        assert message in err, err[-3000:]
    assert_intact(workspace.warehouse, before)
    assert not list(workspace.warehouse.parent.glob(".*.building"))
    status = workspace.status(capsys)
    assert status.splitlines()[0].split()[1] == "failed"
    return err


def test_csv_truncated_mid_row(workspace, capsys):
    path = workspace.raw_dir / POPULATION_2020
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 12  # 11 bytes into a row: NIS code and a piece of a name
    path.write_bytes(data[:cut])
    line = data[:cut].count(b"\n") + 1
    err = _fails_cleanly(workspace, capsys, POPULATION_2020, "truncated mid-row", "download it again")
    assert f"line {line}" in err or f"line(s) {line}" in err


def test_csv_truncated_mid_row_between_fields(workspace, capsys):
    path = workspace.raw_dir / POPULATION_2020
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 7  # the NIS code and its comma: a row with one field
    path.write_bytes(data[:cut])
    line = data[:cut].count(b"\n") + 1
    _fails_cleanly(workspace, capsys, POPULATION_2020, f"line(s) {line}", "fewer fields", "truncated mid-row")


def test_csv_in_latin1_is_refused_with_the_line_and_a_fix(workspace, capsys):
    path = workspace.raw_dir / POPULATION_2018
    text = path.read_text(encoding="utf-8")
    assert "Liège" in text and "Ixelles" in text and "Saint-Josse-ten-Noode" in text
    path.write_bytes(text.encode("cp1252"))  # Windows-1252, the Latin-1 superset Belgian spreadsheets export
    first = next(i for i, char in enumerate(text) if ord(char) > 127)
    line = text[: text.rindex("\n", 0, first) + 1].count("\n") + 1
    err = _fails_cleanly(workspace, capsys, POPULATION_2018, "not UTF-8", f"line {line},", "Latin-1", "iconv")
    shown = text.splitlines()[line - 1]
    assert shown in err  # the line as it reads in Latin-1: names intact, so the statistician recognises it


def test_duplicate_key(workspace, capsys):
    path = workspace.raw_dir / POPULATION_2020
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("21009,"))
    lines.insert(row + 1, lines[row])
    path.write_text("".join(lines), encoding="utf-8")
    _fails_cleanly(workspace, capsys, POPULATION_2020, "must be unique", "refnis, time_period")


def test_missing_municipality(workspace, capsys):
    path = workspace.raw_dir / POPULATION_2020
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("21004,")), encoding="utf-8")
    _fails_cleanly(workspace, capsys, "all_region_areas_present", "'21004'", "time_period 2020")


# --- a process killed at the worst moment, and two runs at once ---------------------------------------------


def test_second_run_refused_while_one_runs_then_the_first_killed_mid_publish(workspace, capsys, tmp_path):
    """Process A builds and pauses just before the swap; B (this process) is refused; A is SIGKILLed."""
    before = sha256(workspace.warehouse)
    marker = tmp_path / "paused"
    runner = cli_subprocess(
        workspace,
        "--full-refresh",
        env={"BISA_SDG_FAULT_PAUSE_AT": "before-publish", "BISA_SDG_FAULT_MARKER": str(marker)},
    )
    try:
        wait_for_file(marker, runner, timeout=150)
        pid = int(marker.read_text().split()[0])
        assert list(workspace.warehouse.parent.glob(".bisa_sdg.duckdb.*.building"))  # A built a new file

        code, _, err = run_cli(capsys, *workspace.cli_args())  # B: refused before starting Prefect
        assert code == 2
        assert "another pipeline run is in progress" in err and f"pid {pid}" in err
        assert "nothing was published" in err
        assert "running" in workspace.status(capsys)  # A holds the lock: shown as running, not interrupted
    finally:
        kill_group(runner)
    assert runner.returncode == -9
    assert_intact(workspace.warehouse, before)

    status = workspace.status(capsys)
    assert "interrupted" in status and "killed?" in status
    # The next run cleans up what A left and finds nothing to rebuild.
    code, out, err = run_cli(capsys, *workspace.cli_args())
    assert code == 0, err
    assert "left by an interrupted run" in out
    assert not list(workspace.warehouse.parent.glob(".*.building"))
    assert_intact(workspace.warehouse, before)


# --- the disk filling up while the warehouse is written ------------------------------------------------------


def _mount_tmpfs(target: Path, size_kib: int) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    target.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(target)],
        capture_output=True, check=False,
    )  # fmt: skip
    return done.returncode == 0


def test_disk_full_while_the_warehouse_is_written(workspace, capsys, tmp_path, monkeypatch):
    source = workspace.warehouse.parent
    used_kib = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) // 1024
    mount = tmp_path / "small_disk"
    real = _mount_tmpfs(mount, used_kib + 3 * 1024)  # room for the old files + 3 MiB, not for a new build
    if not real:  # not root / no mount: inject ENOSPC where the build writes
        from bisa_sdg.warehouse import database as warehouse

        def no_space(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(warehouse, "write_audit", no_space)
        mount.mkdir()
    try:
        curated = mount / "curated"
        shutil.copytree(source, curated)
        (curated / "bisa_sdg_runs.duckdb").unlink()  # no record of the last build: the run must rebuild
        warehouse = curated / "bisa_sdg.duckdb"
        before = sha256(warehouse)

        code, _, err = run_cli(capsys, *workspace.cli_args(warehouse=warehouse))

        assert code == 1
        assert "nothing was published" in err and "disk full" in err and "free some space" in err
        assert_intact(warehouse, before)
        assert not list(curated.glob(".*.building"))  # the half-written file was removed
    finally:
        if real:
            subprocess.run(["umount", "-l", str(mount)], check=False)


# --- an analyst reading while a run publishes ---------------------------------------------------------------

ANALYST = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select run_id from audit.runs").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("select run_id from audit.runs").fetchone()[0], flush=True)
print(con.execute("select count(*) from curated.indicator_values").fetchone()[0], flush=True)
"""


def test_analyst_keeps_reading_the_old_file_while_a_run_publishes(workspace, capsys):
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        (old_run,) = con.execute("select run_id from audit.runs").fetchone()
    old_sha = sha256(workspace.warehouse)
    analyst = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(workspace.warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert analyst.stdout.readline().strip() == old_run

        workspace.run_log.unlink()  # no record of how the published file was built: the run rebuilds it
        code, _, err = run_cli(capsys, *workspace.cli_args())
        assert code == 0, err

        # The analyst's open file is the old one, now unlinked: same bytes as before the run.
        held = [
            Path("/proc", str(analyst.pid), "fd", fd)
            for fd in os.listdir(f"/proc/{analyst.pid}/fd")
            if os.readlink(f"/proc/{analyst.pid}/fd/{fd}").startswith(str(workspace.warehouse))
        ]
        assert held and all(os.readlink(p).endswith("(deleted)") for p in held)
        assert sha256(held[0]) == old_sha
        out, err = analyst.communicate("\n", timeout=30)
    finally:
        if analyst.poll() is None:
            analyst.kill()
    assert analyst.returncode == 0, err
    still_old, rows = out.split()
    assert still_old == old_run and int(rows) > 0
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        (new_run,) = con.execute("select run_id from audit.runs").fetchone()
    assert new_run != old_run
    assert oct(workspace.warehouse.stat().st_mode & 0o777) == "0o644"
