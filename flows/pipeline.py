"""Prefect flows: ingest → validate → build → publish, and the parent flow that runs them.

Orchestration only: each task calls one function of :mod:`bisa_sdg.run.steps`. Reading this file should read
like the table of contents of a run.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run as current_flow_run

from bisa_sdg.config.catalog import Catalog, Source, sha256_of
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.run import housekeeping as ops
from bisa_sdg.run import incremental, runlog
from bisa_sdg.run import steps as p
from bisa_sdg.validation.schema import ValidationFailed, describe_issue
from bisa_sdg.warehouse.database import publish as publish_file
from flows.signed_storage import signed_storage


def _content_key(context, parameters: dict[str, Any]) -> str | None:
    """Cache on the content key computed by :mod:`bisa_sdg.run.incremental` (None: do not cache)."""
    return parameters.get("cache_key")


def _worth_retrying(task_, task_run, state) -> bool:
    """Retry I/O hiccups only: a missing file, a bad encoding or a bad catalog fails the same way every time."""
    try:
        state.result()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return False
    except OSError:
        return True
    except Exception:
        return False
    return False


def _cached(task_, config: p.PipelineConfig):
    """The task with its results persisted beside the warehouse; a full refresh recomputes and overwrites."""
    # A local folder whose entries are signed (bisa_sdg.acquire.cache_signing); Prefect takes it as a saved block.
    storage = signed_storage(incremental.cache_dir(config.warehouse))
    if config.full_refresh:
        return task_.with_options(result_storage=storage, refresh_cache=True)
    return task_.with_options(result_storage=storage)


@task(
    name="ingest-source",
    task_run_name="ingest-{source.id}",
    retries=2,
    retry_delay_seconds=[1, 5],
    retry_condition_fn=_worth_retrying,
    cache_key_fn=_content_key,
    persist_result=True,
    result_serializer="pickle",
)
def ingest_source_task(
    source: Source, config: p.PipelineConfig, profile: RegionProfile, cache_key: str | None
):
    started = time.perf_counter()
    frame, hashes, warnings = p.ingest_source(source, config, profile)
    seconds = round(time.perf_counter() - started, 3)
    get_run_logger().info(
        "%s: %d rows from %d file(s) in %.2f s", source.id, len(frame), len(hashes), seconds
    )
    return frame, hashes, warnings, seconds


@task(name="refresh-online", task_run_name="refresh-online-sources", cache_policy=NO_CACHE)
def refresh_online_task(config: p.PipelineConfig, catalog: Catalog) -> list[str]:
    from bisa_sdg.acquire.online import refresh_all

    return refresh_all(config.raw_dir, catalog)


def ingest_keys(config: p.PipelineConfig, catalog: Catalog, profile: RegionProfile) -> dict[str, str | None]:
    """Content keys of every source (after any online refresh: a newly landed vintage changes its key)."""
    return {source.id: incremental.ingest_key(source, config.raw_dir, profile) for source in catalog.sources}


@flow(name="ingest", flow_run_name="ingest-{profile.id}")
def ingest_flow(
    config: p.PipelineConfig,
    catalog: Catalog,
    profile: RegionProfile,
    keys: dict[str, str | None] | None = None,
) -> p.Ingested:
    """Read every source; a source whose key is unchanged comes from the cache (Prefect state 'Cached')."""
    keys = keys if keys is not None else ingest_keys(config, catalog, profile)
    ingest = _cached(ingest_source_task, config)
    futures = [ingest.submit(source, config, profile, keys[source.id]) for source in catalog.sources]
    ingested = p.Ingested(frames={}, file_hashes={}, warnings=[], cache_keys=keys)
    for source, future in zip(catalog.sources, futures, strict=True):
        frame, hashes, source_warnings, seconds = future.result()
        cached = future.state.name == "Cached"
        ingested.frames[source.id] = frame
        ingested.file_hashes.update(hashes)
        ingested.warnings += source_warnings
        ingested.stages.append(
            _stage(
                "ingest",
                f"ingest-{source.id}",
                None,
                len(frame),
                0.0 if cached else seconds,
                cached,
                files=len(hashes),
                cache_key=keys[source.id],
            )
        )
    for warning in ingested.warnings:
        get_run_logger().warning(warning)
    return ingested


@task(
    name="validate-sources",
    task_run_name="validate-{profile.id}",
    cache_key_fn=_content_key,
    persist_result=True,
    result_serializer="pickle",
)
def validate_task(
    ingested: p.Ingested,
    config: p.PipelineConfig,
    catalog: Catalog,
    profile: RegionProfile,
    cache_key: str | None,
):
    issues = p.validate_sources(ingested.frames, config, catalog, profile)
    logger = get_run_logger()
    logger.info(
        "validation: %d issue(s), %d error(s)", len(issues), int((issues["severity"] == "error").sum())
    )
    for issue in issues.head(50).to_dict("records"):
        (logger.error if issue["severity"] == "error" else logger.warning)(describe_issue(issue))
    return issues


@flow(name="validate", flow_run_name="validate-{profile.id}")
def validate_flow(
    ingested: p.Ingested, config: p.PipelineConfig, catalog: Catalog, profile: RegionProfile
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The issues, and the stage record (cached when the inputs, schemas and validation code are unchanged)."""
    key = incremental.validation_key(ingested.cache_keys, config.schemas_dir, catalog, profile)
    started = time.perf_counter()
    state = _cached(validate_task, config)(ingested, config, catalog, profile, key, return_state=True)
    issues = state.result()
    rows = sum(len(frame) for frame in ingested.frames.values())
    stage = _stage(
        "validate",
        f"validate-{profile.id}",
        rows,
        rows,
        time.perf_counter() - started,
        state.name == "Cached",
        issues=len(issues),
        errors=int((issues["severity"] == "error").sum()) if len(issues) else 0,
        cache_key=key,
    )
    return issues, stage


