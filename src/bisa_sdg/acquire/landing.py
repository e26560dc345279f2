"""The immutable landing zone: every download is kept as a dated vintage, recorded in a manifest.

Layout: ``raw_dir/<source_id>/vintages/<YYYYMMDDTHHMMSSZ>/<filename>`` plus one JSON line per landed file in
``raw_dir/<source_id>/manifest.jsonl``. A vintage is never overwritten, so any published figure can be traced
back to the exact bytes it was computed from; identical re-downloads are not landed twice.
Assumes one writer per source at a time (the manifest is appended without a lock).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bisa_sdg.acquire.http import redact_url
from bisa_sdg.config.catalog import sha256_of

MANIFEST_NAME = "manifest.jsonl"
VINTAGES_DIR = "vintages"
VINTAGE_FORMAT = "%Y%m%dT%H%M%SZ"

_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class LandingError(RuntimeError):
    """A landing that would break immutability or traceability (overwrite, tampered file, bad manifest)."""


@dataclass(frozen=True)
class ManifestEntry:
    """One line of ``manifest.jsonl``. ``path`` is relative to ``raw_dir/<source_id>`` (POSIX separators)."""

    source_id: str
    filename: str
    vintage: str
    path: str
    url: str
    retrieved_at: str
    sha256: str
    bytes: int
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class LandedFile:
    """A file in the landing zone; ``new`` is False when identical content had already been landed."""

    path: Path
    entry: ManifestEntry
    new: bool

    @property
    def sha256(self) -> str:
        return self.entry.sha256

    @property
    def vintage(self) -> str:
        return self.entry.vintage


def validate_source_id(source_id: str) -> str:
    """Reject anything but a short lower-case slug: source ids become directory names."""
    if not isinstance(source_id, str) or not _SOURCE_ID.fullmatch(source_id):
        raise ValueError(f"invalid source_id {source_id!r}: expected [a-z0-9][a-z0-9_-]{{0,63}}")
    return source_id


def validate_filename(filename: str) -> str:
    """Reject path separators, '..', absolute paths and hidden names: filenames must stay in their vintage."""
    if not isinstance(filename, str) or not _FILENAME.fullmatch(filename) or ".." in filename:
        raise ValueError(f"invalid filename {filename!r}: expected [A-Za-z0-9][A-Za-z0-9._-]* without '..'")
    return filename


def vintage_of(retrieved_at: datetime) -> str:
    """The vintage folder name: the retrieval time in UTC to the second."""
    if retrieved_at.tzinfo is None or retrieved_at.utcoffset() is None:
        raise ValueError("retrieved_at must be timezone-aware (a naive time is ambiguous)")
    return retrieved_at.astimezone(UTC).strftime(VINTAGE_FORMAT)


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


sha256_file = sha256_of  # one file hash for the whole project (bisa_sdg.config.catalog)


def _source_dir(raw_dir: Path, source_id: str) -> Path:
    return Path(raw_dir) / validate_source_id(source_id)


def read_manifest(raw_dir: Path, source_id: str) -> list[ManifestEntry]:
    """All manifest entries of a source, in the order they were landed ([] when nothing was landed yet)."""
    manifest = _source_dir(raw_dir, source_id) / MANIFEST_NAME
    if not manifest.exists():
        return []
    entries: list[ManifestEntry] = []
    with manifest.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                entries.append(ManifestEntry(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                raise LandingError(f"{manifest}:{lineno}: unreadable manifest line ({exc})") from exc
    return entries


def latest_entry(
    raw_dir: Path, source_id: str, *, filename: str | None = None, url: str | None = None
) -> ManifestEntry | None:
    """The manifest entry with the newest vintage for a filename and/or url (url compared redacted)."""
    wanted_url = redact_url(url) if url is not None else None
    candidates = [
        e
        for e in read_manifest(raw_dir, source_id)
        if (filename is None or e.filename == filename) and (wanted_url is None or e.url == wanted_url)
    ]
    return max(candidates, key=lambda e: e.vintage, default=None)


def _checked_path(raw_dir: Path, source_id: str, entry: ManifestEntry) -> Path:
    """The absolute path of a landed file; a missing file means the landing zone was tampered with."""
    path = _source_dir(raw_dir, source_id) / entry.path
    if not path.is_file():
        raise LandingError(f"manifest of {source_id!r} lists {entry.path} but the file is missing")
    return path


def latest_vintage_file(raw_dir: Path, source_id: str, filename: str) -> Path | None:
    """Path of the newest landed vintage of ``filename``, or None when it was never landed."""
    entry = latest_entry(raw_dir, source_id, filename=validate_filename(filename))
    return None if entry is None else _checked_path(raw_dir, source_id, entry)


def conditional_headers_for(raw_dir: Path, source_id: str, url: str) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the newest landing of ``url``: an unchanged source costs 304."""
    entry = latest_entry(raw_dir, source_id, url=url)
    if entry is None or not (_source_dir(raw_dir, source_id) / entry.path).is_file():
        return {}  # without the local copy a 304 would leave us with nothing
    headers: dict[str, str] = {}
    if entry.etag:
        headers["If-None-Match"] = entry.etag
    if entry.last_modified:
        headers["If-Modified-Since"] = entry.last_modified
    return headers


