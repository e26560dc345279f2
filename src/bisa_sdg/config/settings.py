"""Where a run reads and writes, and the project's environment settings, in one light module.

Why a module of its own: the quick commands (``bisa-sdg status``, ``profiles``, ``--help``) and the checks made
before a run starts need these paths and names, and must answer in well under a second: nothing here imports
pandas, DuckDB or Prefect (tests/test_cli_startup.py checks it).

Environment: every setting of the project is named ``BISA_SDG_<NAME>``. A name used before that rule keeps
working for now, with a deprecation warning (:data:`DEPRECATED_NAMES`).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "BISA_SDG_"
# old name -> the setting's name now
DEPRECATED_NAMES = {"BISA_DASK_ADDRESS": "BISA_SDG_DASK_ADDRESS"}

PROFILE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
PROFILES_DIR = Path("config/profiles")


class ProfileError(ValueError):
    """A region profile that the pipeline cannot use."""


def env_setting(name: str) -> str | None:
    """``BISA_SDG_<name>`` from the environment, else its deprecated older name (with a warning), else None."""
    current = ENV_PREFIX + name
    value = os.environ.get(current, "").strip()
    if value:
        return value
    for old, new in DEPRECATED_NAMES.items():
        if new == current and os.environ.get(old, "").strip():
            warnings.warn(f"{old} is deprecated: name it {new}", DeprecationWarning, stacklevel=2)
            return os.environ[old].strip()
    return None


def dask_address() -> str | None:
    """The Dask scheduler of ``bisa-sdg run-regions`` (``BISA_SDG_DASK_ADDRESS``); None: a local cluster."""
    return env_setting("DASK_ADDRESS")


def resolve_profile(name_or_path: str | Path, profiles_dir: Path = PROFILES_DIR) -> Path:
    """A profile name ('wallonia' -> config/profiles/wallonia.yaml) or a path to a profile file."""
    text = str(name_or_path)
    if PROFILE_NAME_PATTERN.match(text) and not text.endswith((".yaml", ".yml")):
        path = profiles_dir / f"{text}.yaml"
        if not path.exists():
            known = ", ".join(list_profiles(profiles_dir)) or "none"
            raise ProfileError(f"no profile named {text!r} in {profiles_dir} (known: {known})")
        return path
    return Path(text)


def list_profiles(profiles_dir: Path = PROFILES_DIR) -> list[str]:
    """The profile names of a profiles folder, sorted."""
    if not profiles_dir.is_dir():
        return []
    return sorted(p.stem for p in profiles_dir.glob("*.yaml") if PROFILE_NAME_PATTERN.match(p.stem))


@dataclass(frozen=True)
class PipelineConfig:
    """Where things are. Defaults are the repository layout; every path can be overridden from the CLI."""

    raw_dir: Path = Path("data/raw")
    warehouse: Path = Path("data/curated/bisa_sdg.duckdb")
    reports_dir: Path = Path("reports")
    profile_path: Path = Path("config/profiles/brussels.yaml")
    schemas_dir: Path = Path("schemas")
    online: bool = False
    full_refresh: bool = False  # ignore every cached step and rebuild (the yearly full rebuild)
    registry_path: Path | None = None  # default: indicators.yaml in the config folder that holds profiles/
    targets_path: Path | None = (
        None  # default: the profile's targets file, else targets.csv in the config folder
    )
    benchmark_map_path: Path | None = None  # default: benchmark_map.csv in the config folder

    @property
    def catalog_path(self) -> Path:
        return self.raw_dir / "catalog.yaml"

    @property
    def indicator_registry_path(self) -> Path:
        """config/indicators.yaml beside the profile's folder, so a copied project finds its own registry."""
        return self.registry_path or self.profile_path.parent.parent / "indicators.yaml"

    def targets_file(self, profile_targets: Path | None) -> Path:
        """The targets catalog loaded as meta.targets: this config's, the profile's (``profile_targets``, the
        profile's ``targets_path``), or config/targets.csv."""
        return self.targets_path or profile_targets or self.profile_path.parent.parent / "targets.csv"

    @property
    def benchmark_map_file(self) -> Path:
        """config/benchmark_map.csv: SDSN benchmark indicators mapped to the pipeline's series."""
        return self.benchmark_map_path or self.profile_path.parent.parent / "benchmark_map.csv"


CACHE_DIR_NAME = ".prefect-cache"


def cache_dir(warehouse: Path) -> Path:
    """Where cached task results live: beside the warehouse, so a temporary warehouse has a temporary cache."""
    return Path(warehouse).resolve().parent / CACHE_DIR_NAME