@task(name="build-warehouse", task_run_name="build-{profile.id}", cache_policy=NO_CACHE)
def build_task(ingested, issues, config, catalog, profile, run) -> tuple[Path, list[dict[str, Any]]]:
    built, steps = p.build_warehouse(ingested, issues, config, catalog, profile, run)
    for step in steps:
        get_run_logger().info("%-45s %8d rows  %.3f s", step["model"], step["rows"], step["seconds"])
    return built, steps


@flow(name="build", flow_run_name="build-{profile.id}")
def build_flow(ingested, issues, config, catalog, profile, run) -> tuple[Path, list[dict[str, Any]]]:
    return build_task(ingested, issues, config, catalog, profile, run)


@task(
    name="publish-warehouse",
    task_run_name="publish-{config.warehouse.name}",
    retries=2,
    retry_delay_seconds=[1, 5],
    retry_condition_fn=_worth_retrying,
    cache_policy=NO_CACHE,
)
def publish_task(built: Path, config: p.PipelineConfig) -> dict[str, int]:
    ops.fault_point("before-publish")
    publish_file(built, config.warehouse)
    ops.fault_point("after-publish")
    return p.summarise(config.warehouse)


@flow(name="publish", flow_run_name="publish-{config.warehouse.name}")
def publish_flow(built: Path, config: p.PipelineConfig) -> dict[str, int]:
    return publish_task(built, config)


def _parent_run_name() -> str:
    """'bisa-sdg-<warehouse file>-<UTC time>' in the Prefect UI instead of a random adjective-animal."""
    config = current_flow_run.parameters.get("config")
    warehouse = getattr(config, "warehouse", None) or p.PipelineConfig().warehouse
    return f"bisa-sdg-{Path(warehouse).name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


