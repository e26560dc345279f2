"""Operational helpers of a production run: stale build files, failure explanations, file modes, log redaction,
and the fault hook used by the fault-injection tests.

The fault hook is OFF unless ``BISA_SDG_FAULT_PAUSE_AT`` names a fault point; it exists so a test can SIGKILL a
real pipeline process at an exact point (e.g. just before the warehouse is swapped in) instead of guessing with
timers. Nothing else in production reads it.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from pathlib import Path

from bisa_sdg.acquire.http import RedactingFilter, redact_text
from bisa_sdg.run.log_filters import add_to_handlers

log = logging.getLogger(__name__)

FAULT_PAUSE_AT = "BISA_SDG_FAULT_PAUSE_AT"  # name of the fault point at which to pause
FAULT_MARKER = "BISA_SDG_FAULT_MARKER"  # file written (with the pid) when the pause starts
FAULT_PAUSE_SECONDS = "BISA_SDG_FAULT_PAUSE_SECONDS"  # how long to pause (default 120 s), then carry on
FAULT_POINTS = ("after-lock", "mid-build", "before-publish", "after-publish", "before-outputs")


def fault_point(name: str) -> None:
    """Pause here if the fault hook names this point (tests only; a no-op otherwise)."""
    if name not in FAULT_POINTS:
        raise ValueError(f"unknown fault point {name!r}")
    if os.environ.get(FAULT_PAUSE_AT) != name:
        return
    marker = os.environ.get(FAULT_MARKER)
    if marker:
        Path(marker).write_text(f"{os.getpid()} {name}\n", encoding="utf-8")
    log.warning("fault hook: pausing at %s (pid %d)", name, os.getpid())
    time.sleep(float(os.environ.get(FAULT_PAUSE_SECONDS, "120")))


def stale_builds(warehouse: Path) -> list[Path]:
    """Half-built files left by a run that was killed (only meaningful while holding the run lock)."""
    warehouse = Path(warehouse)
    patterns = (f".{warehouse.name}.*.building", f".{warehouse.name}.*.building.wal")
    return sorted(path for pattern in patterns for path in warehouse.parent.glob(pattern))


def remove_stale_builds(warehouse: Path) -> list[str]:
    """Delete them; returns one warning per file so the run log says that an earlier run died mid-build."""
    warnings = []
    for path in stale_builds(warehouse):
        size = path.stat().st_size if path.exists() else 0
        path.unlink(missing_ok=True)
        warnings.append(f"removed {path.name} ({size} bytes) left by an interrupted run")
    return warnings


def remove_stale_outputs(reports_dir: Path) -> list[str]:
    """Output folders a killed run left in the reports folder (only meaningful while holding the run lock).

    write_outputs builds into ``.outputs-<random>`` and swaps folders through ``.<name>.old-<random>``; a run
    killed meanwhile leaves them behind, each a full copy of the outputs. One warning per folder removed.
    """
    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        return []
    stale = [*reports_dir.glob(".outputs-*"), *reports_dir.glob(".*.old-outputs-*")]
    warnings = []
    for path in sorted(p for p in stale if p.is_dir() and not p.is_symlink()):
        shutil.rmtree(path, ignore_errors=True)
        warnings.append(f"removed {path.name}/ left in {reports_dir} by an interrupted run")
    return warnings


def is_disk_full(exc: BaseException) -> bool:
    """OSError(ENOSPC/EDQUOT) anywhere in the chain, or DuckDB's wording of it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(current).lower()
        if "no space left on device" in text or "disk quota exceeded" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def explain_failure(exc: BaseException) -> str:
    """The one-paragraph reason a run failed, safe to log and to store (secrets redacted)."""
    text = f"{type(exc).__name__}: {exc}"
    if is_disk_full(exc):
        text = (
            "disk full: the file system ran out of space while the run was writing (the half-built file was "
            f"removed); free some space and run again. Detail: {text}"
        )
    return redact_text(text)


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """Device, inode, size and mtime of a file, or None when it is absent.

    Why: publishing swaps a new file in with os.replace, which changes the inode; comparing the identity before
    and after a failed run tells whether the warehouse was replaced, wherever the failure happened.
    """
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


PUBLISHED_BUT_FAILED = "outputs-failed"  # run-log status: the warehouse was replaced, a later step failed


def explain_published_failure(step: str, exc: BaseException) -> str:
    """The run-log error of a run that replaced the warehouse and then failed (outputs, or an interruption)."""
    what = "outputs failed" if step == "outputs" else f"the run then failed at {step!r}"
    return (
        f"warehouse published, {what}: {explain_failure(exc)} — the outputs may still be those of the previous "
        "run; the next run writes them again from the published warehouse"
    )


def restrict_umask() -> int:
    """Never create group/world-writable files, whatever umask the caller had; returns the previous umask."""
    previous = os.umask(0o022)
    os.umask(previous | 0o022)
    return previous


def chmod_readable(path: Path) -> None:
    """Published files: owner read/write, everyone else read-only (0o644)."""
    os.chmod(path, 0o644)


def install_log_redaction() -> None:
    """Redact credentials in every record that reaches a handler of Prefect's loggers or of the root logger."""
    add_to_handlers(RedactingFilter)
