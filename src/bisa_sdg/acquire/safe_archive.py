"""Extract publisher archives (GTFS feeds, shapefile zips) without trusting what is inside them.

``zipfile.extractall`` strips '..' and leading slashes but still writes every member, follows no size limit and
happily writes what a crafted archive calls a symlink as a file. :func:`extract_zip` refuses the whole archive
instead, before writing anything, when a member

* has an absolute name (``/etc/passwd``, ``C:\\x``, ``\\\\server\\share``) or a '..' part, or a NUL/backslash trick;
* is a symlink, a device or anything but a regular file or a folder;
* appears twice (a second copy would silently overwrite the first);

and it stops (deleting what it wrote) when the archive expands past ``max_total_bytes`` or ``max_files``, or a
member's compression ratio exceeds ``max_ratio`` — zip bombs — counting the bytes actually inflated, not the
sizes the archive claims. Files are written 0o644, folders 0o755, into ``dest``, which must not exist yet (the
extraction goes to a temporary sibling that is renamed into place, so ``dest`` is complete or absent).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

MAX_TOTAL_BYTES = 512 * 1024 * 1024  # a full national GTFS feed is ~100-300 MB unpacked
MAX_FILES = 10_000
MAX_RATIO = 200  # text compresses ~10-20x; 1000x is a bomb
_CHUNK = 1 << 16


class UnsafeArchiveError(ValueError):
    """The archive is refused; the message names the archive and the member."""


def _member_path(zip_path: Path, info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's relative path, or None for a folder entry; raises for anything that could escape."""
    name = info.filename
    if "\x00" in name or "\\" in name:
        raise UnsafeArchiveError(f"{zip_path}: member {name!r} has a NUL or backslash in its name")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"{zip_path}: member {name!r} has an absolute path")
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise UnsafeArchiveError(f"{zip_path}: member {name!r} leaves the extraction folder ('..')")
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if info.is_dir():
        return None
    if stat.S_ISLNK(mode):
        raise UnsafeArchiveError(f"{zip_path}: member {name!r} is a symbolic link")
    if kind not in (0, stat.S_IFREG):  # 0: archivers that record no unix mode
        raise UnsafeArchiveError(f"{zip_path}: member {name!r} is not a regular file (mode {oct(mode)})")
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts:
        raise UnsafeArchiveError(f"{zip_path}: member {name!r} has an empty name")
    return PurePosixPath(*parts)


def extract_zip(
    zip_path: Path | str,
    dest: Path | str,
    *,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
    max_ratio: float = MAX_RATIO,
) -> list[Path]:
    """Extract a zip archive safely into ``dest`` (which must not exist); return the files written."""
    zip_path, dest = Path(zip_path), Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; extract into a new folder")
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise UnsafeArchiveError(f"{zip_path}: not a readable zip archive ({exc})") from exc
    with archive:
        members: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        seen: set[str] = set()
        infos = archive.infolist()
        if len(infos) > max_files:
            raise UnsafeArchiveError(f"{zip_path}: {len(infos)} members, more than the limit of {max_files}")
        for info in infos:
            relative = _member_path(zip_path, info)
            if relative is None:
                continue
            key = relative.as_posix().lower()  # case-insensitive file systems would merge these
            if key in seen:
                raise UnsafeArchiveError(f"{zip_path}: member {info.filename!r} appears twice")
            seen.add(key)
            members.append((info, relative))
        claimed = sum(info.file_size for info, _ in members)
        if claimed > max_total_bytes:
            raise UnsafeArchiveError(
                f"{zip_path}: expands to {claimed} bytes, more than the limit of {max_total_bytes} (zip bomb?)"
            )

        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".extracting", dir=dest.parent))
        written: list[Path] = []
        total = 0
        try:
            for info, relative in members:
                target = staging.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
                limit = max(info.compress_size, 1) * max_ratio
                size = 0
                with archive.open(info) as source, open(target, "xb") as sink:
                    while chunk := source.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if total > max_total_bytes:
                            raise UnsafeArchiveError(
                                f"{zip_path}: expands past the limit of {max_total_bytes} bytes (zip bomb?)"
                            )
                        if size > 1024 * 1024 and size > limit:
                            raise UnsafeArchiveError(
                                f"{zip_path}: member {info.filename!r} inflates more than {max_ratio}x its "
                                "compressed size (zip bomb?)"
                            )
                        sink.write(chunk)
                os.chmod(target, 0o644)
                written.append(dest.joinpath(*relative.parts))
            for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
                os.chmod(folder, 0o755)
            staging.rename(dest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return written