@flow(name="bisa-sdg", flow_run_name=_parent_run_name, log_prints=True)
def run_pipeline(config: p.PipelineConfig | None = None) -> dict[str, Any]:
    """The whole pipeline. Raises on failure after recording the run, so the Prefect UI shows it failed.

    Incremental (:mod:`bisa_sdg.run.incremental`): everything a build reads is hashed first; when nothing changed
    since the run that published the current warehouse, nothing is read, validated or built and the warehouse
    is left as it is. Otherwise unchanged sources come from the cache (``<warehouse dir>/.prefect-cache``) and
    unchanged inputs are not validated again. ``config.full_refresh`` ignores all of it.
    """
    config = config or p.PipelineConfig()
    ops.restrict_umask()
    ops.install_log_redaction()
    # Named after the profile file until the profile is loaded: a bad profile is a recorded failure too.
    run = p.new_run(config, None)
    run.update(
        stages=[],
        warnings=[],
        build_key=None,
        warehouse_sha256=None,
        prefect_flow_run=f"{current_flow_run.flow_name}/{current_flow_run.name} ({current_flow_run.id})",
    )
    issues = pd.DataFrame(columns=["source", "file", "row", "column", "rule", "severity", "value", "message"])
    with runlog.exclusive_run(config.warehouse):
        step, started = "start", time.perf_counter()
        published_before = ops.file_identity(config.warehouse)
        try:
            run["warnings"] += ops.remove_stale_builds(config.warehouse)
            run["warnings"] += ops.remove_stale_outputs(config.reports_dir)
            runlog.record_run(config.warehouse, run, issues)  # 'running': a killed run shows as interrupted
            ops.fault_point("after-lock")
            step, started = "configuration", time.perf_counter()
            catalog, profile = p.load_configuration(config)
            run["profile"] = profile.id
            if config.online:
                step, started = "refresh", time.perf_counter()
                refreshed = refresh_online_task(config, catalog)
                run["warnings"] += refreshed
                run["stages"].append(
                    _stage(
                        "refresh",
                        "refresh-online-sources",
                        None,
                        None,
                        time.perf_counter() - started,
                        False,
                        warnings=len(refreshed),
                    )
                )
            step, started = "check", time.perf_counter()
            keys = ingest_keys(config, catalog, profile)
            run["build_key"] = incremental.build_key(
                incremental.validation_key(keys, config.schemas_dir, catalog, profile), catalog, profile
            )
            same = (
                None
                if config.full_refresh
                else incremental.published_build(config.warehouse, run["build_key"])
            )
            if same:
                issues, tables = _unchanged(config, run, same, started)
            else:
                issues, tables = _rebuild(config, catalog, profile, run, keys)
            run["warehouse_sha256"] = sha256_of(config.warehouse)
            step, started = "outputs", time.perf_counter()
            _write_outputs(config, profile, run, started, unchanged_since=same)
        except BaseException as exc:
            if not run["stages"] or run["stages"][-1]["status"] != "failed":
                run["stages"].append(_failed(step, step, started))
            issues = getattr(exc, "issues", issues)
            run.update(status="failed", finished_at=_now(), error=ops.explain_failure(exc))
            if ops.file_identity(config.warehouse) != published_before:  # the swap happened: say so
                run["warehouse_sha256"] = run["warehouse_sha256"] or sha256_of(config.warehouse)
                run.update(status=ops.PUBLISHED_BUT_FAILED, error=ops.explain_published_failure(step, exc))
            _record_failure(config, run, issues)
            raise
        run.update(status="completed", finished_at=_now())
        runlog.record_run(config.warehouse, run, issues)
        used = [*keys.values(), *(s.get("cache_key") for s in run["stages"])]
        incremental.prune_cache(config.warehouse, used)  # entries unused for 30 days
    summary = _summary(run, config, tables, issues, run["warnings"])
    p.write_run_summary(config.reports_dir, summary)
    return summary


@task(name="write-outputs", task_run_name="outputs-{profile.id}", cache_policy=NO_CACHE)
def outputs_task(config: p.PipelineConfig, profile: RegionProfile) -> list[str]:
    """SDMX, Open SDG files, extracts and the report, written from the published warehouse."""
    from bisa_sdg.publish.outputs import settings_for, write_outputs

    paths = write_outputs(config.warehouse, config.reports_dir, settings=settings_for(config, profile))
    get_run_logger().info("outputs: %d files in %s", len(paths), config.reports_dir)
    return [str(path) for path in paths]


def _write_outputs(
    config: p.PipelineConfig,
    profile: RegionProfile,
    run: dict[str, Any],
    started: float,
    unchanged_since: str | None = None,
) -> None:
    """The warehouse is already published: an output that cannot be written is a warning, not a failed run.

    An unchanged warehouse whose outputs were written from it already keeps them as they are.
    """
    from bisa_sdg.publish.outputs import OutputError, outputs_run_id

    if unchanged_since and outputs_run_id(config.reports_dir) == unchanged_since:
        run["stages"].append(
            _stage("outputs", "outputs-unchanged", None, None, time.perf_counter() - started, True)
        )
        return
    try:
        paths = outputs_task(config, profile)
    except OutputError as exc:
        run["warnings"].append(f"outputs not refreshed (the previous ones are intact): {exc}")
        run["stages"].append(_failed("outputs", f"outputs-{profile.id}", started))
        get_run_logger().warning(run["warnings"][-1])
        return
    run["stages"].append(
        _stage("outputs", f"outputs-{profile.id}", None, len(paths), time.perf_counter() - started, False)
    )


