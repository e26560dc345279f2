"""Many regions at once: one Prefect task per region profile, fanned out over a Dask cluster (prefect-dask).

Each task runs the whole pipeline for its region (:func:`flows.pipeline.run_pipeline`, the same flow as
``bisa-sdg run``) into its own folder: ``<out_dir>/<profile>/bisa_sdg.duckdb`` and ``<out_dir>/<profile>/reports``.
Regions share nothing but the read-only inputs (raw folder, schemas, profiles), so they run side by side and
give the same curated tables as one after the other (tests/test_multi_region.py compares the digests).

Where the work runs:
  * default: a Dask LocalCluster on this machine (``n_workers`` processes, one region at a time each);
  * a real cluster: ``address="tcp://scheduler:8786"`` or the environment variable BISA_SDG_DASK_ADDRESS (formerly BISA_DASK_ADDRESS); every
    worker needs this project installed and the same paths (a shared filesystem): paths are made absolute here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bisa_sdg.config.settings import PROFILES_DIR, dask_address, resolve_profile
from bisa_sdg.run.steps import PipelineConfig


class RegionsFailed(RuntimeError):
    """One or more regions failed; the others completed and were published."""

    def __init__(self, failures: dict[str, str], results: dict[str, dict[str, Any]]):
        self.failures, self.results = failures, results
        lines = [f"{len(failures)} of {len(failures) + len(results)} region(s) failed:"]
        lines += [
            f"  {name}: {error.splitlines()[0] if error else 'failed'}" for name, error in failures.items()
        ]
        super().__init__("\n".join(lines))


def region_config(
    profile_name: str, out_dir: Path, base: PipelineConfig | None = None, profiles_dir: Path = PROFILES_DIR
) -> PipelineConfig:
    """The region's configuration: its profile, its own warehouse and reports folder, absolute paths."""
    base = base or PipelineConfig()
    folder = Path(out_dir).resolve() / Path(profile_name).stem
    return replace(
        base,
        profile_path=resolve_profile(profile_name, profiles_dir).resolve(),
        raw_dir=base.raw_dir.resolve(),
        schemas_dir=base.schemas_dir.resolve(),
        registry_path=base.registry_path.resolve() if base.registry_path else None,
        warehouse=folder / "bisa_sdg.duckdb",
        reports_dir=folder / "reports",
    )


@task(name="build-region", task_run_name="region-{profile_name}", cache_policy=NO_CACHE)
def build_region_task(profile_name: str, config: PipelineConfig) -> dict[str, Any]:
    """The region's whole pipeline (ingest, validate, build, publish) as one unit of work for a Dask worker."""
    from flows.pipeline import run_pipeline

    summary = run_pipeline(config)
    return {
        key: summary[key] for key in ("run_id", "status", "warehouse", "curated_tables", "validation_issues")
    }


@flow(name="bisa-sdg-regions", flow_run_name="regions-{profile_names}")
def run_regions(
    profile_names: list[str], out_dir: Path, base: PipelineConfig | None = None
) -> dict[str, dict[str, Any]]:
    """Submit one task per region and wait for all; a failed region does not stop the others."""
    configs = {name: region_config(name, out_dir, base) for name in profile_names}
    futures = {name: build_region_task.submit(name, config) for name, config in configs.items()}
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result()
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {exc}"
            get_run_logger().error("region %s failed: %s", name, failures[name])
    if failures:
        raise RegionsFailed(failures, results)
    return results


def dask_task_runner(address: str | None = None, n_workers: int = 2, processes: bool = True):
    """A DaskTaskRunner: the cluster at ``address`` (or $BISA_SDG_DASK_ADDRESS), else a LocalCluster here."""
    from prefect_dask import DaskTaskRunner

    address = address or dask_address()
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": n_workers, "threads_per_worker": 1, "processes": processes},
    )


def run_regions_on_dask(
    profile_names: list[str],
    out_dir: Path,
    *,
    base: PipelineConfig | None = None,
    address: str | None = None,
    n_workers: int = 2,
    processes: bool = True,
) -> dict[str, dict[str, Any]]:
    """Build every region's warehouse, one Dask task each (see the module docstring for the cluster)."""
    runner = dask_task_runner(address, n_workers, processes)
    return run_regions.with_options(task_runner=runner)(list(profile_names), Path(out_dir), base)


def run_regions_sequentially(
    profile_names: list[str], out_dir: Path, base: PipelineConfig | None = None
) -> dict[str, dict[str, Any]]:
    """The same builds one after the other in this process (the reference the Dask run must equal)."""
    from flows.pipeline import run_pipeline

    return {name: run_pipeline(region_config(name, out_dir, base)) for name in profile_names}
