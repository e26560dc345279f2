"""The bookkeeping of a run: its stages, how it ended, and the summary the CLI prints and run_summary.json keeps.

Kept out of ``flows/`` so the flow reads as the sequence of steps, and testable without Prefect.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from bisa_sdg.config.catalog import sha256_of
from bisa_sdg.config.settings import PipelineConfig
from bisa_sdg.run import display, runlog
from bisa_sdg.run import housekeeping as ops
from bisa_sdg.run.interrupt import signal_of
from bisa_sdg.run.steps import write_run_summary
from bisa_sdg.validation.schema import ISSUE_COLUMNS

log = logging.getLogger(__name__)


def no_issues() -> pd.DataFrame:
    return pd.DataFrame(columns=list(ISSUE_COLUMNS))


def stage(
    name: str,
    prefect_name: str,
    rows_in: int | None,
    rows_out: int | None,
    seconds: float,
    cached: bool,
    **detail: Any,
) -> dict[str, Any]:
    """One step of a run as audit.runs / the run log keep it; ``prefect_name`` is the Prefect task run name."""
    return {
        "stage": name,
        "prefect_name": prefect_name,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "seconds": round(seconds, 3),
        "cached": cached,
        "status": "completed",
        **detail,
    }


def failed(name: str, prefect_name: str, started: float) -> dict[str, Any]:
    return {**stage(name, prefect_name, None, None, time.perf_counter() - started, False), "status": "failed"}


@contextmanager
def failing_as(
    run: dict[str, Any], name: str, prefect_name: str, total: int | None = None
) -> Iterator[float]:
    """Time a stage (and show it: :mod:`bisa_sdg.run.display`); if it raises, the run's stages end with this
    one, failed. Yields the start time. ``total``: items the stage counts as it goes (sources)."""
    started = time.perf_counter()
    display.current().stage(name, total)
    try:
        yield started
    except BaseException:
        run["stages"].append(failed(name, prefect_name, started))
        display.current().done(name, "failed")
        raise
    display.current().done(name)


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


@contextmanager
def warnings_in_summary(run: dict[str, Any], logger_name: str = "bisa_sdg.publish") -> Iterator[None]:
    """Warnings the outputs log go to the run's warnings, said once in the summary, not in the live log.

    Why: the SDMX step warns about the same set-aside series on every run; in the log it reads as news each time.
    """
    logger = logging.getLogger(logger_name)
    collected: list[str] = []
    handler = _Collect(collected)
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        run["warnings"] += collected


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def end_with_failure(
    config: PipelineConfig,
    run: dict[str, Any],
    issues: pd.DataFrame,
    exc: BaseException,
    step: str,
    started: float,
    published_before: Any,
) -> None:
    """Record why the run ended early: failed, interrupted (SIGINT/SIGTERM), or failed after the swap.

    An interrupted run also removes what it left (a half-built file, half-written output folders): it still
    holds the run lock, so nothing else is writing them.
    """
    if not run["stages"] or run["stages"][-1]["status"] != "failed":
        run["stages"].append(failed(step, step, started))
    replaced = ops.file_identity(config.warehouse) != published_before
    if replaced:
        run["warehouse_sha256"] = run["warehouse_sha256"] or sha256_of(config.warehouse)
    stopped_by = signal_of(exc)
    run["finished_at"] = now()
    if stopped_by:
        ops.remove_stale_builds(config.warehouse)
        ops.remove_stale_outputs(config.reports_dir)
        published = "after the warehouse was replaced" if replaced else "nothing published"
        run.update(status=runlog.INTERRUPTED, error=f"stopped by {stopped_by.name} at {step!r}, {published}")
    elif replaced:  # the swap happened: say so
        run.update(status=ops.PUBLISHED_BUT_FAILED, error=ops.explain_published_failure(step, exc))
    else:
        run.update(status="failed", error=ops.explain_failure(exc))
    try:  # a run log that cannot be written (disk full) must not hide the original error
        runlog.record_run(config.warehouse, run, issues)
        write_run_summary(config.reports_dir, summary(run, config, {}, issues))
    except Exception as record_error:
        log.error("the failed run could not be recorded: %s", ops.explain_failure(record_error))


def summary(
    run: dict[str, Any], config: PipelineConfig, tables: dict[str, int], issues: pd.DataFrame
) -> dict[str, Any]:
    """What run_summary.json keeps and the CLI prints."""
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
        "warnings": list(dict.fromkeys(run["warnings"])),
        "stages": list(run.get("stages") or []),
        "steps": [
            {"model": s["model"], "rows": s["rows"], "seconds": s["seconds"]} for s in run.get("steps") or []
        ],
        "build_key": run.get("build_key"),
    }
