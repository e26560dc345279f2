"""The pipeline's steps as plain functions: ingest → validate → build → publish.

Prefect flows in ``flows/`` call these; tests call them directly. Nothing here knows about Prefect.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

import bisa_sdg
from bisa_sdg import warehouse as wh
from bisa_sdg.catalog import Catalog, Source, load_catalog, sha256_of
from bisa_sdg.profile import RegionProfile, load_profile
from bisa_sdg.sources import read_source
from bisa_sdg.validation import ISSUE_COLUMNS, ValidationFailed, load_schema, validate_frame

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PipelineConfig:
    """Where things are. Defaults are the repository layout; every path can be overridden from the CLI."""

    raw_dir: Path = Path("data/raw")
    warehouse: Path = Path("data/curated/bisa_sdg.duckdb")
    reports_dir: Path = Path("reports")
    profile_path: Path = Path("config/profiles/brussels.yaml")
    schemas_dir: Path = Path("schemas")
    online: bool = False

    @property
    def catalog_path(self) -> Path:
        return self.raw_dir / "catalog.yaml"


@dataclass
class Ingested:
    """What ingestion hands on: one frame per source, the hash of every file read, and warnings."""

    frames: dict[str, pd.DataFrame]
    file_hashes: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def new_run(config: PipelineConfig, profile: RegionProfile) -> dict[str, Any]:
    started = datetime.now(UTC)
    return {
        "run_id": f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": None,
        "status": "running",
        "profile": profile.id,
        "code_version": code_version(),
        "online": config.online,
        "inputs": {},
        "steps": [],
        "error": None,
    }


def code_version() -> str:
    """Package version plus the git commit when run from a checkout: which code made a figure."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5, check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{bisa_sdg.__version__}+{commit}" if commit else bisa_sdg.__version__


def load_configuration(config: PipelineConfig) -> tuple[Catalog, RegionProfile]:
    return load_catalog(config.catalog_path), load_profile(config.profile_path)


def files_read(source: Source, raw_dir: Path) -> list[str]:
    """The files a source reads now: the catalog's, plus landed vintages listed in its manifest."""
    paths = [item.path for item in source.files]
    manifest = raw_dir / source.id / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if line.strip():
                paths.append(json.loads(line)["path"])
    return paths


def ingest_source(source: Source, config: PipelineConfig, profile: RegionProfile) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Read one source and hash its files; a hash that differs from the catalog is a warning, not an error."""
    hashes: dict[str, str] = {}
    warnings: list[str] = []
    for item in source.files:
        path = config.raw_dir / item.path
        if not path.exists():
            raise FileNotFoundError(f"{path}: file of source {source.id!r} listed in the catalog is missing")
        hashes[item.path] = sha256_of(path)
        if item.sha256 and hashes[item.path] != item.sha256:
            warnings.append(
                f"{item.path}: sha256 differs from the catalog (file replaced since it was catalogued); "
                "update data/raw/catalog.yaml once the new file is checked"
            )
    return read_source(source, config.raw_dir, profile), hashes, warnings


def validate_sources(
    frames: dict[str, pd.DataFrame], config: PipelineConfig, catalog: Catalog, profile: RegionProfile
) -> pd.DataFrame:
    """All issues of all sources; cross-source rules see every other source's frame."""
    results = [
        validate_frame(frames[source.id], load_schema(config.schemas_dir / f"{source.schema}.yaml"), profile, frames)
        for source in catalog.sources
        if source.id in frames
    ]
    if not results:
        return pd.DataFrame(columns=list(ISSUE_COLUMNS))
    return pd.concat(results, ignore_index=True)


def raise_on_errors(issues: pd.DataFrame) -> None:
    if (issues["severity"] == "error").any():
        raise ValidationFailed(issues)


def build_warehouse(
    ingested: Ingested,
    issues: pd.DataFrame,
    config: PipelineConfig,
    catalog: Catalog,
    profile: RegionProfile,
    run: dict[str, Any],
) -> tuple[Path, list[dict[str, Any]]]:
    """Build a complete warehouse in a new file; the published one is not touched."""
    config.warehouse.parent.mkdir(parents=True, exist_ok=True)
    target = wh.building_path(config.warehouse, run["run_id"])
    target.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(target)) as con:
            wh.create_schemas(con)
            raw_rows = wh.load_raw_sources(con, ingested.frames)
            wh.load_meta(con, catalog, profile, ingested.file_hashes)
            steps = [{"model": f"raw.{k}", "path": "", "rows": v, "seconds": 0.0} for k, v in raw_rows.items()]
            steps += wh.run_models(con, wh.discover_models())
            missing = wh.undocumented(con)
            if missing:
                raise wh.ModelError(f"curated objects without a COMMENT: {', '.join(missing)}")
            run = {**run, "inputs": ingested.file_hashes, "steps": steps}
            wh.write_audit(con, run, issues, steps)
            con.execute("checkpoint")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target, steps


def summarise(warehouse: Path) -> dict[str, int]:
    """Rows per curated table of a published warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            f"curated.{table}": con.execute(f"select count(*) from curated.{wh.checked_identifier(table)}").fetchone()[0]
            for table in wh.curated_tables(con)
        }


def write_run_summary(reports_dir: Path, summary: dict[str, Any]) -> Path:
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / "run_summary.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
