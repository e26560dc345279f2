"""Renumbered municipal codes: older files carry codes a publisher has since replaced (same territory).

Why at ingest: validation (every municipality present, region membership, municipal sums) and every SQL model
join on the profile's codes; recoding once, where the frame is read, keeps all of them unaware of renumbering.
The code as published stays beside it in ``<column>_raw``, which validation reports when a rule fails.
"""

from __future__ import annotations

import pandas as pd

from bisa_sdg.config.profile import RegionProfile

PERIOD_COLUMN = "time_period"


class AreaCodeError(ValueError):
    """A source named in the profile's area_code_changes lacks the code column it names."""


def recode_areas(frame: pd.DataFrame, source_id: str, profile: RegionProfile) -> pd.DataFrame:
    """``frame`` with the profile's old municipal codes replaced by the current ones (rows before from_year).

    Rows with a period on or after ``from_year`` keep an old code as it is, so validation still reports an old
    code where it should no longer appear. A frame without a period column (an area list of one vintage) is
    recoded on every row.
    """
    changes = profile.area_code_changes
    if changes is None or source_id not in changes.columns:
        return frame
    column = changes.columns[source_id]
    if column not in frame.columns:
        raise AreaCodeError(
            f"profile {profile.id}: area_code_changes names column {column!r} of source {source_id!r}, "
            f"which the reader does not return (columns: {', '.join(map(str, frame.columns))})"
        )
    published = frame[column]
    recode = published.isin(list(changes.codes))
    if PERIOD_COLUMN in frame.columns:
        periods = pd.to_numeric(frame[PERIOD_COLUMN], errors="coerce")
        recode &= (periods < changes.from_year).fillna(False).astype(bool)
    out = frame.copy()
    raw_column = f"{column}_raw"
    if raw_column not in out.columns:
        out.insert(out.columns.get_loc(column) + 1, raw_column, published)
    out[column] = published.where(~recode, published.map(changes.codes))
    return out
