"""The pipeline's steps as plain functions: ingest → validate → build → publish.

Prefect flows in ``flows/`` call these; tests call them directly. Nothing here knows about Prefect.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import pkgutil
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

import bisa_sdg
from bisa_sdg.config.catalog import Catalog, CatalogError, Source, SourceFile, load_catalog, sha256_of
from bisa_sdg.config.paths import OutsideFolderError, confined
from bisa_sdg.config.profile import RegionProfile, load_profile
from bisa_sdg.config.settings import PipelineConfig
from bisa_sdg.run import housekeeping as ops
from bisa_sdg.run.regions import load_stand_ins, select_sources
from bisa_sdg.sources import SourceFileError, read_source, reader_name
from bisa_sdg.sources.dropin import awaits_first_file, dropped_files, input_files
from bisa_sdg.validation.duckdb_engine import validate_any
from bisa_sdg.validation.schema import ISSUE_COLUMNS, ValidationFailed, file_row_issues, load_schema
from bisa_sdg.warehouse import database as wh
from bisa_sdg.warehouse.assessment_tables import load_assessment_tables
from bisa_sdg.warehouse.registry import load_registry_tables

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Ingested:
    """What ingestion hands on: one frame per source, the hash of every file read, and warnings.

    A plain class with ``__slots__``, not a dataclass, on purpose: the validate and build subflows take it as a
    parameter, and Prefect records a subflow's parameters as JSON. For a dataclass that begins with
    ``dataclasses.asdict``, a deep copy of every frame (0.06-0.3 s per subflow) before giving up; this class is
    recorded as ``<Ingested>`` at once.
    """

    __slots__ = ("cache_keys", "file_hashes", "frames", "stages", "warnings")

    def __init__(
        self,
        frames: dict[str, pd.DataFrame],
        file_hashes: dict[str, str],
        warnings: list[str] | None = None,
        cache_keys: dict[str, str | None] | None = None,  # per source: bisa_sdg.run.incremental
        stages: list[dict[str, Any]] | None = None,  # per source: rows, seconds, cached
    ) -> None:
        self.frames = frames
        self.file_hashes = file_hashes
        self.warnings = [] if warnings is None else warnings
        self.cache_keys = {} if cache_keys is None else cache_keys
        self.stages = [] if stages is None else stages

    def __repr__(self) -> str:
        return f"Ingested({len(self.frames)} frames, {len(self.file_hashes)} files, {len(self.warnings)} warnings)"


def new_run(config: PipelineConfig, profile: RegionProfile | None) -> dict[str, Any]:
    """A run record; without a profile (not loaded yet) it is named after the profile file."""
    started = datetime.now(UTC)
    return {
        "run_id": f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": None,
        "status": "running",
        "profile": profile.id if profile else Path(config.profile_path).stem,
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
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{bisa_sdg.__version__}+{commit}" if commit else bisa_sdg.__version__


def load_configuration(config: PipelineConfig) -> tuple[Catalog, RegionProfile]:
    """The profile, and the catalog restricted to the sources the profile says apply to its region.

    Every file the catalog names (raw files, drop folders, schemas) is checked to stay inside its folder here,
    before anything is hashed or read: an unchanged run reads nothing, and must refuse a link out all the same.
    """
    profile = load_profile(config.profile_path)
    catalog = select_sources(load_catalog(config.catalog_path), profile)
    for source in catalog.sources:
        schema_path(config.schemas_dir, source)
        for relative in input_files(source, config.raw_dir):
            _raw_file(config.raw_dir, relative, source)
    return catalog, profile


# Packages whose modules the steps import as they go (the build's Python models, the progress methods, the
# writers of the outputs, sdmx1 among them): about 2.5 s of imports on the project's machine.
_STEP_PACKAGES = (
    "bisa_sdg.progress",
    "bisa_sdg.progress.methods",
    "bisa_sdg.warehouse.models",
    "bisa_sdg.publish",
)


def import_step_modules(catalog: Catalog) -> None:
    """Import now what the steps would import later: for a caller waiting on something else (Prefect's server
    starting) to pay it then. Imports only, nothing is read; a reader that cannot be imported fails in its step."""
    for package_name in _STEP_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package_name}.{module.name}")
    for source in catalog.sources:
        with contextlib.suppress(ImportError, CatalogError):
            importlib.import_module(reader_name(source))


def ingest_source(
    source: Source, config: PipelineConfig, profile: RegionProfile
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Read one source and hash its files; a hash that differs from the catalog is a warning, not an error
    (unless the changed file also looks cut inside its last field)."""
    hashes: dict[str, str] = {}
    warnings: list[str] = []
    changed: list[tuple[Path, SourceFile]] = []
    for item in source.files:
        path = _raw_file(config.raw_dir, item.path, source)
        if not path.exists():
            raise FileNotFoundError(f"{path}: file of source {source.id!r} listed in the catalog is missing")
        hashes[item.path] = sha256_of(path)
        if item.sha256 and hashes[item.path] != item.sha256:
            changed.append((path, item))
            warnings.append(
                f"{item.path}: sha256 differs from the catalog (file replaced since it was catalogued); "
                "update data/raw/catalog.yaml once the new file is checked"
            )
    for relative in dropped_files(source, config.raw_dir):
        hashes[relative] = sha256_of(_raw_file(config.raw_dir, relative, source))
        warnings.append(
            f"{relative}: read from the drop folder of {source.id!r} but not listed in data/raw/catalog.yaml; "
            f"add it to the source's files with sha256 {hashes[relative]}"
        )
    frame = read_source(
        source, config.raw_dir, profile
    )  # its errors (encoding, CSV shape) are the more precise
    for path, item in changed:
        check_not_cut_in_last_field(path, item)
    return frame, hashes, warnings


