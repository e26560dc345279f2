"""Content-addressed keys for incremental runs: skip what has not changed, and nothing else.

Three keys, each the sha256 of everything that can change a step's output:

* **ingest key** (one per source): the source's catalog entry, the bytes of every file the reader may read (the
  catalog's files and everything under the source's folder and drop folder: landing manifest, vintages, drops),
  the code of the reader module and of every ``bisa_sdg`` module it imports (transitively), the source text of
  ``pipeline.ingest_source``, the region profile and the library versions that shape the frame — the cached
  frames are pickles, so the Python and pandas versions are in the key too.
* **validation key**: all ingest keys, every schema file, the validation code (transitively), the source of
  ``pipeline.validate_sources``, the profile and pandera's version.
* **build key**: the validation key, every SQL model file, every file of the configuration folder (indicator
  registry, targets, ...), the catalog file, the warehouse, registry, assessment-meta and Python-model code
  (``bisa_sdg/warehouse/models/``, transitively: the progress methods), the source of
  ``pipeline.build_warehouse``, and duckdb's version.

Code is hashed per module (not the whole package) so that a change to a report template does not make every
source be read again; the price is that a helper reached other than by an import statement would be missed.
Ingestion and validation are Prefect tasks cached on their key (results persisted as pickles under
``<warehouse dir>/.prefect-cache/``, each signed with a key kept elsewhere: :mod:`bisa_sdg.acquire.cache_signing`). The build is not a Prefect cache entry, because its output is the
published file itself: a run whose build key equals the key of the run that produced the *current* published
file (same sha256 as recorded in the run log) leaves the warehouse untouched — see :func:`published_build`.
A missing or unreadable input gives no key, so the step runs (and fails with its own clear message).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import importlib.util
import inspect
import json
import platform
import sys
import threading
from collections.abc import Iterable, Mapping
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from bisa_sdg.config.catalog import Catalog, Source, sha256_of
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.config.settings import cache_dir

KEY_VERSION = "bisa-sdg-incremental-1"
PACKAGE = "bisa_sdg"


def _digest(parts: Iterable[Any]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _versions(*distributions: str) -> dict[str, str]:
    found = {"python": platform.python_version(), PACKAGE: _version(PACKAGE.replace("_", "-"))}
    for name in distributions:
        found[name] = _version(name)
    return found


@functools.lru_cache(maxsize=32)
def _version(distribution: str) -> str:
    """Installed version, looked up once per process: each lookup parses the METADATA file (2 ms), and the
    24 ingest keys of a run asked 96 times. Like the code digest, it describes what this process runs."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


# --- code ----------------------------------------------------------------------------------------------------


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


@functools.lru_cache(maxsize=512)
def _source_bytes(path: str) -> bytes:
    """A module's source as first read by this process: Python code is imported once, so the digest describes
    the code that runs here even if the file is edited meanwhile (a served deployment runs each flow run in a new
    process, which reads the files anew)."""
    return Path(path).read_bytes()


# CPython 3.11 keeps the AST converter's recursion depth in shared state: two threads parsing at once (two
# regions run on a threaded Dask cluster) can fail with "SystemError: AST constructor recursion depth mismatch".
_AST_LOCK = threading.Lock()


