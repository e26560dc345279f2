"""Spread of a series across the region's municipalities ("leave no one behind"), as pure functions.

Why here and not in SQL: the weighting rule, the inequality index and the choice of the worst-off area are
decisions a statistician must be able to read and test on hand-worked numbers (tests/test_equity.py).

Statistics, for one series and one year, over the municipalities with a value:
- coefficient of variation CV = sd / mean with the standard deviation of the areas themselves (divisor n,
  not n - 1: the 19 municipalities are the whole population of areas, not a sample). Population-weighted
  (each area counts by its inhabitants) when the series is a quantity per inhabitant, unweighted otherwise;
- Theil T index with population weights, T = sum_i s_i ln(s_i / p_i), where p_i is the area's share of the
  population and s_i = p_i x_i / mu its share of the quantity (mu the population-weighted mean). T = 0 when
  every area has the same value; it is computed only for quantities per inhabitant, where "share of the
  quantity" means something (persons with access, deaths, square metres), and only for values >= 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

# Units whose denominator is the population: the population-weighted mean is then the value of the area
# taken as a whole, so weighting is right (SDMX UNIT_MEASURE codes and the pipeline's own codes).
PER_PERSON_UNITS: dict[str, str] = {
    "PER_100000_POP": "a rate per 100 000 inhabitants",
    "SQ_M_PER_PERSON": "square metres per inhabitant",
    "KG_PER_CAPITA": "kilograms per inhabitant",
}
# Shares whose denominator is the population (a percent of persons); other percents (of land, of built-up
# area, a change) are not, and stay unweighted.
PER_PERSON_SERIES: dict[str, str] = {
    "SP_TRN_PUBL": "a share of the population (persons with convenient access to public transport)",
}


def weighting_rule(series: str, unit: str | None) -> tuple[bool, str]:
    """(weighted?, why): population weights only when the series is a quantity per inhabitant."""
    if series in PER_PERSON_SERIES:
        return True, f"population-weighted: {PER_PERSON_SERIES[series]}"
    if unit in PER_PERSON_UNITS:
        return True, f"population-weighted: {PER_PERSON_UNITS[unit]}"
    return False, f"unweighted: unit {unit or 'unknown'} is not a quantity per inhabitant"


def weighted_cv(values: Sequence[float], weights: Sequence[float]) -> float | None:
    """sd / mean with weights (divisor: the sum of the weights); None when the mean is 0 or weights are missing."""
    total = float(sum(weights))
    if total <= 0 or len(values) != len(weights):
        return None
    mean = sum(w * x for x, w in zip(values, weights, strict=True)) / total
    if mean == 0:
        return None
    variance = sum(w * (x - mean) ** 2 for x, w in zip(values, weights, strict=True)) / total
    return math.sqrt(variance) / abs(mean)


def theil_t(values: Sequence[float], populations: Sequence[float]) -> float | None:
    """Theil T with population weights; None for negative values, a zero total or missing populations."""
    total_pop = float(sum(populations))
    if total_pop <= 0 or any(x < 0 for x in values) or any(p <= 0 for p in populations):
        return None
    shares = [p / total_pop for p in populations]
    mean = sum(p * x for x, p in zip(values, shares, strict=True))
    if mean <= 0:
        return None
    # s_i ln(s_i / p_i) = p_i (x_i / mu) ln(x_i / mu); an area with x_i = 0 adds 0 (the limit of s ln s).
    return sum(p * (x / mean) * math.log(x / mean) for x, p in zip(values, shares, strict=True) if x > 0)


def nearest_population(
    population: pd.DataFrame, areas: Sequence[str], year: int
) -> tuple[dict[str, float], str]:
    """Population of each area in ``year``, else in the nearest year (the earlier one on a tie), and the rule used."""
    wanted = set(areas)
    best: dict[str, tuple[int, int, float]] = {}  # area -> (gap, year, population); plain rows, one pass
    for area, period, people in zip(
        population["ref_area"].tolist(),
        population["time_period"].tolist(),
        population["population"].tolist(),
        strict=True,
    ):
        if area not in wanted or people is None or pd.isna(people):
            continue
        gap = abs(int(period) - year) * 2 + (int(period) > year)  # ties: the earlier year
        if area not in best or gap < best[area][0]:
            best[area] = (gap, int(period), float(people))
    out = {area: best[area][2] for area in areas if area in best}
    used = {best[area][1] for area in out}
    if not out:
        return out, "no population figure"
    if used == {year}:
        return out, f"same year ({year})"
    return out, "nearest year: " + ", ".join(str(y) for y in sorted(used))


def worst_off(values: Mapping[str, float], direction: str | None) -> str | None:
    """The area furthest from the desired direction (lowest for 'increase', highest for 'decrease')."""
    if direction not in ("increase", "decrease") or not values:
        return None
    pick = min if direction == "increase" else max
    return pick(sorted(values), key=lambda area: values[area])


def series_directions(
    targets: pd.DataFrame, registry: Mapping[str, str]
) -> dict[str, tuple[str | None, str]]:
    """Series -> (desired direction, where it comes from): the targets catalog when its rows for the series
    agree, else the indicator registry, else none (the worst-off area is then not named)."""
    out: dict[str, tuple[str | None, str]] = {}
    for series, rows in targets.groupby("series"):
        found = sorted({d for d in rows["direction"].dropna() if d in ("increase", "decrease")})
        if len(found) == 1:
            out[str(series)] = (found[0], "config/targets.csv")
        elif len(found) > 1:
            out[str(series)] = (None, "config/targets.csv rows disagree on the direction")
    for series, direction in registry.items():
        if series not in out:
            out[series] = (direction, "config/indicators.yaml (registry)")
    return out


def _one_year(
    rows: pd.DataFrame, population: pd.DataFrame, weighted: bool, direction: str | None
) -> dict[str, object]:
    """The statistics of one series in one year over the municipalities in ``rows``."""
    values = dict(zip(rows["ref_area"], rows["obs_value"].astype(float), strict=True))
    areas = sorted(values)
    pops, pop_rule = nearest_population(population, areas, int(rows["time_period"].iloc[0]))
    xs = [values[a] for a in areas]
    low, high = min(xs), max(xs)
    have_pop = all(a in pops for a in areas)
    weights = [pops[a] for a in areas] if weighted and have_pop else [1.0] * len(areas)
    cv = weighted_cv(xs, weights) if (have_pop or not weighted) else None
    theil = theil_t(xs, [pops[a] for a in areas]) if weighted and have_pop else None
    worst = worst_off(values, direction)
    return {
        "n_areas": len(areas),
        "min_value": low,
        "max_value": high,
        "max_min_ratio": high / low if low > 0 else None,
        "mean_value": (
            sum(x * w for x, w in zip(xs, weights, strict=True)) / sum(weights)
            if have_pop or not weighted
            else None
        ),
        "cv": cv,
        "theil_t": theil,
        "population_years": pop_rule if weighted else "not used (unweighted)",
        "worst_area": worst,
        "worst_value": values[worst] if worst else None,
    }


def equity_frame(
    values: pd.DataFrame,
    municipalities: Sequence[str],
    region: str,
    population: pd.DataFrame,
    directions: Mapping[str, tuple[str | None, str]],
) -> pd.DataFrame:
    """One row per series x year with values for at least two municipalities (totals, no breakdown)."""
    municipal = values[values["ref_area"].isin(list(municipalities)) & values["obs_value"].notna()]
    regional = values[(values["ref_area"] == region) & values["obs_value"].notna()]
    region_value = {
        (s, int(t)): float(v)
        for s, t, v in regional[["series", "time_period", "obs_value"]].itertuples(index=False)
    }
    records: list[dict[str, object]] = []
    for (series, unit), by_series in municipal.groupby(["series", "unit_measure"], dropna=False):
        weighted, why = weighting_rule(str(series), None if pd.isna(unit) else str(unit))
        direction, direction_source = directions.get(
            str(series), (None, "no direction in targets or registry")
        )
        previous: dict[str, object] | None = None
        for year, rows in sorted(by_series.groupby("time_period"), key=lambda item: item[0]):
            if len(rows) < 2:
                continue
            stats = _one_year(rows, population, weighted, direction)
            reg = region_value.get((str(series), int(year)))
            record = {
                "indicator_id": rows["indicator_id"].iloc[0],
                "series": series,
                "unit_measure": None if pd.isna(unit) else unit,
                "time_period": int(year),
                **stats,
                "weighting": why,
                "direction": direction,
                "direction_source": direction_source,
                "region_value": reg,
                "worst_gap_to_region": None
                if stats["worst_value"] is None or reg is None
                else stats["worst_value"] - reg,
                **_spread_change(stats, previous),
            }
            records.append(record)
            previous = {**stats, "time_period": int(year)}
    return pd.DataFrame.from_records(records, columns=list(EQUITY_COLUMNS))


def _spread_change(stats: Mapping[str, object], previous: Mapping[str, object] | None) -> dict[str, object]:
    """Change of the CV and of Theil T since the previous year with data, and the reading of it."""
    if previous is None or stats["cv"] is None or previous["cv"] is None:
        return {
            "previous_year": None if previous is None else previous["time_period"],
            "cv_change": None,
            "theil_change": None,
            "spread_trend": None,
        }
    change = float(stats["cv"]) - float(previous["cv"])  # type: ignore[arg-type]
    theil_change = (
        None
        if stats["theil_t"] is None or previous["theil_t"] is None
        else float(stats["theil_t"]) - float(previous["theil_t"])  # type: ignore[arg-type]
    )
    trend = (
        "narrowing"
        if change < -SPREAD_TOLERANCE
        else "widening"
        if change > SPREAD_TOLERANCE
        else "unchanged"
    )
    return {
        "previous_year": previous["time_period"],
        "cv_change": change,
        "theil_change": theil_change,
        "spread_trend": trend,
    }


# A CV change smaller than this (0.001, a tenth of a percentage point of the mean) reads as unchanged.
SPREAD_TOLERANCE = 0.001

EQUITY_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "series",
    "unit_measure",
    "time_period",
    "n_areas",
    "min_value",
    "max_value",
    "max_min_ratio",
    "mean_value",
    "cv",
    "weighting",
    "theil_t",
    "population_years",
    "direction",
    "direction_source",
    "worst_area",
    "worst_value",
    "region_value",
    "worst_gap_to_region",
    "previous_year",
    "cv_change",
    "theil_change",
    "spread_trend",
)