def _unchanged(config: p.PipelineConfig, run: dict[str, Any], same: str, started: float):
    """Nothing changed since run ``same``: record it, with that run's inputs, warnings and validation issues."""
    previous, issues = incremental.recorded_run(config.warehouse, same)
    run["inputs"] = previous.get("inputs") or {}
    run["warnings"] += [w for w in previous.get("warnings") or [] if w not in run["warnings"]]
    tables = p.summarise(config.warehouse)
    run["stages"].append(
        _stage(
            "check",
            "unchanged",
            None,
            sum(tables.values()),
            time.perf_counter() - started,
            True,
            unchanged_since=same,
        )
    )
    get_run_logger().info(
        "inputs, schemas, SQL models, configuration and code unchanged since run %s: nothing read, %s left as "
        "published",
        same,
        config.warehouse,
    )
    return issues, tables


def _rebuild(config: p.PipelineConfig, catalog: Catalog, profile: RegionProfile, run: dict[str, Any], keys):
    """Ingest (cached per source), validate (cached), build a new file and swap it in."""
    stages: list[dict[str, Any]] = run["stages"]
    started = time.perf_counter()
    try:
        ingested = ingest_flow(config, catalog, profile, keys)
    except BaseException:
        stages.append(_failed("ingest", f"ingest-{profile.id}", started))
        raise
    run["inputs"] = ingested.file_hashes
    run["warnings"] += ingested.warnings
    rows_read = sum(len(frame) for frame in ingested.frames.values())
    stages += ingested.stages
    stages.append(
        _stage(
            "ingest",
            f"ingest-{profile.id}",
            None,
            rows_read,
            time.perf_counter() - started,
            all(s["cached"] for s in ingested.stages),
            sources=len(ingested.frames),
        )
    )
    started = time.perf_counter()
    try:
        issues, validated = validate_flow(ingested, config, catalog, profile)
    except BaseException:
        stages.append(_failed("validate", f"validate-{profile.id}", started))
        raise
    stages.append({**validated, "status": "failed" if validated["errors"] else "completed"})
    p.raise_on_errors(issues)
    started = time.perf_counter()
    try:
        built, steps = build_flow(ingested, issues, config, catalog, profile, run)
    except BaseException:
        stages.append(_failed("build", f"build-{profile.id}", started))
        raise
    run["steps"] = steps
    curated = sum(s["rows"] for s in steps if s["model"].startswith("curated."))
    stages.append(
        _stage(
            "build",
            f"build-{profile.id}",
            rows_read,
            curated,
            time.perf_counter() - started,
            False,
            models=len(steps),
        )
    )
    started = time.perf_counter()
    try:
        tables = publish_flow(built, config)
    except BaseException:
        stages.append(_failed("publish", f"publish-{config.warehouse.name}", started))
        raise
    stages.append(
        _stage(
            "publish",
            f"publish-{config.warehouse.name}",
            curated,
            sum(tables.values()),
            time.perf_counter() - started,
            False,
        )
    )
    return issues, tables


def _failed(stage: str, name: str, started: float) -> dict[str, Any]:
    return {**_stage(stage, name, None, None, time.perf_counter() - started, False), "status": "failed"}


def _record_failure(config: p.PipelineConfig, run: dict[str, Any], issues: pd.DataFrame) -> None:
    """Record a failed run; a run log that cannot be written (disk full) must not hide the original error."""
    try:
        runlog.record_run(config.warehouse, run, issues)
        p.write_run_summary(config.reports_dir, _summary(run, config, {}, issues, run["warnings"]))
    except Exception as exc:
        get_run_logger().error("the failed run could not be recorded: %s", ops.explain_failure(exc))


def _stage(
    stage: str,
    name: str,
    rows_in: int | None,
    rows_out: int | None,
    seconds: float,
    cached: bool,
    **detail: Any,
) -> dict[str, Any]:
    """One step of a run as audit.runs / the run log keep it; ``name`` is the Prefect task/flow run name."""
    return {
        "stage": stage,
        "prefect_name": name,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "seconds": round(seconds, 3),
        "cached": cached,
        "status": "completed",
        **detail,
    }


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
        "validation_issues": len(issues),
        "validation_errors": int((issues["severity"] == "error").sum()) if len(issues) else 0,
        "warnings": list(warnings),
        "stages": list(run.get("stages") or []),
        "build_key": run.get("build_key"),
    }


__all__ = ["ValidationFailed", "replace", "run_pipeline"]
