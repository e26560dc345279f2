"""The attacks of issue #20 that got through on 8a8b514, one test (or a few) per item.

Each test breaks its own copy of a published project (``workspace``) or calls the guarded function with the
hostile input, and checks the guard: the run stops before publishing and names the file, or the message and the
run log say what really happened. docs/operations.md lists each protection and the test that guards it.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import ROOT
from tests.prod_support import kill_group, run_cli, sha256, wait_for_file
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
    _fails_cleanly(workspace, capsys, POPULATION_2020, "rule 'min_rows'", f"{rows} rows read", "at least 581")


# --- 2. a failure after the swap says what was published ----------------------------------------------------


def _published_run(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select run_id from audit.runs").fetchone()[0]


def test_outputs_failing_after_the_swap_are_reported_truthfully_and_repaired_by_the_next_run(
    workspace, capsys, monkeypatch
):
    """The reports folder fills up while the extracts are written, after the new warehouse was swapped in."""
    from bisa_sdg.publish import extracts

    old_run = _published_run(workspace.warehouse)
    old_sha = sha256(workspace.warehouse)
    manifest = workspace.reports_dir / "outputs.json"
    assert json.loads(manifest.read_text())["run_id"] == old_run

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(workspace.reports_dir / "extracts"))

    monkeypatch.setattr(extracts, "write_extracts", disk_full)
    code, _out, err = run_cli(capsys, *workspace.cli_args("--full-refresh"))
    assert code == 1
    assert "nothing was published" not in err and "unchanged" not in err
    assert f"run failed AFTER publishing — {workspace.warehouse} was replaced by this run" in err
    new_run = _published_run(workspace.warehouse)
    assert new_run != old_run and sha256(workspace.warehouse) != old_sha
    assert json.loads(manifest.read_text())["run_id"] == old_run  # the outputs lag behind: said above
    with duckdb.connect(str(workspace.run_log), read_only=True) as con:
        status, error = con.execute("select status, error from runs where run_id = ?", [new_run]).fetchone()
    assert status == "outputs-failed"
    assert error.startswith("warehouse published, outputs failed: disk full")
    assert "outputs-failed" in workspace.status(capsys)

    monkeypatch.undo()
    code, _out, err = run_cli(capsys, *workspace.cli_args())
    assert code == 0, err
    assert _published_run(workspace.warehouse) == new_run  # nothing changed: the warehouse is kept as it is
    assert json.loads(manifest.read_text())["run_id"] == new_run  # and the outputs caught up with it


# --- 4. every path from configuration stays in its folder ---------------------------------------------------


def _set_catalog(workspace, old: str, new: str) -> None:
    catalog = workspace.raw_dir / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert text.count(old) == 1
    catalog.write_text(text.replace(old, new), encoding="utf-8")


def test_a_catalog_schema_outside_the_schemas_folder_is_refused(workspace, capsys):
    """A lax copy of the population schema beside the project, and a count it would let through."""
    outside = workspace.root.parent / "outside"
    outside.mkdir()
    (outside / "lax.yaml").write_text(
        "source: statbel_population\ncolumns:\n  refnis: {dtype: string}\n"
        "  region_label: {dtype: string, nullable: true}\n  time_period: {dtype: int}\n"
        "  population: {dtype: int, nullable: true}\n",
        encoding="utf-8",
    )
    _set_catalog(workspace, "schema: statbel_population\n", "schema: ../../outside/lax\n")
    path = workspace.raw_dir / POPULATION_2020
    text = path.read_text(encoding="utf-8")
    assert text.count('"185103"') == 1  # Bruxelles, 2020
    path.write_text(text.replace('"185103"', '"-185103"'), encoding="utf-8")
    _fails_cleanly(workspace, capsys, "catalog.yaml", "'../../outside/lax'", "not a path")


def test_a_raw_file_linked_to_an_identical_file_outside_the_raw_folder_is_refused(workspace, capsys):
    """Decided: refused, even with the same bytes (the hash then matches, so nothing else would tell)."""
    path = workspace.raw_dir / POPULATION_2020
    outside = workspace.root.parent / "elsewhere.csv"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    _fails_cleanly(workspace, capsys, "statbel_population", POPULATION_2020, str(outside), "outside")


def test_a_schema_linked_out_of_the_schemas_folder_is_refused(workspace, capsys):
    schema = workspace.root / "schemas" / "statbel_population.yaml"
    outside = workspace.root.parent / "statbel_population.yaml"
    outside.write_bytes(schema.read_bytes())
    schema.unlink()
    schema.symlink_to(outside)
    _fails_cleanly(workspace, capsys, "schema", "statbel_population.yaml", "outside")


def test_a_profile_file_linked_out_of_the_config_folder_is_refused(workspace, capsys):
    targets = workspace.root / "config" / "targets.csv"
    outside = workspace.root.parent / "targets.csv"
    outside.write_bytes(targets.read_bytes())
    targets.unlink()
    targets.symlink_to(outside)
    profile = workspace.root / "config" / "profiles" / "brussels.yaml"
    assert "targets.csv" in profile.read_text(encoding="utf-8")
    _fails_cleanly(workspace, capsys, "brussels.yaml", "targets.csv", "outside")


# --- 5. cached results are only read if this pipeline wrote them --------------------------------------------


class _Planted:
    """A pickle that writes a file when it is loaded: what an attacker would run instead."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


