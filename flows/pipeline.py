"""Prefect flows: ingest → validate → build → publish, and the parent flow that runs them.

Orchestration only: each task calls one function of :mod:`bisa_sdg.pipeline`. Reading this file should read
like the table of contents of a run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from bisa_sdg import pipeline as p
from bisa_sdg import runlog
from bisa_sdg.catalog import Catalog, Source
from bisa_sdg.profile import RegionProfile
from bisa_sdg.validation import ValidationFailed, describe_issue
from bisa_sdg.warehouse import publish as publish_file


@task(name="ingest-source", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def ingest_source_task(source: Source, config: p.PipelineConfig, profile: RegionProfile):
    frame, hashes, warnings = p.ingest_source(source, config, profile)
    get_run_logger().info("%s: %d rows from %d file(s)", source.id, len(frame), len(hashes))
    return frame, hashes, warnings


@task(name="refresh-online", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def refresh_online_task(config: p.PipelineConfig, catalog: Catalog) -> list[str]:
    from bisa_sdg.online import refresh_all

    return refresh_all(config.raw_dir, catalog)


@flow(name="ingest")
def ingest_flow(config: p.PipelineConfig, catalog: Catalog, profile: RegionProfile) -> p.Ingested:
    warnings: list[str] = []
    if config.online:
        warnings += refresh_online_task(config, catalog)
    futures = [ingest_source_task.submit(source, config, profile) for source in catalog.sources]
    ingested = p.Ingested(frames={}, file_hashes={}, warnings=warnings)
    for source, future in zip(catalog.sources, futures, strict=True):
        frame, hashes, source_warnings = future.result()
        ingested.frames[source.id] = frame
        ingested.file_hashes.update(hashes)
        ingested.warnings += source_warnings
    for warning in ingested.warnings:
        get_run_logger().warning(warning)
    return ingested


@task(name="validate-sources", cache_policy=NO_CACHE)
def validate_task(ingested: p.Ingested, config: p.PipelineConfig, catalog: Catalog, profile: RegionProfile):
    issues = p.validate_sources(ingested.frames, config, catalog, profile)
    logger = get_run_logger()
    logger.info("validation: %d issue(s), %d error(s)", len(issues), int((issues["severity"] == "error").sum()))
    for issue in issues.head(50).to_dict("records"):
        (logger.error if issue["severity"] == "error" else logger.warning)(describe_issue(issue))
    return issues


@flow(name="validate")
def validate_flow(ingested: p.Ingested, config: p.PipelineConfig, catalog: Catalog, profile: RegionProfile) -> pd.DataFrame:
    return validate_task(ingested, config, catalog, profile)


@task(name="build-warehouse", cache_policy=NO_CACHE)
def build_task(ingested, issues, config, catalog, profile, run) -> tuple[Path, list[dict[str, Any]]]:
    built, steps = p.build_warehouse(ingested, issues, config, catalog, profile, run)
    for step in steps:
        get_run_logger().info("%-45s %8d rows  %.3f s", step["model"], step["rows"], step["seconds"])
    return built, steps


@flow(name="build")
def build_flow(ingested, issues, config, catalog, profile, run) -> tuple[Path, list[dict[str, Any]]]:
    return build_task(ingested, issues, config, catalog, profile, run)


@task(name="publish-warehouse", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def publish_task(built: Path, config: p.PipelineConfig) -> dict[str, int]:
    publish_file(built, config.warehouse)
    return p.summarise(config.warehouse)


@flow(name="publish")
def publish_flow(built: Path, config: p.PipelineConfig) -> dict[str, int]:
    return publish_task(built, config)


@flow(name="bisa-sdg", log_prints=True)
def run_pipeline(config: p.PipelineConfig | None = None) -> dict[str, Any]:
    """The whole pipeline. Raises on failure after recording the run, so the Prefect UI shows it failed."""
    config = config or p.PipelineConfig()
    catalog, profile = p.load_configuration(config)
    run = p.new_run(config, profile)
    issues = pd.DataFrame(columns=["source", "file", "row", "column", "rule", "severity", "value", "message"])
    with runlog.exclusive_run(config.warehouse):
        try:
            ingested = ingest_flow(config, catalog, profile)
            run["inputs"] = ingested.file_hashes
            issues = validate_flow(ingested, config, catalog, profile)
            p.raise_on_errors(issues)
            built, steps = build_flow(ingested, issues, config, catalog, profile, run)
            run["steps"] = steps
            tables = publish_flow(built, config)
        except BaseException as exc:
            run.update(status="failed", finished_at=_now(), error=str(exc))
            runlog.record_run(config.warehouse, run, issues)
            p.write_run_summary(config.reports_dir, _summary(run, config, {}, issues, []))
            raise
        run.update(status="completed", finished_at=_now())
        runlog.record_run(config.warehouse, run, issues)
    summary = _summary(run, config, tables, issues, ingested.warnings)
    p.write_run_summary(config.reports_dir, summary)
    return summary


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _summary(run, config, tables, issues, warnings) -> dict[str, Any]:
    return {
        "run_id": run["run_id"],
        "status": run["status"],
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "error": run["error"],
        "warehouse": str(config.warehouse),
        "run_log": str(runlog.run_log_path(config.warehouse)),
        "reports_dir": str(config.reports_dir),
        "curated_tables": tables,
        "validation_issues": int(len(issues)),
        "validation_errors": int((issues["severity"] == "error").sum()) if len(issues) else 0,
        "warnings": list(warnings),
    }


__all__ = ["ValidationFailed", "replace", "run_pipeline"]