@functools.lru_cache(maxsize=512)
def _imported_package_modules(name: str, path: Path) -> frozenset[str]:
    """``bisa_sdg`` modules that a module imports (absolute or relative imports, at any depth of the file)."""
    with _AST_LOCK:
        tree = ast.parse(_source_bytes(str(path)), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # 'from pkg import module'
    return frozenset(m for m in found if m == PACKAGE or m.startswith(PACKAGE + "."))


def code_digest(*module_names: str) -> str:
    """sha256 over the source of the modules and of every ``bisa_sdg`` module they import, transitively.

    Parent packages are included (importing ``bisa_sdg.sources.x`` runs ``bisa_sdg/sources/__init__.py``).
    Each file is read once per process (:func:`_source_bytes`).
    """
    pending = list(module_names)
    files: dict[str, Path] = {}
    while pending:
        name = pending.pop()
        if name in files:
            continue
        path = _module_file(name)
        if path is None:  # 'from bisa_sdg.x import function' also yields 'bisa_sdg.x.function'
            continue
        files[name] = path
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        pending.extend(parents)
        pending.extend(_imported_package_modules(name, path))
    return _digest([name, _source_bytes(str(files[name]))] for name in sorted(files))


def read_imported_code() -> None:
    """Read and parse every imported ``bisa_sdg`` module now, as the digests would on first use (once per process):
    for a caller with time to spare before the run's keys are needed (Prefect's server starting)."""
    code_digest(*[name for name in list(sys.modules) if name == PACKAGE or name.startswith(PACKAGE + ".")])


@functools.lru_cache(maxsize=64)
def function_digest(*functions: Any) -> str:
    """sha256 of the source text of a few functions (the parts of a big module that a step runs); per process."""
    return _digest(inspect.getsource(f) for f in functions)


def config_digest(profile_path: Path) -> str:
    """Every file of the configuration folder that holds ``profiles/`` (indicator registry, targets, maps)."""
    root = Path(profile_path).resolve().parent.parent
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    return _digest([str(p.relative_to(root)), p.read_bytes()] for p in files)


def sql_digest() -> str:
    root = Path(str(resources.files(f"{PACKAGE}.warehouse") / "sql"))
    return _digest([str(p.relative_to(root)), p.read_bytes()] for p in sorted(root.rglob("*.sql")))


def python_models() -> list[str]:
    """The Python models (``bisa_sdg.warehouse.models.*``): the model runner imports them by name, not by an import
    statement, so the build key must name them for a change to a progress method to rebuild."""
    root = Path(str(resources.files(f"{PACKAGE}.warehouse") / "models"))
    return [
        f"{PACKAGE}.warehouse.models.{p.stem}"
        for p in sorted(root.glob("*.py"))
        if not p.name.startswith("_")
    ]


# --- configuration -------------------------------------------------------------------------------------------


def _profile_facts(profile: RegionProfile) -> dict[str, Any]:
    facts = dataclasses.asdict(profile)
    facts.pop("path", None)  # where the file is does not change what it says
    return facts


def _source_facts(source: Source) -> dict[str, Any]:
    return dataclasses.asdict(source)


def files_read(source: Source, raw_dir: Path) -> dict[str, str]:
    """relative path -> sha256 of every file the reader of ``source`` may read.

    That is the catalog's files plus every file under the source's own folder (landing manifest and vintages)
    and under its drop folder: a file added, removed or changed there changes the key. Raises OSError when a
    catalogued file is missing or unreadable; the caller treats that as 'no key'.
    """
    from bisa_sdg.sources.dropin import drop_folder

    raw_dir = Path(raw_dir)
    paths = {item.path for item in source.files}
    for folder in {source.id, drop_folder(source)} - {None}:
        base = raw_dir / str(folder)
        if base.is_dir():
            paths.update(p.relative_to(raw_dir).as_posix() for p in base.rglob("*") if p.is_file())
    return {path: sha256_of(raw_dir / path) for path in sorted(paths)}


# --- keys ----------------------------------------------------------------------------------------------------


def ingest_key(source: Source, raw_dir: Path, profile: RegionProfile) -> str | None:
    from bisa_sdg.sources import reader_name

    try:
        hashes = files_read(source, raw_dir)
    except (OSError, ValueError):
        return None
    return _digest(
        [
            KEY_VERSION,
            "ingest",
            _source_facts(source),
            hashes,
            _profile_facts(profile),
            code_digest(reader_name(source), f"{PACKAGE}.sources.dropin"),
            function_digest(_pipeline().ingest_source),
            _versions("pandas", "numpy", "pyarrow"),
        ]
    )


def validation_key(
    ingest_keys: Mapping[str, str | None], schemas_dir: Path, catalog: Catalog, profile: RegionProfile
) -> str | None:
    if not ingest_keys or any(key is None for key in ingest_keys.values()):
        return None
    try:
        schemas = {s.id: (Path(schemas_dir) / f"{s.schema}.yaml").read_bytes() for s in catalog.sources}
    except OSError:
        return None
    return _digest(
        [
            KEY_VERSION,
            "validate",
            dict(sorted(ingest_keys.items())),
            sorted(schemas.items()),
            _profile_facts(profile),
            code_digest(
                f"{PACKAGE}.validation.schema", f"{PACKAGE}.validation.duckdb_engine"
            ),  # large frames: DuckDB path
            function_digest(_pipeline().validate_sources),
            _versions("pandera", "pandas"),
        ]
    )


def build_key(validate_key: str | None, catalog: Catalog, profile: RegionProfile) -> str | None:
    if validate_key is None:
        return None
    try:
        catalog_bytes = Path(catalog.path).read_bytes()
        config = config_digest(profile.path) if profile.path else "no profile file"
    except OSError:
        return None
    return _digest(
        [
            KEY_VERSION,
            "build",
            validate_key,
            sql_digest(),
            catalog_bytes,
            _profile_facts(profile),
            config,
            code_digest(
                f"{PACKAGE}.warehouse.database",
                f"{PACKAGE}.warehouse.registry",
                f"{PACKAGE}.warehouse.assessment_tables",
                *python_models(),
            ),
            function_digest(_pipeline().build_warehouse, _pipeline().summarise),
            _versions("duckdb", "pandas"),
        ]
    )


def _pipeline() -> Any:
    from bisa_sdg.run import steps as pipeline

    return pipeline


def published_build(warehouse: Path, key: str | None) -> str | None:
    """The run id that published the current warehouse from the same build key, else None.

    True only when the run log says a completed run with this build key left a warehouse with exactly the
    sha256 the published file has now: a file replaced, edited or deleted since then is rebuilt. A run that
    published and then failed in its outputs counts too: its warehouse is complete, and the outputs are
    written again from it.
    """
    import duckdb

    from bisa_sdg.run.housekeeping import PUBLISHED_BUT_FAILED
    from bisa_sdg.run.runlog import run_log_path

    warehouse = Path(warehouse)
    log = run_log_path(warehouse)
    if key is None or not warehouse.is_file() or not log.is_file():
        return None
    try:
        with duckdb.connect(str(log), read_only=True) as con:
            rows = con.execute(
                "select run_id, warehouse_sha256 from runs where status in (?, ?) and build_key = ? "
                "and warehouse_sha256 is not null order by finished_at desc limit 1",
                ["completed", PUBLISHED_BUT_FAILED, key],
            ).fetchall()
    except duckdb.Error:  # an older run log without these columns, or one being written: rebuild
        return None
    if not rows:
        return None
    run_id, recorded = rows[0]
    return str(run_id) if sha256_of(warehouse) == recorded else None


def recorded_run(warehouse: Path, run_id: str) -> tuple[dict[str, Any], Any]:
    """A run of the run log (JSON columns decoded) and its validation issues."""
    import duckdb
    import pandas as pd

    from bisa_sdg.run.runlog import run_log_path

    with duckdb.connect(str(run_log_path(Path(warehouse))), read_only=True) as con:
        runs = con.execute("select * from runs where run_id = ?", [run_id]).df()
        issues = con.execute("select * from validation_issues where run_id = ?", [run_id]).df()
    row: dict[str, Any] = runs.iloc[0].to_dict() if len(runs) else {}
    for column in ("inputs", "steps", "stages", "warnings"):
        value = row.get(column)
        if isinstance(value, str):
            try:
                row[column] = json.loads(value)
            except json.JSONDecodeError:
                row[column] = None
    issues = issues.drop(columns=["run_id"], errors="ignore")
    if issues.empty:
        issues = pd.DataFrame(
            columns=["source", "file", "row", "column", "rule", "severity", "value", "message"]
        )
    return row, issues


def prune_cache(warehouse: Path, keep: Iterable[str | None], older_than_days: float = 30) -> int:
    """Delete cached results that this run did not use and nobody wrote for ``older_than_days``; best effort."""
    import time

    folder = cache_dir(warehouse)
    wanted = {key for key in keep if key}
    cutoff = time.time() - older_than_days * 86400
    removed = 0
    for path in folder.glob("*") if folder.is_dir() else []:
        try:
            if path.is_file() and path.name not in wanted and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