def check_not_cut_in_last_field(path: Path, item: SourceFile) -> None:
    """A changed file with its catalogued line count, fewer bytes and no final newline was cut in its last line.

    Why: a download cut inside the last field ('57.333' -> '57') leaves a row with every field and a number that
    parses; only the catalogued shape gives it away. Checked for files whose catalog entry records ``bytes`` and
    ``lines`` (newline characters): a row added or removed changes the line count and is judged by the schema.
    """
    expected_bytes, expected_lines = item.attrs.get("bytes"), item.attrs.get("lines")
    if expected_bytes is None or expected_lines is None:
        return
    data = path.read_bytes()
    if (
        len(data) < int(expected_bytes)
        and data.count(b"\n") == int(expected_lines)
        and not data.endswith(b"\n")
    ):
        raise SourceFileError(
            f"{item.path}: {len(data)} bytes instead of the catalogued {int(expected_bytes)}, with the same "
            f"{int(expected_lines)} line breaks and no newline at the end: the last line looks cut inside its last "
            "field — download it again (or, if the publisher changed it, update sha256, bytes and lines in the "
            "catalog)"
        )


def _raw_file(raw_dir: Path, relative: str, source: Source) -> Path:
    """A file of a source, inside the raw folder once links are followed (a CatalogError otherwise)."""
    try:
        return confined(raw_dir, relative, f"source {source.id!r}: file")
    except OutsideFolderError as exc:
        raise CatalogError(str(exc)) from exc


def schema_path(schemas_dir: Path, source: Source) -> Path:
    """schemas/<schema>.yaml of a source, inside the schemas folder once links are followed."""
    try:
        return confined(schemas_dir, f"{source.schema}.yaml", f"source {source.id!r}: schema")
    except OutsideFolderError as exc:
        raise CatalogError(str(exc)) from exc


