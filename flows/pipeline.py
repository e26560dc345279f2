"""The Prefect flow of a run: ingest → validate → build → publish → outputs, one flow of tasks.

Orchestration only: each task calls one function of :mod:`bisa_sdg.run.steps`; the bookkeeping of stages, failures
and the summary is :mod:`bisa_sdg.run.record`. One flow, not a flow per stage: a subflow costs a flow run's worth
of API calls (about a second each on a small machine) and bought nothing a task run does not show.
"""

from __future__ import annotations

import contextlib
import logging
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
from bisa_sdg.run import display, incremental, runlog
from bisa_sdg.run import housekeeping as ops
from bisa_sdg.run import record as rec
from bisa_sdg.run import steps as p
from bisa_sdg.run.interrupt import install_quiet_interrupts
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


@task(name="build-warehouse", task_run_name="build-{profile.id}", cache_policy=NO_CACHE)
def build_task(ingested, issues, config, catalog, profile, run) -> tuple[Path, list[dict[str, Any]]]:
    """A complete new warehouse file beside the published one (per-model lines: ``bisa-sdg -v run``)."""
    return p.build_warehouse(ingested, issues, config, catalog, profile, run)


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


@task(name="write-outputs", task_run_name="outputs-{profile.id}", cache_policy=NO_CACHE)
def outputs_task(config: p.PipelineConfig, profile: RegionProfile) -> list[str]:
    """SDMX, Open SDG files, extracts and the report, written from the published warehouse."""
    from bisa_sdg.publish.outputs import settings_for, write_outputs

    ops.fault_point("before-outputs")
    paths = write_outputs(config.warehouse, config.reports_dir, settings=settings_for(config, profile))
    get_run_logger().info("outputs: %d files in %s", len(paths), config.reports_dir)
    return [str(path) for path in paths]


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
    display.current().done("prefect")
    ops.restrict_umask()
    ops.install_log_redaction()
    install_quiet_interrupts()
    # Named after the profile file until the profile is loaded: a bad profile is a recorded failure too.
    run = p.new_run(config, None)
    run.update(
        stages=[], warnings=[], build_key=None, warehouse_sha256=None, prefect_flow_run=_flow_run_label()
    )
    issues = rec.no_issues()
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
                _refresh(config, catalog, run, started)
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
            issues = getattr(exc, "issues", issues)
            _remember_flow_run(exc)
            rec.end_with_failure(config, run, issues, exc, step, started, published_before)
            raise
        run.update(status="completed", finished_at=rec.now())
        runlog.record_run(config.warehouse, run, issues)
        used = [*keys.values(), *(s.get("cache_key") for s in run["stages"])]
        incremental.prune_cache(config.warehouse, used)  # entries unused for 30 days
    summary = rec.summary(run, config, tables, issues)
    p.write_run_summary(config.reports_dir, summary)
    return summary


def _flow_run_label() -> str:
    return f"{current_flow_run.flow_name}/{current_flow_run.name} ({current_flow_run.id})"


def _remember_flow_run(exc: BaseException) -> None:
    """Let the CLI mark this flow run cancelled after Prefect has recorded the interruption as a crash."""
    with contextlib.suppress(AttributeError):  # an exception class with __slots__
        exc.prefect_flow_run_id = current_flow_run.id  # type: ignore[attr-defined]


def mark_cancelled(exc: BaseException) -> None:
    """An interrupted run shows as Cancelled in Prefect, not Crashed; best effort, one short API call."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    current: BaseException | None = exc
    while current is not None and not getattr(current, "prefect_flow_run_id", None):
        current = current.__context__
    if current is None:
        return
    try:
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(
                current.prefect_flow_run_id,  # type: ignore[attr-defined]
                Cancelled(message="stopped by a signal (SIGINT/SIGTERM)"),
                force=True,
            )
    except Exception as error:  # the API gone: the run log still says interrupted
        logging.getLogger(__name__).debug("could not mark the flow run cancelled: %s", error)


def _refresh(config: p.PipelineConfig, catalog: Catalog, run: dict[str, Any], started: float) -> None:
    refreshed = refresh_online_task(config, catalog)
    run["warnings"] += refreshed
    seconds = time.perf_counter() - started
    run["stages"].append(
        rec.stage("refresh", "refresh-online-sources", None, None, seconds, False, warnings=len(refreshed))
    )


def _ingest(config, catalog, profile, keys) -> p.Ingested:
    """Read every source side by side; a source whose key is unchanged comes from the cache (state 'Cached')."""
    ingest = _cached(ingest_source_task, config)
    futures = [ingest.submit(source, config, profile, keys[source.id]) for source in catalog.sources]
    ingested = p.Ingested(frames={}, file_hashes={}, warnings=[], cache_keys=keys)
    for source, future in zip(catalog.sources, futures, strict=True):
        frame, hashes, source_warnings, seconds = future.result()
        display.current().advance("ingest")
        cached = future.state.name == "Cached"
        ingested.frames[source.id] = frame
        ingested.file_hashes.update(hashes)
        ingested.warnings += source_warnings
        ingested.stages.append(
            rec.stage(
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


def _validate(ingested: p.Ingested, config, catalog, profile) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The issues, and the stage record (cached when the inputs, schemas and validation code are unchanged)."""
    key = incremental.validation_key(ingested.cache_keys, config.schemas_dir, catalog, profile)
    started = time.perf_counter()
    state = _cached(validate_task, config)(ingested, config, catalog, profile, key, return_state=True)
    issues = state.result()
    rows = sum(len(frame) for frame in ingested.frames.values())
    errors = int((issues["severity"] == "error").sum()) if len(issues) else 0
    stage = rec.stage(
        "validate",
        f"validate-{profile.id}",
        rows,
        rows,
        time.perf_counter() - started,
        state.name == "Cached",
        issues=len(issues),
        errors=errors,
        cache_key=key,
    )
    return issues, {**stage, "status": "failed" if errors else "completed"}


