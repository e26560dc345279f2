"""be.STAT view results landed by ``bisa-sdg run --online`` (:mod:`bisa_sdg.acquire.bestat_api`), in long form.

Why long form (view, record, field, value): the layout of these views is UNVERIFIED, so nothing downstream may
depend on a column label until a real response has been seen; the raw table keeps every value, traceable to
its vintage and position, for an analyst to inspect. No SQL model reads it yet. With nothing landed the frame
is empty and the run is the offline one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.acquire.bestat_api import LONG_COLUMNS, VIEWS, BestatError, facts_to_long, parse_view_json
from bisa_sdg.acquire.landing import LandingError, latest_entry, latest_vintage_file, sha256_file
from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import SourceFileError


def empty() -> pd.DataFrame:
    columns = {"_file": "string", "_line": "int64", **dict.fromkeys(LONG_COLUMNS, "string")}
    columns["record"] = "int64"
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    """The newest landed JSON result of every known view (CSV landings are kept as files, not read)."""
    raw_dir = Path(raw_dir)
    frames = [empty()]
    for view in VIEWS.values():
        try:
            path = latest_vintage_file(raw_dir, source.id, view.filename("JSON"))
        except LandingError as exc:
            raise SourceFileError(str(exc)) from exc
        if path is None:
            continue
        relative = path.relative_to(raw_dir).as_posix()
        entry = latest_entry(raw_dir, source.id, filename=view.filename("JSON"))
        if entry is not None and sha256_file(path) != entry.sha256:  # vintages are immutable
            raise SourceFileError(f"{relative}: sha256 differs from the manifest's {entry.sha256}")
        try:
            facts = parse_view_json(path.read_bytes(), relative)
        except BestatError as exc:
            raise SourceFileError(str(exc)) from exc
        frames.append(facts_to_long(facts, view, relative))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames[1:], ignore_index=True).astype(empty().dtypes.to_dict())