def test_a_pickle_planted_in_the_cache_is_never_loaded(workspace, capsys, tmp_path):
    """The cached result of the population source replaced by a genuine-looking Prefect record."""
    from prefect.results import ResultRecord, ResultRecordMetadata
    from prefect.serializers import PickleSerializer

    from bisa_sdg.run import incremental
    from bisa_sdg.run.steps import load_configuration

    config = workspace.config()
    catalog, profile = load_configuration(config)
    key = incremental.ingest_key(catalog.get("statbel_population"), config.raw_dir, profile)
    entry = incremental.cache_dir(workspace.warehouse) / key
    assert entry.is_file()  # the session's publication cached it
    marker = tmp_path / "planted-code-ran"
    record = ResultRecord(
        result=_Planted(marker),
        metadata=ResultRecordMetadata(storage_key=str(entry), serializer=PickleSerializer()),
    )
    entry.write_bytes(record.serialize())
    workspace.run_log.unlink()  # no record of the published build: the run rebuilds, reading the cache

    code, _out, err = run_cli(capsys, *workspace.cli_args())
    assert not marker.exists()
    assert code == 0, err
    assert entry.read_bytes().startswith(b"bisa-sdg cached result")  # recomputed and signed again


def test_a_cache_entry_signed_with_another_key_or_edited_is_refused(tmp_path, monkeypatch):
    from bisa_sdg.acquire.cache_signing import KEY_FILE_ENV, UnsignedEntryError, load_key, sign, verify

    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "keys" / "cache.key"))
    key = load_key()
    assert oct((tmp_path / "keys" / "cache.key").stat().st_mode & 0o777) == "0o600"
    entry = sign(b'{"result": "frame"}', key)
    assert verify(entry, key, "entry") == b'{"result": "frame"}'
    with pytest.raises(UnsignedEntryError, match="does not verify"):
        verify(sign(b'{"result": "frame"}', b"k" * 64), key, "entry")
    with pytest.raises(UnsignedEntryError, match="does not verify"):
        verify(entry.replace(b"frame", b"other"), key, "entry")
    with pytest.raises(UnsignedEntryError, match="not a signed"):
        verify(b'{"result": "frame"}', key, "entry")
    (tmp_path / "keys" / "cache.key").chmod(0o644)  # readable by others: anyone could sign
    with pytest.raises(PermissionError, match="chmod 600"):
        load_key()


# --- 3. a download has a total deadline and a size cap ------------------------------------------------------


def _trickle(request: Request) -> Response:
    """200, then one byte every 0.25 s: each wait is far below the read timeout, the sum is not."""

    def body():
        for _ in range(40):
            time.sleep(0.25)
            yield b"x"

    return Response(body(), status=200, headers={"Content-Length": "40"}, direct_passthrough=True)


