"""The checks made before a run starts Prefect: a mistake in how the run was asked for fails in a second.

Why: a missing folder or a read-only one used to surface after Prefect's server had started (12-25 s), as a
traceback. Each check here names the option to fix. Light on purpose (no pandas, no Prefect).
"""

from __future__ import annotations

import os
from pathlib import Path

from bisa_sdg.config.settings import PipelineConfig


class UsageError(Exception):
    """A mistake in how the run was asked for, with its fix: printed as one or two lines, exit code 2."""


def check_run(config: PipelineConfig) -> None:
    """Every path a run reads exists; every folder it writes can be written. Raises :class:`UsageError`."""
    _folder(config.raw_dir, "--raw-dir", "the landing zone that holds catalog.yaml")
    if not config.catalog_path.is_file():
        raise UsageError(
            f"no catalog.yaml in {config.raw_dir}: pass --raw-dir with the landing zone that holds catalog.yaml"
        )
    if not Path(config.profile_path).is_file():
        raise UsageError(
            f"profile file {config.profile_path} not found: pass --profile with a name listed by "
            "`bisa-sdg profiles` or the path of a profile file"
        )
    _folder(config.schemas_dir, "--schemas-dir", "the folder of the source schemas")
    _writable(Path(config.warehouse).parent, "--warehouse", "the warehouse's folder")
    lock = Path(config.warehouse).with_name(f".{Path(config.warehouse).name}.lock")
    if lock.exists() and not os.access(lock, os.W_OK):
        raise UsageError(
            f"cannot write the run lock {lock}: fix its permissions, or pass another --warehouse"
        )
    _writable(Path(config.reports_dir), "--reports-dir", "the reports folder")


def _folder(path: Path, option: str, what: str) -> None:
    if not Path(path).is_dir():
        raise UsageError(f"no folder {path}: pass {option} with {what}")


def _writable(folder: Path, option: str, what: str) -> None:
    """``folder`` can be written, or created in its nearest existing parent."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{existing} is not a folder, so {what} {folder} cannot be made: check {option}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"{existing} is read-only for this user, so {what} {folder} cannot be written: pass {option} "
            "with a folder you can write, or fix its permissions"
        )
