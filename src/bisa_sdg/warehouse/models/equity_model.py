"""curated.equity: how far apart the municipalities are on each series, year by year (leave no one behind).

The statistics are defined in ``bisa_sdg.progress.equity`` (tested on hand-worked numbers); this model reads the
totals of curated.indicator_values, the population and the directions, and writes the table with comments.
"""

from __future__ import annotations

import duckdb

from bisa_sdg.progress.equity import SPREAD_TOLERANCE, equity_frame, series_directions
from bisa_sdg.warehouse import database as wh
from bisa_sdg.warehouse.models.progress_model import registry_directions

DEFINES = ("curated.equity",)
DEPENDS_ON = (
    "curated.indicator_values",
    "curated.population",
    "meta.targets",
    "meta.profile_areas",
    "meta.indicator_registry_series",
)

TABLE_COMMENT = (
    "Spread of each series across the region's municipalities, one row per series and year with values for at "
    "least two municipalities (totals only: no breakdown by sex, age, disability or urbanisation). Coefficient "
    "of variation population-weighted for quantities per inhabitant and unweighted otherwise (column "
    "weighting says which), Theil T index with population weights, the worst-off municipality by the series' "
    "desired direction and its gap to the region, and whether the spread narrowed since the previous year "
    "with data. Method: bisa_sdg.progress.equity and docs/frameworks.md."
)

COLUMN_COMMENTS: dict[str, str] = {
    "indicator_id": "Indicator of the series (UN number or EU SDG code)",
    "series": "Series code as in curated.indicator_values",
    "unit_measure": "Unit of the values (SDMX UNIT_MEASURE or own code)",
    "time_period": "Reference year",
    "n_areas": "Number of municipalities with a value this year (19 when all have one)",
    "min_value": "Lowest municipal value",
    "max_value": "Highest municipal value",
    "max_min_ratio": "max_value / min_value; NULL when the lowest value is 0 or negative",
    "mean_value": "Mean of the municipal values, with the same weights as cv (population or none)",
    "cv": "Coefficient of variation: standard deviation / mean over the municipalities (divisor n: the areas are "
    "all the areas, not a sample), population-weighted or not as column weighting says; NULL when the mean is 0 "
    "or a needed population is missing",
    "weighting": "Whether cv and mean_value are population-weighted, and why: only for quantities per inhabitant "
    "(rates per 100 000, per-capita amounts, shares of the population)",
    "theil_t": "Theil T inequality index with population weights, sum of s_i ln(s_i / p_i) (p_i share of the "
    "population, s_i share of the quantity); 0 = all equal. NULL when the series is not a quantity per inhabitant "
    "(weighting unweighted), a value is negative or a population is missing",
    "population_years": "Population used for the weights (curated.population): the same year, or the nearest year "
    "(the earlier on a tie) when the year has no figure, listing the years used",
    "direction": "Desired direction of the series (increase or decrease); NULL when neither the targets catalog "
    "nor the registry gives one, and then no worst-off municipality is named",
    "direction_source": "Where the direction comes from: config/targets.csv (its rows for the series agree), the "
    "registry (config/indicators.yaml), or why there is none",
    "worst_area": "REFNIS code of the worst-off municipality: the lowest value when more is better, the highest "
    "when less is better (the first code on a tie); NULL without a direction",
    "worst_value": "Value of the worst-off municipality",
    "region_value": "The region's own value of the series that year (curated.indicator_values); NULL when none",
    "worst_gap_to_region": "worst_value - region_value, in the unit of the series; NULL when either is missing",
    "previous_year": "The previous year with an equity row for the series; NULL for the first one",
    "cv_change": "cv - cv of previous_year: negative = the municipalities are drawing closer",
    "theil_change": "theil_t - theil_t of previous_year",
    "spread_trend": f"Reading of cv_change: narrowing (below -{SPREAD_TOLERANCE}), widening (above "
    f"{SPREAD_TOLERANCE}) or unchanged; NULL without a previous year. Years apart are compared as they are: a "
    "gap of several years is not annualised",
}


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Read the municipal totals, population and directions; write curated.equity with its comments."""
    values = wh.indicator_totals(con)
    areas = con.execute("select ref_area, level from meta.profile_areas").fetchall()
    municipalities = sorted(a for a, level in areas if level == "municipality")
    regions = [a for a, level in areas if level == "region"]
    population = con.execute("select ref_area, time_period, population from curated.population").df()
    targets = con.execute("select series, direction from meta.targets").df()
    directions = series_directions(targets, registry_directions(con))
    frame = equity_frame(values, municipalities, regions[0] if regions else "", population, directions)
    wh.load_frame(con, "curated", "equity", frame)
    wh.comment_on(con, "curated.equity", TABLE_COMMENT, COLUMN_COMMENTS)