def _fsync_dir(directory: Path) -> None:
    """Persist a rename/creation in ``directory`` (POSIX; a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomically(target: Path, content: bytes) -> None:
    """Write to a temp file beside ``target``, fsync, then rename: readers never see a partial file."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o444)  # landed files are read-only: a reminder that vintages are immutable
        if target.exists():  # re-checked right before the rename (single writer assumed)
            raise LandingError(f"refusing to overwrite existing vintage file {target}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _append_manifest(manifest: Path, entry: ManifestEntry) -> None:
    line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=False) + "\n"
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def land(
    raw_dir: Path,
    source_id: str,
    filename: str,
    content: bytes,
    *,
    url: str,
    retrieved_at: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> LandedFile:
    """Land ``content`` as a new vintage of ``filename`` unless it equals the newest vintage's bytes.

    Raises :class:`LandingError` if the vintage file already exists (never overwrite) or if the newest landed
    copy no longer matches its recorded sha256.
    """
    validate_source_id(source_id)
    validate_filename(filename)
    if not isinstance(content, bytes | bytearray):
        raise TypeError(f"content must be bytes, got {type(content).__name__}")
    content = bytes(content)
    retrieved_at = retrieved_at or datetime.now(UTC)
    vintage = vintage_of(retrieved_at)
    digest = sha256_bytes(content)
    source_dir = _source_dir(raw_dir, source_id)

    previous = latest_entry(raw_dir, source_id, filename=filename)
    if previous is not None:
        previous_path = _checked_path(raw_dir, source_id, previous)
        actual = sha256_file(previous_path)
        if actual != previous.sha256:
            raise LandingError(
                f"{previous_path} changed after landing: sha256 {actual} != manifest {previous.sha256}"
            )
        if previous.sha256 == digest:
            return LandedFile(previous_path, previous, new=False)

    vintage_dir = source_dir / VINTAGES_DIR / vintage
    target = vintage_dir / filename
    if target.exists():
        raise LandingError(f"refusing to overwrite existing vintage file {target}")
    vintage_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, content)

    entry = ManifestEntry(
        source_id=source_id,
        filename=filename,
        vintage=vintage,
        path=target.relative_to(source_dir).as_posix(),
        url=redact_url(url),
        retrieved_at=retrieved_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        sha256=digest,
        bytes=len(content),
        etag=etag,
        last_modified=last_modified,
    )
    _append_manifest(source_dir / MANIFEST_NAME, entry)
    return LandedFile(target, entry, new=True)
