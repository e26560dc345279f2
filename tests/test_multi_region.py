"""Several regions at once on a Dask cluster give the same curated tables as one after the other."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bisa_sdg.run.steps import PipelineConfig
from bisa_sdg.warehouse import database as wh
from tests.prod_support import Workspace

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PROFILES = [str(ROOT / "config/profiles/brussels.yaml"), str(ROOT / "config/profiles/wallonia.yaml")]


def digests(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: wh.table_digest(con, f"curated.{table}") for table in wh.curated_tables(con)}


def test_regions_on_a_local_dask_cluster_equal_the_sequential_builds(
    prefect_harness, good_publication: Path, wallonia_build, tmp_path: Path
):
    """The references are the session's own builds, made one at a time in this process without Dask: the last
    good publication (the Brussels flow on a copy of the sample) and the plain Walloon build (test_regions.py)."""
    from flows.multi_region import run_regions_on_dask

    sequential = {"brussels": Workspace(good_publication).warehouse, "wallonia": wallonia_build[0]}
    base = PipelineConfig(raw_dir=ROOT / "data/raw", schemas_dir=ROOT / "schemas")
    # Two worker threads in this process: both regions run at the same time, and the test stays quick.
    parallel = run_regions_on_dask(PROFILES, tmp_path / "dask", base=base, n_workers=2, processes=False)
    assert set(parallel) == set(PROFILES)
    for name, reference in sequential.items():
        a = digests(reference)
        b = digests(tmp_path / "dask" / name / "bisa_sdg.duckdb")
        assert {"areas", "population", "indicator_values"} <= set(a)
        assert a == b, name
    assert all(result["status"] == "completed" for result in parallel.values())
    # The two regions are different warehouses, not one build copied twice.
    assert digests(tmp_path / "dask/brussels/bisa_sdg.duckdb") != digests(
        tmp_path / "dask/wallonia/bisa_sdg.duckdb"
    )


def test_a_failing_region_does_not_stop_the_others(prefect_harness, tmp_path: Path):
    from flows.multi_region import RegionsFailed, run_regions_on_dask

    raw = tmp_path / "raw"
    import shutil

    shutil.copytree(ROOT / "data/raw", raw)
    published = raw / "published_figures/population_region_04000_series.csv"
    published.write_text(
        published.read_text(encoding="utf-8").replace("1218255", "1218256"), encoding="utf-8"
    )
    base = PipelineConfig(raw_dir=raw, schemas_dir=ROOT / "schemas")
    with pytest.raises(RegionsFailed, match="brussels") as failed:
        run_regions_on_dask(PROFILES, tmp_path / "out", base=base, n_workers=2, processes=False)
    assert set(failed.value.results) == {PROFILES[1]}  # Wallonia does not use the Brussels series
    assert (tmp_path / "out/wallonia/bisa_sdg.duckdb").exists()
    assert not (tmp_path / "out/brussels/bisa_sdg.duckdb").exists()