def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(httpserver: HTTPServer, monkeypatch):
    from bisa_sdg.acquire.http import FetchError, fetch, make_session

    monkeypatch.setenv("BISA_SDG_HTTP_DEADLINE_S", "1")
    httpserver.expect_request("/slow").respond_with_handler(_trickle)
    with make_session() as session, pytest.raises(FetchError, match="deadline of 1 s") as caught:
        fetch(session, httpserver.url_for("/slow"), timeout=(1.0, 2.0), retries=3, sleep=lambda s: None)
    assert caught.value.attempts == 1  # a deadline is not retried


def test_a_body_over_the_size_cap_is_refused_while_it_streams(httpserver: HTTPServer, monkeypatch):
    """No Content-Length (chunked): only counting the bytes as they come can stop it."""
    from bisa_sdg.acquire.http import FetchError, fetch, make_session

    monkeypatch.setenv("BISA_SDG_HTTP_MAX_BYTES", str(2**20))
    chunk = b"0" * 2**16
    httpserver.expect_request("/big").respond_with_response(
        Response((chunk for _ in range(40)), status=200, direct_passthrough=True)  # 2.5 MiB
    )
    with make_session() as session, pytest.raises(FetchError, match="exceeds the cap of 1048576 bytes"):
        fetch(session, httpserver.url_for("/big"), timeout=(1.0, 2.0), retries=0)


def test_retries_stop_when_the_next_wait_would_pass_the_deadline(httpserver: HTTPServer, monkeypatch):
    from bisa_sdg.acquire.http import FetchError, fetch, make_session

    monkeypatch.setenv("BISA_SDG_HTTP_DEADLINE_S", "5")
    httpserver.expect_request("/busy").respond_with_data("busy", status=503, headers={"Retry-After": "30"})
    waits: list[float] = []
    with make_session() as session, pytest.raises(FetchError, match="deadline of 5 s would pass") as caught:
        fetch(session, httpserver.url_for("/busy"), timeout=(1.0, 2.0), retries=3, sleep=waits.append)
    assert caught.value.attempts == 1 and waits == []  # a 30 s wait does not fit in 5 s: no retry at all


def test_a_redirect_to_another_host_is_refused_and_one_on_the_same_host_followed(httpserver: HTTPServer):
    """Decided: same host followed (a moved path), another host refused before any request is sent to it."""
    from bisa_sdg.acquire.http import FetchError, fetch, make_session

    other = httpserver.url_for("/data").replace("localhost", "127.0.0.1")  # same server, another host name
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "/data"})
    httpserver.expect_request("/away").respond_with_data("", status=302, headers={"Location": other})
    httpserver.expect_request("/data").respond_with_data("payload")
    with make_session() as session:
        assert fetch(session, httpserver.url_for("/moved"), timeout=(1.0, 2.0)).content == b"payload"
        requests_before = len(httpserver.log)
        with pytest.raises(FetchError, match=r"redirected to another host \(http://127\.0\.0\.1"):
            fetch(session, httpserver.url_for("/away"), timeout=(1.0, 2.0))
    assert len(httpserver.log) == requests_before + 1  # /away only: nothing was asked of the other host


# --- 6. YAML limits: an alias bomb is refused with its file named -------------------------------------------


