"""The catalog of sources (data/raw/catalog.yaml): what each raw file is, where it came from, and its hash."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bisa_sdg.parsing import load_yaml

SOURCE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
# A schema is named, not located: schemas/<name>.yaml, so no catalog entry can point validation elsewhere.
SCHEMA_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
REQUIRED_KEYS = (
    "id",
    "title",
    "publisher",
    "licence",
    "url",
    "retrieved",
    "cadence",
    "schema",
    "synthetic",
    "files",
)


class CatalogError(ValueError):
    """The catalog cannot be used as it stands."""


@dataclass(frozen=True)
class SourceFile:
    path: str
    sha256: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    licence: str
    url: str
    retrieved: str
    cadence: str
    schema: str
    synthetic: bool
    files: tuple[SourceFile, ...]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    path: Path
    sources: tuple[Source, ...]

    @property
    def root(self) -> Path:
        return self.path.parent

    def get(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise CatalogError(f"{self.path}: no source with id {source_id!r}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_reference_year(path: Path, source_id: str, relative: str, year: Any) -> None:
    """A file's reference year is a past or current year: data for 2099 would be published as observed."""
    if year is None:
        return
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise CatalogError(
            f"{path}: source {source_id}: {relative}: reference_year {year!r} is not a year"
        ) from None
    this_year = datetime.now(UTC).year
    if not 1900 <= value <= this_year:
        raise CatalogError(
            f"{path}: source {source_id}: {relative}: reference_year {value} is not between 1900 and this year "
            f"({this_year}); the files hold observations, which cannot be of a later year"
        )


def load_catalog(path: Path) -> Catalog:
    """Read the catalog and refuse entries that are incomplete, so provenance never silently goes missing."""
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc}") from exc
    entries = (doc or {}).get("sources")
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a top-level 'sources' list")
    sources: list[Source] = []
    for position, entry in enumerate(entries, start=1):
        missing = [key for key in REQUIRED_KEYS if key not in entry]
        if missing:
            raise CatalogError(f"{path}: source #{position} lacks {', '.join(missing)}")
        if not SOURCE_ID_PATTERN.match(str(entry["id"])):
            raise CatalogError(f"{path}: source id {entry['id']!r} must match {SOURCE_ID_PATTERN.pattern}")
        if not SCHEMA_NAME_PATTERN.match(str(entry["schema"])):
            raise CatalogError(
                f"{path}: source {entry['id']}: schema {entry['schema']!r} must be the name of a file in the "
                f"schemas folder (matching {SCHEMA_NAME_PATTERN.pattern}), not a path"
            )
        files = []
        for item in entry["files"]:
            relative = str(item["path"])
            if relative.startswith("/") or ".." in Path(relative).parts:
                raise CatalogError(
                    f"{path}: source {entry['id']}: file path {relative!r} leaves the raw folder"
                )
            attrs = {k: v for k, v in item.items() if k not in ("path", "sha256")}
            _check_reference_year(path, str(entry["id"]), relative, attrs.get("reference_year"))
            files.append(SourceFile(path=relative, sha256=str(item.get("sha256", "")), attrs=attrs))
        extra = {k: v for k, v in entry.items() if k not in REQUIRED_KEYS}
        sources.append(
            Source(
                id=str(entry["id"]),
                title=str(entry["title"]),
                publisher=str(entry["publisher"]),
                licence=str(entry["licence"]),
                url=str(entry["url"]),
                retrieved=str(entry["retrieved"]),
                cadence=str(entry["cadence"]),
                schema=str(entry["schema"]),
                synthetic=bool(entry["synthetic"]),
                files=tuple(files),
                extra=extra,
            )
        )
    ids = [source.id for source in sources]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise CatalogError(f"{path}: duplicated source ids {duplicated}")
    return Catalog(path=path, sources=tuple(sources))
