"""Releases: a dated, immutable folder that a figure quoted in a publication or sent to the UN can be traced to.

``releases/<vintage>/`` holds a copy of the warehouse (``warehouse/``), every export re-written with the
vintage in the SDMX header and the report (``reports/``), and ``manifest.json``: the sha256 of every file
and the input vintages (the raw files and their hashes from ``meta.source_files``, the sources' retrieval
dates, the run and its inputs from ``audit.runs``). ``manifest.sha256`` holds the manifest's own hash in
``sha256sum`` format, so ``sha256sum -c manifest.sha256`` works without this package.

The release is built in a hidden folder beside its final place and renamed into place in one step, after its
files were made read-only (0o444, folders 0o555): a reader never sees half a release, and a vintage that
exists is never overwritten.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from bisa_sdg.config.catalog import sha256_of
from bisa_sdg.publish.outputs import OutputSettings, write_outputs
from bisa_sdg.publish.snapshot import read_snapshot

MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
WAREHOUSE_DIR = "warehouse"
REPORTS_DIR = "reports"
FILE_MODE = 0o444
DIR_MODE = 0o555
_VINTAGE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ReleaseError(RuntimeError):
    """A release cannot be made, found or trusted; the message says why and what to do."""


@dataclass
class Verification:
    """What ``verify`` found: ok only when every file is present, unchanged and nothing was added."""

    vintage: str
    path: Path
    checked: int = 0
    mismatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    writable: list[str] = field(default_factory=list)
    manifest_changed: bool = False

    @property
    def ok(self) -> bool:
        return not (self.mismatched or self.missing or self.unexpected or self.manifest_changed)

    def describe(self) -> str:
        if self.ok:
            extra = f"; {len(self.writable)} file(s) no longer read-only" if self.writable else ""
            return f"release {self.vintage}: OK, {self.checked} file(s) match the manifest{extra}"
        lines = [f"release {self.vintage}: NOT OK ({self.path})"]
        if self.manifest_changed:
            lines.append(f"  - {MANIFEST} does not match {MANIFEST_HASH}: the manifest itself was changed")
        lines += [f"  - changed:    {p}" for p in self.mismatched]
        lines += [f"  - missing:    {p}" for p in self.missing]
        lines += [f"  - not listed: {p}" for p in self.unexpected]
        lines += [f"  - writable:   {p}" for p in self.writable]
        return "\n".join(lines)


def check_vintage(vintage: str) -> str:
    """A vintage is a calendar date, YYYY-MM-DD: sortable, and what a publication quotes."""
    if not _VINTAGE.match(vintage or ""):
        raise ReleaseError(f"vintage {vintage!r} must be a date written YYYY-MM-DD (e.g. 2025-06-30)")
    try:
        date.fromisoformat(vintage)
    except ValueError as exc:
        raise ReleaseError(f"vintage {vintage!r} is not a calendar date: {exc}") from exc
    return vintage


def release_path(releases_dir: Path, vintage: str) -> Path:
    return Path(releases_dir) / check_vintage(vintage)


@contextmanager
def _lock(releases_dir: Path) -> Iterator[None]:
    """One release at a time per releases folder (two people releasing the same day must not race)."""
    handle = open(releases_dir / ".release.lock", "a+")  # noqa: SIM115 - held for the whole release
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ReleaseError(
                f"{releases_dir}: another release is being made; try again when it is done"
            ) from exc
        yield
    finally:
        handle.close()


def _copy_warehouse(source: Path, target: Path) -> None:
    """Copy from one open file handle: a publish (os.replace) during the copy cannot mix two versions."""
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        raise ReleaseError(
            f"{wal} exists: the warehouse has uncheckpointed changes (a writer is open or crashed); "
            "release once the pipeline has finished"
        )
    with source.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, length=1 << 20)
        dst.flush()
        os.fsync(dst.fileno())


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _freeze(root: Path) -> None:
    for path in _files(root):
        os.chmod(path, FILE_MODE)
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        os.chmod(folder, DIR_MODE)
    os.chmod(root, DIR_MODE)


def _thaw(root: Path) -> None:
    """Make a (failed) staging folder removable again."""
    if not root.exists():
        return
    os.chmod(root, 0o755)
    for folder in root.rglob("*"):
        if folder.is_dir():
            os.chmod(folder, 0o755)


def _inputs(warehouse: Path) -> dict[str, Any]:
    """The input vintages: which raw files (sha256) and which retrieval of each source the figures rest on."""
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def rows(sql: str) -> list[dict[str, Any]]:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

        tables = {
            f"{s}.{t}"
            for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }
        files = (
            rows("select source_id, path, sha256_catalog, sha256_read from meta.source_files order by 1, 2")
            if "meta.source_files" in tables
            else []
        )
        sources = (
            rows(
                "select source_id, title, publisher, licence, url, retrieved, synthetic "
                "from meta.sources order by source_id"
            )
            if "meta.sources" in tables
            else []
        )
    return {"source_files": files, "sources": sources}


def create_release(
    warehouse: Path,
    releases_dir: Path,
    *,
    vintage: str | None = None,
    settings: OutputSettings | None = None,
) -> Path:
    """Freeze ``releases_dir/<vintage>/`` from the published ``warehouse``; refuses an existing vintage."""
    vintage = check_vintage(vintage or date.today().isoformat())
    warehouse = Path(warehouse)
    releases_dir = Path(releases_dir)
    if not warehouse.is_file():
        raise ReleaseError(f"{warehouse}: no published warehouse to release (run `bisa-sdg run` first)")
    final = releases_dir / vintage
    if final.exists():
        raise ReleaseError(
            f"release {vintage} already exists at {final}: a release is never changed or replaced. "
            f"Quote it as it is (`bisa-sdg release --verify {vintage}`), or release the new figures under "
            "a later date."
        )
    releases_dir.mkdir(parents=True, exist_ok=True)
    with _lock(releases_dir):
        staging = Path(tempfile.mkdtemp(prefix=f".{vintage}.", suffix=".building", dir=releases_dir))
        try:
            copy = staging / WAREHOUSE_DIR / warehouse.name
            copy.parent.mkdir()
            _copy_warehouse(warehouse, copy)
            snapshot = read_snapshot(copy)  # also proves the copy opens
            write_outputs(copy, staging / REPORTS_DIR, vintage=vintage, settings=settings)
            manifest = {
                "vintage": vintage,
                "label": snapshot.label(vintage),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "warehouse": {"copy": f"{WAREHOUSE_DIR}/{warehouse.name}", "released_from": str(warehouse)},
                "run": {
                    "run_id": snapshot.run.run_id,
                    "started_at": snapshot.run.started_at,
                    "code_version": snapshot.run.code_version,
                    "profile": snapshot.run.profile,
                    "inputs": snapshot.run.inputs,
                },
                "inputs": _inputs(copy),
                "files": {
                    str(p.relative_to(staging)): {"sha256": sha256_of(p), "bytes": p.stat().st_size}
                    for p in _files(staging)
                },
            }
            text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n"
            (staging / MANIFEST).write_text(text, encoding="utf-8")
            (staging / MANIFEST_HASH).write_text(
                f"{sha256_of(staging / MANIFEST)}  {MANIFEST}\n", encoding="utf-8"
            )
            _freeze(staging)
            if final.exists():  # made by someone else meanwhile (without the lock): never replace it
                raise ReleaseError(
                    f"release {vintage} appeared at {final} while this one was built; not replaced"
                )
            os.rename(staging, final)
        except BaseException:
            _thaw(staging)
            shutil.rmtree(staging, ignore_errors=True)
            raise
    directory = os.open(releases_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return final


def load_manifest(releases_dir: Path, vintage: str) -> tuple[Path, dict[str, Any]]:
    folder = release_path(releases_dir, vintage)
    path = folder / MANIFEST
    if not path.is_file():
        known = ", ".join(r["vintage"] for r in list_releases(releases_dir)) or "none"
        raise ReleaseError(f"no release {vintage} in {releases_dir} (releases: {known})")
    try:
        return folder, json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ReleaseError(f"{path}: not a readable manifest: {exc}") from exc


def verify_release(releases_dir: Path, vintage: str) -> Verification:
    """Recompute every hash and compare with the manifest; also report files added or made writable."""
    folder, manifest = load_manifest(releases_dir, vintage)
    result = Verification(vintage=vintage, path=folder)
    recorded = (
        (folder / MANIFEST_HASH).read_text(encoding="utf-8").split()[0]
        if (folder / MANIFEST_HASH).is_file()
        else ""
    )
    result.manifest_changed = recorded != sha256_of(folder / MANIFEST)
    listed: dict[str, dict[str, Any]] = manifest.get("files", {})
    for relative, entry in sorted(listed.items()):
        path = folder / relative
        if not path.is_file():
            result.missing.append(relative)
            continue
        result.checked += 1
        if sha256_of(path) != entry.get("sha256"):
            result.mismatched.append(relative)
        if path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            result.writable.append(relative)
    present = {str(p.relative_to(folder)) for p in _files(folder)} - {MANIFEST, MANIFEST_HASH}
    result.unexpected = sorted(present - set(listed))
    return result


def list_releases(releases_dir: Path) -> list[dict[str, Any]]:
    """The releases in ``releases_dir``, oldest first, from their manifests."""
    releases_dir = Path(releases_dir)
    if not releases_dir.is_dir():
        return []
    found = []
    for folder in sorted(p for p in releases_dir.iterdir() if p.is_dir() and _VINTAGE.match(p.name)):
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        found.append(
            {
                "vintage": folder.name,
                "path": folder,
                "created_at": manifest.get("created_at", "?"),
                "run_id": manifest.get("run", {}).get("run_id", "?"),
                "files": len(manifest.get("files", {})),
                "complete": bool(manifest),
            }
        )
    return found


def open_release(releases_dir: Path, vintage: str) -> Path:
    """The path of a release's warehouse copy, after checking its hash: open it with read_only=True."""
    folder, manifest = load_manifest(releases_dir, vintage)
    relative = manifest.get("warehouse", {}).get("copy", "")
    path = folder / relative
    entry = manifest.get("files", {}).get(relative)
    if not relative or not path.is_file() or entry is None:
        raise ReleaseError(f"release {vintage}: the warehouse copy {relative!r} is missing")
    if sha256_of(path) != entry.get("sha256"):
        raise ReleaseError(f"release {vintage}: {path} differs from its manifest hash; do not use it")
    return path


def connect_release(releases_dir: Path, vintage: str) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to an earlier release (analysts re-opening the figures of a vintage)."""
    return duckdb.connect(str(open_release(releases_dir, vintage)), read_only=True)