def _alias_bomb(levels: int = 10) -> str:
    """Ten aliases of ten aliases of ...: a few hundred bytes that stand for 10**levels strings."""
    lines = ["bomb_0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"bomb_{level}: &b{level} [" + ", ".join([f"*b{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_the_profile_is_refused_and_recorded_with_the_file_named(workspace, capsys):
    profile = workspace.root / "config" / "profiles" / "brussels.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + _alias_bomb(), encoding="utf-8")
    err = _fails_cleanly(workspace, capsys, "brussels.yaml", "expands to more than 100000 nodes")
    assert "MemoryError" not in err
    assert "brussels.yaml" in workspace.status(capsys)  # the run log names the file too


def test_an_alias_bomb_in_a_schema_is_refused_with_the_file_named(workspace, capsys):
    schema = workspace.root / "schemas" / "statbel_population.yaml"
    schema.write_text(schema.read_text(encoding="utf-8") + _alias_bomb(), encoding="utf-8")
    _fails_cleanly(workspace, capsys, "statbel_population.yaml", "expands to more than 100000 nodes")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: " + "x" * (2 * 2**20), "over the limit of 2097152"),
        ("a:\n" + "".join("  " * depth + f"k{depth}:\n" for depth in range(1, 60)), "deeper than 50"),
        ("&a [*a]", "contains it"),
    ],
    ids=["size", "depth", "recursive-alias"],
)
def test_yaml_over_a_limit_is_refused(text, message):
    from bisa_sdg.parsing import load_yaml

    with pytest.raises(Exception, match=message):
        load_yaml(text)


# --- 7. geometry limits: a huge polygon is refused before it is gridded -------------------------------------

BOUNDARIES = "statbel_boundaries/bnosac_BE_ADMIN_MUNTY_brussels19_wgs84.geojson"


def test_a_huge_polygon_in_the_boundaries_is_refused_with_the_file_and_feature_named(workspace, capsys):
    """4-5.5°E × 50-51°N: 106 km × 111 km ≈ 11,800 km², a province's size where a municipality belongs."""
    path = workspace.raw_dir / BOUNDARIES
    document = json.loads(path.read_text(encoding="utf-8"))
    nis = document["features"][0]["properties"]["nis"]
    document["features"][0]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[4.0, 50.0], [5.5, 50.0], [5.5, 51.0], [4.0, 51.0], [4.0, 50.0]]],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    err = _fails_cleanly(
        workspace, capsys, BOUNDARIES, f"feature 1 (nis {nis})", "over the limit of 5,000 km²"
    )
    assert "MemoryError" not in err


