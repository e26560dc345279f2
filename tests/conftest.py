"""Shared fixtures: a copy of the shipped sample in a temporary project, and one Prefect harness per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bisa_sdg.run.steps import PipelineConfig

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

# Every variable the tests rely on is assigned here, not defaulted: a value left in the shell (a public host, a
# token, a fault pause) must not change what the tests check.
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
# Prefect runs against the session's harness, never against a server named in the shell.
for _name in ("PREFECT_API_URL", "PREFECT_API_KEY"):
    os.environ.pop(_name, None)
# Online refreshes in tests reach only the UN API test servers the tests start on 127.0.0.1; the Statbel and
# be.STAT connectors (whose default hosts are public) are enabled by their own tests, with local servers.
os.environ["BISA_SDG_ONLINE_SOURCES"] = "unsd_sdg_api"
# The rest of the project's own variables (URL overrides, the UN API token, fault pauses, a Dask address) are
# unset; a test that needs one sets it (monkeypatch.setenv or a subprocess's env). BISA_SDG_CACHE_DIR is below.
for _name in [n for n in os.environ if n.startswith(("BISA_SDG_", "BISA_DASK_"))]:
    if _name != "BISA_SDG_ONLINE_SOURCES":
        del os.environ[_name]
# R data files are parsed once per machine into a cache (bisa_sdg.sources._rdata); the tests keep theirs beside the
# repository's other test caches, so that no test reads or writes the user's cache folder.
os.environ["BISA_SDG_CACHE_DIR"] = str(ROOT / ".pytest_cache" / "bisa-sdg-rdata")
# `make test` runs the suite in two worker processes (pytest-xdist): each gets a Prefect home of its own, so
# that two `bisa-sdg run` processes starting their own servers at once never share one server database.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    os.environ["PREFECT_HOME"] = f"{_home}-{os.environ['PYTEST_XDIST_WORKER']}"


def sample_config(project: Path, output: str = "out") -> PipelineConfig:
    """A pipeline configuration that reads a copied project and writes under ``project/output``."""
    return PipelineConfig(
        raw_dir=project / "data/raw",
        warehouse=project / output / "bisa_sdg.duckdb",
        reports_dir=project / output / "reports",
        profile_path=project / "config/profiles/brussels.yaml",
        schemas_dir=project / "schemas",
    )


def copy_sample(target: Path) -> Path:
    """The repository's raw data, schemas and profiles copied under ``target`` (tests never touch the repo's)."""
    shutil.copytree(ROOT / "data" / "raw", target / "data" / "raw")
    shutil.copytree(ROOT / "schemas", target / "schemas")
    shutil.copytree(ROOT / "config", target / "config")
    shutil.copytree(ROOT / "data" / "reference", target / "data" / "reference")
    return target


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    return copy_sample(tmp_path)


@pytest.fixture(scope="session")
def wallonia_build(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The repository's raw data built for Wallonia with the plain pipeline functions (no Prefect), once: the
    Walloon end-to-end checks (test_regions.py) and the Dask comparison (test_multi_region.py) read it."""
    from bisa_sdg.run import steps as p

    out = tmp_path_factory.mktemp("wallonia")
    config = PipelineConfig(
        raw_dir=ROOT / "data/raw",
        schemas_dir=ROOT / "schemas",
        profile_path=ROOT / "config/profiles/wallonia.yaml",
        warehouse=out / "w" / "bisa_sdg.duckdb",
        reports_dir=out / "reports",
    )
    return p.build_and_publish(config)


@pytest.fixture(scope="session", autouse=True)
def rdata_cache_filled_once():
    """With several workers, the first parses the R data files missing from the cache (in its own processes) while
    the others wait, then read the cache: on a cold machine each worker would otherwise parse them all itself."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    import fcntl

    from bisa_sdg.config.catalog import load_catalog
    from bisa_sdg.config.profile import load_profile
    from bisa_sdg.sources import read_source

    folder = Path(os.environ["BISA_SDG_CACHE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    with (folder / ".filling.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        for source_id in ("statbel_population", "statbel_land_use"):  # the sources read from R data files
            read_source(catalog.get(source_id), ROOT / "data/raw", profile)
    yield


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# Production tests (faults, security, incremental, observability): the last good publication, built once.
from tests.prod_support import good_publication, workspace  # noqa: E402, F401
