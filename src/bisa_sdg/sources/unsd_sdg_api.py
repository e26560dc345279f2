"""UN SDG API Indicator/List: the global framework (goals, targets, indicators, series) as one flat table.

Online refresh lands new vintages through :mod:`bisa_sdg.acquire.unsd_api`; this module reads the newest
landed vintage if there is one, else the shipped snapshot named in the catalog.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bisa_sdg.acquire.landing import latest_vintage_file
from bisa_sdg.acquire.unsd_api import LANDABLE, read_indicator_list
from bisa_sdg.config.catalog import CatalogError, Source
from bisa_sdg.config.profile import RegionProfile


def flatten_indicator_list(records: list[dict], relative: str) -> pd.DataFrame:
    """One row per indicator × series link (an indicator without series keeps one row with no series)."""
    rows = []
    for position, entry in enumerate(records, start=1):
        base = {
            "_file": relative,
            "_line": position,  # the entry's position in the JSON array
            "goal_code": str(entry.get("goal", "")),
            "target_code": str(entry.get("target", "")),
            "indicator_id": str(entry.get("code", "")),
            "tier": None if entry.get("tier") is None else str(entry.get("tier")),
            "indicator_description": entry.get("description"),
        }
        series = entry.get("series") or []
        if not series:
            rows.append({**base, "series_code": None, "series_description": None, "release": None})
        for item in series:
            rows.append(
                {
                    **base,
                    "series_code": item.get("code"),
                    "series_description": item.get("description"),
                    "release": item.get("release"),
                }
            )
    return pd.DataFrame(rows)


def current_file(source: Source, raw_dir: Path) -> tuple[Path, str]:
    """The newest landed vintage, else the shipped snapshot."""
    landed = latest_vintage_file(raw_dir, source.id, LANDABLE["indicator_list"].filename)
    if landed is not None:
        return landed, str(landed.relative_to(raw_dir))
    (item,) = source.files
    return raw_dir / item.path, item.path


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    path, relative = current_file(source, raw_dir)
    try:
        records = read_indicator_list(path)
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{relative}: cannot read the UN SDG API Indicator/List response: {exc}") from exc
    return flatten_indicator_list(records, relative)