def test_a_polygon_with_too_many_vertices_is_refused_with_the_file_named(tmp_path):
    """A circle of 600,000 vertices and 3 km² (small, so only the vertex count can refuse it)."""
    from bisa_sdg.sources import SourceFileError
    from bisa_sdg.sources.statbel_boundaries import _read_file

    angles = np.linspace(0, 2 * np.pi, 600_000, endpoint=False)
    ring = np.column_stack([4.35 + 0.013 * np.cos(angles), 50.85 + 0.0085 * np.sin(angles)]).round(7)
    ring = [*ring.tolist(), ring[0].tolist()]
    feature = {
        "type": "Feature",
        "properties": {"nis": "21004"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path = tmp_path / "circle.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"circle\.geojson: feature 1 \(nis 21004\): 600001 vertices"):
        _read_file(path, "circle.geojson", 100.0)


def test_a_thin_polygon_with_a_huge_bounding_box_is_not_gridded():
    """A 10 m wide diagonal strip 200 km long: 2 km², but 4 million cells of 100 m in its bounding box."""
    from bisa_sdg.sources.geo import GeometryLimitError, grid_cells

    strip = shapely.Polygon(
        [(0, 0), (10, 0), (200_000, 199_990), (200_000, 200_000), (199_990, 200_000), (0, 10)]
    )
    assert strip.area < 5e6
    with pytest.raises(
        GeometryLimitError, match="area 'strip': its bounding box holds 4000000 cells of 100 m"
    ):
        grid_cells({"strip": strip}, 100.0)


# --- 9. a cut last field, failures before the run starts, and errors that name the file ----------------------


def test_a_file_cut_inside_its_last_field_is_refused(workspace, capsys):
    """'…,"5646",5670' cut to '…,"5646",56': every field there, a number that parses, only the bytes differ."""
    path = workspace.raw_dir / POPULATION_2020
    data = path.read_bytes()
    assert data.endswith(b',"5646",5670')  # the shipped file ends without a newline, in a zip code
    path.write_bytes(data[:-2])
    _fails_cleanly(
        workspace, capsys, POPULATION_2020, "73001 bytes instead of the catalogued 73003", "cut inside"
    )


def test_a_missing_column_is_named_with_its_file(workspace, capsys):
    path = workspace.raw_dir / POPULATION_2020
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"inhabitants"', '"inhabitantz"', 1), encoding="utf-8")
    _fails_cleanly(workspace, capsys, f"{POPULATION_2020}: columns ['inhabitants'] are missing")


def test_a_broken_catalog_is_recorded_in_the_run_log(workspace, capsys):
    _set_catalog(
        workspace, "    cadence: yearly (Statbel publishes", "    cadenza: yearly (Statbel publishes"
    )
    _fails_cleanly(workspace, capsys, "catalog.yaml", "lacks cadence")
    assert "lacks cadence" in workspace.status(capsys)


def test_an_unknown_profile_name_is_recorded_in_the_run_log(workspace, capsys):
    args = workspace.cli_args()
    args[args.index("--profile") + 1] = "atlantis"
    code, _out, err = run_cli(capsys, *args)
    assert code == 2 and "no profile named 'atlantis'" in err  # a mistake in the command: exit code 2
    status = workspace.status(capsys)
    assert status.splitlines()[0].split()[1] == "failed" and "no profile named 'atlantis'" in status


# --- 8. what a killed run leaves behind is cleaned by the next one ------------------------------------------


def test_output_folders_left_by_a_killed_run_are_removed_by_the_next_run(workspace, capsys):
    staging = workspace.reports_dir / ".outputs-k1ll3d"
    swapped = workspace.reports_dir / ".sdmx.old-outputs-k1ll3d"
    for folder in (staging / "extracts", swapped):
        folder.mkdir(parents=True)
        (folder / "part.csv").write_text("ref_area,obs_value\n04000,1\n", encoding="utf-8")
    kept = workspace.reports_dir / ".analyst-notes"  # not the pipeline's: left alone
    kept.mkdir()
    code, out, err = run_cli(capsys, *workspace.cli_args())
    assert code == 0, err
    assert not staging.exists() and not swapped.exists() and kept.is_dir()
    assert "removed .outputs-k1ll3d/" in out and "removed .sdmx.old-outputs-k1ll3d/" in out


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_the_ephemeral_prefect_server_does_not_outlive_a_run_killed_with_sigkill(workspace, tmp_path):
    """A run with no Prefect API configured starts its own server; SIGKILL the run (only the run) mid-way."""
    marker = tmp_path / "paused"
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        BISA_SDG_FAULT_PAUSE_AT="after-lock",
        BISA_SDG_FAULT_MARKER=str(marker),
    )
    runner = subprocess.Popen(
        [sys.executable, "-m", "bisa_sdg.cli", *workspace.cli_args()],
        cwd=workspace.root, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    servers: list[int] = []
    try:
        wait_for_file(marker, runner, timeout=240)
        servers = [
            pid for pid in _children(runner.pid) if b"uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(servers) == 1, "the run should have started one ephemeral server"
        os.kill(runner.pid, signal.SIGKILL)  # the run only, as an operator's kill -9 would
        runner.wait(timeout=30)
        for _ in range(300):  # the server gets SIGTERM at once; give its shutdown up to 30 s
            if not _alive(servers[0]):
                break
            time.sleep(0.1)
        assert not _alive(servers[0]), "the Prefect server outlived the killed run"
    finally:
        kill_group(runner)
        for pid in servers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


# --- decided: a reference year in the future ---------------------------------------------------------------


def test_a_file_catalogued_for_a_future_year_is_refused(workspace, capsys):
    """Decided: refused. The 2020 file relabelled 2099 would publish 2099 populations as observed."""
    _set_catalog(
        workspace,
        "reference_year: 2020\n        min_rows: 581\n",
        "reference_year: 2099\n        min_rows: 581\n",
    )
    _fails_cleanly(
        workspace, capsys, "catalog.yaml", POPULATION_2020, "reference_year 2099 is not between 1900"
    )