def _rebuild(config: p.PipelineConfig, catalog: Catalog, profile: RegionProfile, run: dict[str, Any], keys):
    """Ingest (cached per source), validate (cached), build a new file and swap it in."""
    stages: list[dict[str, Any]] = run["stages"]
    with rec.failing_as(run, "ingest", f"ingest-{profile.id}", total=len(catalog.sources)) as started:
        ingested = _ingest(config, catalog, profile, keys)
    run["inputs"] = ingested.file_hashes
    run["warnings"] += ingested.warnings
    rows_read = sum(len(frame) for frame in ingested.frames.values())
    stages += ingested.stages
    all_cached = all(s["cached"] for s in ingested.stages)
    seconds = time.perf_counter() - started
    stages.append(
        rec.stage(
            "ingest",
            f"ingest-{profile.id}",
            None,
            rows_read,
            seconds,
            all_cached,
            sources=len(ingested.frames),
        )
    )
    with rec.failing_as(run, "validate", f"validate-{profile.id}"):
        issues, validated = _validate(ingested, config, catalog, profile)
    stages.append(validated)
    p.raise_on_errors(issues)
    with rec.failing_as(run, "build", f"build-{profile.id}") as started:
        built, steps = build_task(ingested, issues, config, catalog, profile, run)
    run["steps"] = steps
    curated = sum(s["rows"] for s in steps if s["model"].startswith("curated."))
    seconds = time.perf_counter() - started
    stages.append(
        rec.stage("build", f"build-{profile.id}", rows_read, curated, seconds, False, models=len(steps))
    )
    with rec.failing_as(run, "publish", f"publish-{config.warehouse.name}") as started:
        tables = publish_task(built, config)
    seconds = time.perf_counter() - started
    stages.append(
        rec.stage(
            "publish", f"publish-{config.warehouse.name}", curated, sum(tables.values()), seconds, False
        )
    )
    return issues, tables


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
        seconds = time.perf_counter() - started
        run["stages"].append(rec.stage("outputs", "outputs-unchanged", None, None, seconds, True))
        return
    try:
        with rec.failing_as(run, "outputs", f"outputs-{profile.id}"), rec.warnings_in_summary(run):
            paths = outputs_task(config, profile)
    except OutputError as exc:
        run["warnings"].append(f"outputs not refreshed (the previous ones are intact): {exc}")
        get_run_logger().warning(run["warnings"][-1])
        return
    seconds = time.perf_counter() - started
    run["stages"].append(rec.stage("outputs", f"outputs-{profile.id}", None, len(paths), seconds, False))


def _unchanged(config: p.PipelineConfig, run: dict[str, Any], same: str, started: float):
    """Nothing changed since run ``same``: record it, with that run's inputs, warnings and validation issues."""
    previous, issues = incremental.recorded_run(config.warehouse, same)
    run["inputs"] = previous.get("inputs") or {}
    run["warnings"] += [w for w in previous.get("warnings") or [] if w not in run["warnings"]]
    tables = p.summarise(config.warehouse)
    seconds = time.perf_counter() - started
    run["stages"].append(
        rec.stage("check", "unchanged", None, sum(tables.values()), seconds, True, unchanged_since=same)
    )
    get_run_logger().info(
        "inputs, schemas, SQL models, configuration and code unchanged since run %s: nothing read, %s left as "
        "published",
        same,
        config.warehouse,
    )
    return issues, tables


__all__ = ["ValidationFailed", "mark_cancelled", "replace", "run_pipeline"]