def validate_sources(
    frames: dict[str, pd.DataFrame], config: PipelineConfig, catalog: Catalog, profile: RegionProfile
) -> pd.DataFrame:
    """All issues of all sources; cross-source rules see every other source's frame.

    A drop-in source with no file at all yet is not validated: its reader returned the empty frame of the
    documented columns (tests/test_dropin.py checks it passes its schema), so there is nothing to check.
    """
    results = [
        # pandera up to validation_sql.SQL_THRESHOLD_ROWS rows, DuckDB beyond (same rules, same issues)
        validate_any(frames[source.id], load_schema(schema_path(config.schemas_dir, source)), profile, frames)
        for source in catalog.sources
        if source.id in frames and not (frames[source.id].empty and awaits_first_file(source, config.raw_dir))
    ]
    short = [issue for s in catalog.sources if s.id in frames for issue in file_row_issues(s, frames[s.id])]
    if short:
        results.append(pd.DataFrame(short, columns=list(ISSUE_COLUMNS)).astype({"row": "Int64"}))
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
    wh.discard_build(target)
    try:
        with duckdb.connect(str(target), config=wh.build_config()) as con:
            # The inputs in one transaction: a commit per statement (about 50 of them, COMMENTs included) wrote
            # the WAL each time. The models then run side by side, each in a transaction of its own.
            con.execute("begin transaction")
            wh.create_schemas(con)
            raw_rows = wh.load_raw_sources(con, ingested.frames)
            models = wh.discover_models()
            # Sources outside the profile: empty tables with their schema's columns, so every model binds.
            raw_rows.update(load_stand_ins(con, models, raw_rows, config.schemas_dir))
            wh.load_meta(con, catalog, profile, ingested.file_hashes)
            load_registry_tables(con, config.indicator_registry_path)
            load_assessment_tables(
                con,
                config.targets_file(profile.targets_path),
                config.benchmark_map_file,
                profile.targets_applies_to,
            )
            con.execute("commit")
            steps = [
                {"model": f"raw.{k}", "path": "", "rows": v, "seconds": 0.0} for k, v in raw_rows.items()
            ]
            steps += wh.run_models(con, models)
            ops.fault_point("mid-build")
            con.execute("begin transaction")
            missing = wh.undocumented(con)
            if missing:
                raise wh.ModelError(f"curated objects without a COMMENT: {', '.join(missing)}")
            run = {**run, "inputs": ingested.file_hashes, "steps": steps}
            wh.write_audit(con, run, issues, steps)
            # The last commit goes straight into the database file (a checkpoint) rather than into the WAL.
            con.execute("set checkpoint_threshold = '1KB'")
            con.execute("commit")
            con.execute("checkpoint")
    except BaseException:
        wh.discard_build(target)
        raise
    return target, steps


def build_and_publish(
    config: PipelineConfig, timings: dict[str, float] | None = None
) -> tuple[Path, pd.DataFrame]:
    """The whole pipeline as plain function calls, without Prefect, caching or the run log.

    For notebooks, tests and benchmarks that want the warehouse and nothing else; scheduled and CLI runs go
    through ``flows.pipeline.run_pipeline``. Returns the published warehouse and the validation issues;
    ``timings``, when given, receives the seconds of each step (ingest, validate, build, publish).
    """
    timings = {} if timings is None else timings
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[step] = now - started
        started = now

    catalog, profile = load_configuration(config)
    ingested = Ingested(frames={}, file_hashes={})
    for source in catalog.sources:
        frame, hashes, warnings = ingest_source(source, config, profile)
        ingested.frames[source.id] = frame
        ingested.file_hashes.update(hashes)
        ingested.warnings += warnings
    lap("ingest")
    issues = validate_sources(ingested.frames, config, catalog, profile)
    raise_on_errors(issues)
    lap("validate")
    built, _ = build_warehouse(ingested, issues, config, catalog, profile, new_run(config, profile))
    lap("build")
    wh.publish(built, config.warehouse)
    lap("publish")
    return config.warehouse, issues


def summarise(warehouse: Path) -> dict[str, int]:
    """Rows per curated table of a published warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            f"curated.{table}": con.execute(
                f"select count(*) from curated.{wh.checked_identifier(table)}"  # noqa: S608 - identifiers pass checked_identifier
            ).fetchall()[0][0]
            for table in wh.curated_tables(con)
        }


def write_run_summary(reports_dir: Path, summary: dict[str, Any]) -> Path:
    """Write run_summary.json (atomically) and refresh its entry in the outputs' manifest."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / "run_summary.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    tmp.chmod(0o644)
    tmp.replace(path)
    # Imported here: the outputs module pulls in openpyxl, jinja2 and sdmx helpers a plain build does not need.
    from bisa_sdg.publish.outputs import record_in_manifest

    record_in_manifest(reports_dir, path.name)
    return path
