"""Distance to the 2030 end value, after the OECD localised indicator framework for the SDGs.

The OECD (A Territorial Approach to the Sustainable Development Goals, 2020, chapter 2; tool at
https://www.oecd-local-sdgs.org/data.html) "normalises the SDG indicators from 0 to 100 - where 100 is the
suggested end value of an indicator to be achieved by 2030" and defines the distance as the units the score
must still travel to 100. Here, for each value x, lower bound L and end value E (E != L):

    score = 100 * (x - L) / (E - L), clipped to [0, 100];   distance = 100 - score

The same formula serves indicators where less is better (E < L): the fraction is then still the share of
the way from L to E already travelled. A value at or beyond E scores 100.

The lower bound: the OECD's own rule (which OECD regions set the bottom of the scale) was not found in the
stored sources: UNVERIFIED. This module takes the worst value observed for the series among the region and
its municipalities, all years: so the scale is local, the worst observation scores 0, and scores of areas and
years are comparable with each other but not with the OECD's published scores.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

LOWER_BOUND_RULE = (
    "worst value observed for the series in the region and its municipalities, all years (a local bound: the "
    "OECD's own lower bound rule is UNVERIFIED here)"
)


def normalised_score(value: float, lower: float, end: float) -> float | None:
    """OECD-style 0-100 score of ``value`` between ``lower`` (0) and ``end`` (100); None when lower == end."""
    if lower == end:
        return None
    score = 100.0 * (value - lower) / (end - lower)
    return min(100.0, max(0.0, score))


def meets(value: float, end: float, direction: str) -> bool:
    """True when ``value`` is at or beyond the end value in the desired direction."""
    return value >= end if direction == "increase" else value <= end


def lower_bound(observed: Iterable[float], direction: str) -> float | None:
    """The worst observed value in the desired direction (lowest when more is better); None when none."""
    values = [float(v) for v in observed]
    if not values:
        return None
    return min(values) if direction == "increase" else max(values)


def score_value(value: float, lower: float | None, end: float, direction: str) -> tuple[float | None, str]:
    """(score, note): 100 when the end value is met; otherwise the normalised score, or None and why."""
    if meets(value, end, direction):
        return 100.0, "end value met"
    if lower is None or meets(lower, end, direction):
        return None, "no observed value worse than the end value to set the lower bound"
    score = normalised_score(value, lower, end)
    if score == 0.0 and value != lower:
        return score, "value worse than the lower bound: clipped to 0"
    return score, ""


def _national_pick(national: pd.DataFrame, series: str, year: int) -> tuple[int | None, float | None, str]:
    """Belgium's value of ``series``: the same year, else the latest year before, else none."""
    rows = national[(national["series"] == series) & (national["time_period"] <= year)]
    if rows.empty:
        return None, None, ""
    rows = rows.sort_values(["time_period", "preference"]).iloc[-1]
    return int(rows["time_period"]), float(rows["obs_value"]), str(rows["database"] or "")


def distance_frame(
    values: pd.DataFrame, areas: pd.DataFrame, ends: pd.DataFrame, national: pd.DataFrame
) -> pd.DataFrame:
    """One row per end value (a 2030 numeric target) x area with a value: the latest value, its score, distance.

    ``values``: totals (indicator_id, series, unit_measure, ref_area, time_period, obs_value); ``areas``:
    ref_area, level; ``ends``: series, target_id, agenda, direction, end_value, end_value_source, target_year;
    ``national``: series, time_period, obs_value, database, preference (higher wins within a year).
    """
    level = dict(zip(areas["ref_area"], areas["level"], strict=True))
    values = values[values["ref_area"].isin(list(level)) & values["obs_value"].notna()]
    records: list[dict[str, object]] = []
    for end in ends.to_dict("records"):
        rows = values[values["series"] == end["series"]]
        if rows.empty:
            continue
        direction, end_value = str(end["direction"]), float(end["end_value"])
        lower = lower_bound(rows["obs_value"], direction)
        for area, by_area in rows.groupby("ref_area"):
            latest = by_area.sort_values("time_period").iloc[-1]
            value, year = float(latest["obs_value"]), int(latest["time_period"])
            score, note = score_value(value, lower, end_value, direction)
            nat_year, nat_value, nat_db = _national_pick(national, str(end["series"]), year)
            nat_score = None if nat_value is None else score_value(nat_value, lower, end_value, direction)[0]
            records.append(
                {
                    "indicator_id": latest["indicator_id"],
                    "series": end["series"],
                    "unit_measure": latest["unit_measure"],
                    "target_id": end["target_id"],
                    "agenda": end["agenda"],
                    "direction": direction,
                    "end_value": end_value,
                    "end_value_source": end["end_value_source"],
                    "lower_bound": lower,
                    "lower_bound_rule": LOWER_BOUND_RULE,
                    "ref_area": area,
                    "area_level": level[str(area)],
                    "time_period": year,
                    "obs_value": value,
                    "score": score,
                    "distance": None if score is None else 100.0 - score,
                    "note": note or None,
                    "national_year": nat_year,
                    "national_value": nat_value,
                    "national_score": nat_score,
                    "national_distance": None if nat_score is None else 100.0 - nat_score,
                    "national_source": nat_db or None,
                }
            )
    return pd.DataFrame.from_records(records, columns=list(DISTANCE_COLUMNS))


DISTANCE_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "series",
    "unit_measure",
    "target_id",
    "agenda",
    "direction",
    "end_value",
    "end_value_source",
    "lower_bound",
    "lower_bound_rule",
    "ref_area",
    "area_level",
    "time_period",
    "obs_value",
    "score",
    "distance",
    "note",
    "national_year",
    "national_value",
    "national_score",
    "national_distance",
    "national_source",
)
