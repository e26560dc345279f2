"""R data files (``.RData``, as Statbel's open data are mirrored in R packages), read once per file version.

Why a cache: pyreadr hands every text cell of an R data frame to Python one by one, so a Statbel population
structure file (450 000 rows, 14 text columns) takes about 5 s to read, and the 37 shipped files about 45 s.
What a reader keeps of a file (its ``summarise`` of the columns it asks for, a few hundred rows) is stored in
Arrow's IPC format (data only, nothing that runs when read), signed with the pipeline's cache key
(:mod:`bisa_sdg.acquire.cache_signing`: an entry this pipeline did not write, or one edited since, is never used), in the
user's cache folder, keyed by the file's sha256, the
columns, the source code of ``summarise`` and the pyreadr version: a file is parsed once per machine, and any
change to the file or to the reader's summary misses the cache. A damaged or unreadable entry is parsed again; a cache that cannot be
written costs the next run a parse, nothing more. The folder is ``BISA_SDG_CACHE_DIR``, else
``$XDG_CACHE_HOME/bisa-sdg``, else ``~/.cache/bisa-sdg``; deleting it is always safe.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from bisa_sdg.acquire.cache_signing import load_key, sign, verify
from bisa_sdg.sources import SourceFileError

CACHE_ENV = "BISA_SDG_CACHE_DIR"
_FORMAT = "rdata-columns-1"


def cache_folder() -> Path:
    """Where parsed R data files are kept between runs (see the module docstring)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bisa-sdg"


Summary = Callable[[pd.DataFrame], pd.DataFrame]


def read_rdata_summary(path: Path, relative: str, columns: Sequence[str], summarise: Summary) -> pd.DataFrame:
    """``summarise`` of the one data frame an R data file holds, restricted to ``columns`` (row order kept).

    ``summarise`` must be a pure function of the frame (it is cached by its source code) and return a frame with
    a default index. A file that is not an R data file, holds no data frame or several objects, or lacks one of
    the columns raises :class:`SourceFileError` naming the file.
    """
    data = Path(path).read_bytes()
    entry = _entry(data, columns, summarise)
    cached = _cached(entry)
    if cached is not None:
        return cached
    summary = summarise(_parse(path, relative, columns))
    _store(entry, summary)
    return summary


def warm_cache(files: Sequence[tuple[Path, str]], columns: Sequence[str], summarise: Summary) -> None:
    """Parse the files the cache lacks in parallel processes, so the reader's own calls then hit the cache.

    pyreadr holds the GIL while it reads (every text cell is a Python call), so threads would not help. Any
    failure is left to the reader's own call, which parses again and names the file.
    """
    missing = [
        (path, relative)
        for path, relative in files
        if not _entry(Path(path).read_bytes(), columns, summarise).is_file()
    ]
    workers = min(len(missing), os.cpu_count() or 1)
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if workers < 2 or (main_file is not None and not Path(main_file).is_file()):
        return  # one file or one core; or a main (piped, '<stdin>') that a spawned worker could not import
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs Prefect's threads
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for future in [
                pool.submit(read_rdata_summary, p, r, list(columns), summarise) for p, r in missing
            ]:
                future.exception()
    except (OSError, RuntimeError):  # no processes here (a sandbox, a broken pool): the readers parse in turn
        return


def check_year(summary: pd.DataFrame, relative: str, year: int) -> None:
    """A yearly Statbel file holds one reference year (its CD_YEAR, summarised as year_min/year_max)."""
    years = sorted(set(summary["year_min"].astype(int)) | set(summary["year_max"].astype(int)))
    if years != [year]:
        raise SourceFileError(f"{relative}: CD_YEAR holds {years}, the catalog says {year}")


def _entry(data: bytes, columns: Sequence[str], summarise: Summary) -> Path:
    import pyreadr

    key = hashlib.sha256(data)
    for part in (_FORMAT, pyreadr.__version__, _code_of(summarise), *columns):
        key.update(b"\0" + part.encode())
    return cache_folder() / f"{key.hexdigest()}.arrow"


@functools.lru_cache(maxsize=32)
def _code_of(summarise: Summary) -> str:
    """The summary's source, or its bytecode where the source is not installed: a changed summary misses.

    Once per process (as the incremental digests read code): each lookup tokenizes the reader's module, ~4 ms,
    and a run asks once per file (41 files)."""
    try:
        return inspect.getsource(summarise)
    except (OSError, TypeError):
        code = summarise.__code__
        return f"{summarise.__qualname__}:{code.co_code.hex()}:{code.co_consts!r}"


def _cached(entry: Path) -> pd.DataFrame | None:
    if not entry.is_file():
        return None
    try:
        content = verify(entry.read_bytes(), load_key(), str(entry))
        return pd.read_feather(io.BytesIO(content))
    except Exception:  # unsigned, edited or damaged: parsed again and replaced
        return None


def _parse(path: Path, relative: str, columns: Sequence[str]) -> pd.DataFrame:
    import pyreadr

    try:
        objects = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own error types, and LibrdataError for damaged files
        raise SourceFileError(f"{relative}: not a readable R data file ({exc})") from exc
    if len(objects) != 1:
        raise SourceFileError(f"{relative}: expected one R object, found {len(objects)}: {list(objects)}")
    (name, frame), *_ = objects.items()
    if not isinstance(frame, pd.DataFrame):
        raise SourceFileError(f"{relative}: the R object {name!r} is not a data frame")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise SourceFileError(f"{relative}: columns {missing} are missing (the data frame has {list(frame)})")
    return frame.loc[:, list(columns)].reset_index(drop=True)


def _store(entry: Path, frame: pd.DataFrame) -> None:
    temporary: str | None = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        content = io.BytesIO()
        frame.to_feather(content)
        signed = sign(content.getvalue(), load_key())
        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(signed)
        os.replace(temporary, entry)
        temporary = None
    except (OSError, ValueError):
        return
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
