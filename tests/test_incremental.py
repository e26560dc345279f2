"""Incremental runs: unchanged inputs are not read, validated or built again; any change invalidates."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.run import incremental
from tests.conftest import ROOT
from tests.prod_support import assert_intact, run_cli, sha256


def stages(workspace) -> dict[str, dict]:
    summary = json.loads((workspace.reports_dir / "run_summary.json").read_text(encoding="utf-8"))
    return {stage["prefect_name"]: stage for stage in summary["stages"]}


# --- keys (no Prefect) ----------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path):
    from tests.conftest import copy_sample

    return copy_sample(tmp_path)


def keys_of(project: Path) -> tuple[dict, str | None, str | None]:
    catalog = load_catalog(project / "data/raw/catalog.yaml")
    profile = load_profile(project / "config/profiles/brussels.yaml")
    ingest = {s.id: incremental.ingest_key(s, project / "data/raw", profile) for s in catalog.sources}
    validate = incremental.validation_key(ingest, project / "schemas", catalog, profile)
    return ingest, validate, incremental.build_key(validate, catalog, profile)


def test_keys_are_stable_and_path_independent(project, tmp_path):
    first = keys_of(project)
    assert all(first[0].values()) and first[1] and first[2]
    assert keys_of(project) == first
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(project, elsewhere)
    assert keys_of(elsewhere) == first  # the content counts, not where it is


def test_a_changed_raw_file_changes_its_source_validation_and_build_keys(project):
    ingest, validate, build = keys_of(project)
    path = project / "data/raw/statbel_population/vandenbroucke_belgian_municipalities_2020.csv"
    path.write_bytes(path.read_bytes().replace(b"Anderlecht", b"Anderlecht ", 1))
    ingest2, validate2, build2 = keys_of(project)
    changed = {s for s in ingest if ingest[s] != ingest2[s]}
    assert changed == {"statbel_population"}
    assert validate2 != validate and build2 != build


def test_a_landed_vintage_or_dropped_file_changes_the_key(project):
    ingest, *_ = keys_of(project)
    landed = project / "data/raw/unsd_sdg_api/vintages/20300101T000000Z/sdgapi_v1_Indicator_List.json"
    landed.parent.mkdir(parents=True)
    landed.write_text("[]", encoding="utf-8")
    assert keys_of(project)[0]["unsd_sdg_api"] != ingest["unsd_sdg_api"]


def test_a_changed_schema_changes_validation_not_ingestion(project):
    ingest, validate, build = keys_of(project)
    schema = project / "schemas/statbel_population.yaml"
    schema.write_text(schema.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    ingest2, validate2, build2 = keys_of(project)
    assert ingest2 == ingest and validate2 != validate and build2 != build


def test_a_changed_configuration_file_changes_only_the_build(project):
    ingest, validate, build = keys_of(project)
    registry = project / "config/indicators.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    assert keys_of(project)[:2] == (ingest, validate) and keys_of(project)[2] != build


def test_a_missing_file_gives_no_key(project):
    (project / "data/raw/statbel_population/vandenbroucke_belgian_municipalities_2019.csv").unlink()
    ingest, validate, build = keys_of(project)
    assert ingest["statbel_population"] is None and validate is None and build is None


def test_a_library_upgrade_changes_every_key_and_versions_are_read_once(project, monkeypatch):
    installed = {"pandas": "3.1.1"}
    looked_up: list[str] = []

    def version(name: str) -> str:
        looked_up.append(name)
        return installed.get(name, "1.0")

    monkeypatch.setattr(incremental.metadata, "version", version)
    # A per-process cache of this test's own: the fake versions never reach the module's cache.
    monkeypatch.setattr(incremental, "_version", functools.lru_cache(incremental._version.__wrapped__))
    before = keys_of(project)
    # The keys name bisa-sdg and pandas, numpy, pyarrow (ingest), pandera (validation), duckdb (build): each
    # looked up once, where the 24 ingest keys alone used to make 96 lookups.
    assert sorted(looked_up) == ["bisa-sdg", "duckdb", "numpy", "pandas", "pandera", "pyarrow"]
    installed["pandas"] = "3.2.0"  # a new process after an upgrade
    incremental._version.cache_clear()
    after = keys_of(project)
    assert all(after[0][s] != before[0][s] for s in before[0]) and after[1:] != before[1:]


def test_code_digest_follows_imports():
    whole = incremental.code_digest("bisa_sdg.sources.statbel_population")
    files = incremental.code_digest("bisa_sdg.parsing")
    assert whole != files
    assert incremental.code_digest("bisa_sdg.sources.statbel_population") == whole
    # the reader imports bisa_sdg.parsing, so a change there must change the reader's digest: check the closure
    from bisa_sdg.run.incremental import _imported_package_modules, _module_file

    reader = _module_file("bisa_sdg.sources.statbel_population")
    assert "bisa_sdg.parsing" in _imported_package_modules("bisa_sdg.sources.statbel_population", reader)
    assert (ROOT / "src/bisa_sdg/parsing.py").exists()


def test_code_digests_never_parse_in_two_threads_at_once(monkeypatch):
    """Two regions on a threaded Dask cluster digest code at the same time; CPython 3.11's AST converter is not
    thread-safe (CI once failed with 'AST constructor recursion depth mismatch'), so parsing is serialised.

    The overlap is forced, not hoped for: the first thread to parse holds still inside the parser until the other
    thread is either turned away by the parse lock (serialised) or inside the parser beside it (not serialised)."""
    import ast
    import threading

    state = threading.Condition()
    inside, most, turned_away, waited = 0, 0, 0, False
    real_parse, real_lock = ast.parse, incremental._AST_LOCK

    class CountingLock:
        """The module's own lock, counting the threads it makes wait."""

        def __enter__(self):
            nonlocal turned_away
            if not real_lock.acquire(blocking=False):
                with state:
                    turned_away += 1
                    state.notify_all()
                real_lock.acquire()
            return self

        def __exit__(self, *exc):
            real_lock.release()

    def parse_holding_still(*args, **kwargs):
        nonlocal inside, most, waited
        with state:
            inside += 1
            most = max(most, inside)
            state.notify_all()
            if not waited:  # the first call only; bounded against a hang, not a timing
                waited = True
                state.wait_for(lambda: turned_away or inside >= 2, timeout=120)
        try:
            return real_parse(*args, **kwargs)
        finally:
            with state:
                inside -= 1

    monkeypatch.setattr(incremental, "_AST_LOCK", CountingLock())
    monkeypatch.setattr(incremental.ast, "parse", parse_holding_still)
    incremental._imported_package_modules.cache_clear()
    threads = [
        threading.Thread(target=incremental.code_digest, args=(module,))
        for module in ("bisa_sdg.run.steps", "bisa_sdg.warehouse.database")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    incremental._imported_package_modules.cache_clear()
    assert turned_away and most == 1


# --- runs (Prefect harness) -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_unchanged_rerun_reads_nothing_and_leaves_the_warehouse(workspace, capsys):
    before = sha256(workspace.warehouse)
    code, out, err = run_cli(capsys, *workspace.cli_args())
    assert code == 0, err
    assert_intact(workspace.warehouse, before)
    (check,) = [s for s in stages(workspace).values() if s["stage"] == "check"]
    assert check["cached"] and check["prefect_name"] == "unchanged"
    assert "unchanged" in out
    status = workspace.status(capsys)
    assert status.count("completed") == 2


@pytest.mark.slow
def test_a_changed_file_rereads_only_its_source(workspace, capsys):
    before = sha256(workspace.warehouse)
    victims = workspace.raw_dir / "statbel_road_victims/statbel_TF_ACCIDENTS_VICTIMS_2020_brussels_rows.csv"
    lines = victims.read_text(encoding="utf-8").splitlines(keepends=True)
    victims.write_text("".join(lines[:-1]), encoding="utf-8")  # one victim fewer
    code, _, err = run_cli(capsys, *workspace.cli_args())
    assert code == 0, err
    seen = stages(workspace)
    assert seen["ingest-statbel_road_victims"]["cached"] is False
    assert seen["ingest-statbel_road_victims"]["rows_out"] == len(lines) - 2
    others = [s for name, s in seen.items() if name.startswith("ingest-") and name != "ingest-brussels"]
    reread = sorted(s["prefect_name"] for s in others if not s["cached"])
    assert reread == ["ingest-statbel_road_victims"]  # 'ingest-brussels' is the stage total
    assert seen["validate-brussels"]["cached"] is False
    assert sha256(workspace.warehouse) != before


@pytest.mark.slow
def test_an_edited_published_file_is_rebuilt(workspace, capsys):
    import duckdb

    figures = "select indicator_id, series, ref_area, time_period, obs_value from curated.indicator_values order by all"
    with duckdb.connect(str(workspace.warehouse)) as con:  # someone 'fixes' a figure by hand
        published = con.execute(figures).fetchall()
        con.execute("update curated.indicator_values set obs_value = 0 where true")
    code, _, err = run_cli(capsys, *workspace.cli_args())
    assert code == 0, err
    seen = stages(workspace)
    assert "unchanged" not in seen and seen["publish-bisa_sdg.duckdb"]["status"] == "completed"
    assert seen["validate-brussels"]["cached"] is True  # inputs unchanged: validation came from the cache
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute(figures).fetchall() == published  # every figure as published before the edit
    assert any(value != 0 for *_, value in published)  # (the edit did change something)


def test_prune_cache_keeps_what_was_used_and_what_is_recent(tmp_path):
    import os

    folder = incremental.cache_dir(tmp_path / "w.duckdb")
    folder.mkdir()
    for name in ("used", "recent", "stale"):
        (folder / name).write_text(name)
    month_ago = 40 * 86400
    for name in ("used", "stale"):
        stat = (folder / name).stat()
        os.utime(folder / name, (stat.st_atime - month_ago, stat.st_mtime - month_ago))
    assert incremental.prune_cache(tmp_path / "w.duckdb", ["used", None]) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["recent", "used"]
