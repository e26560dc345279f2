"""The columns of ``curated.indicator_values``: the analysts' and the SDMX writer's shared contract.

The breakdown columns are the SDG DSD's dimensions (lower-cased); '_T' means "not broken down".
"""

from __future__ import annotations

# SDG DSD breakdown dimensions, in the DSD's key order (FREQ, REPORTING_TYPE, SERIES, REF_AREA come first).
BREAKDOWN_COLUMNS: tuple[str, ...] = (
    "sex",
    "age",
    "urbanisation",
    "income_wealth_quantile",
    "education_lev",
    "occupation",
    "cust_breakdown",
    "composite_breakdown",
    "disability_status",
    "activity",
    "product",
)

INDICATOR_VALUE_COLUMNS: tuple[str, ...] = (
    "indicator_id",  # '11.3.1', or an EU code such as 'sdg_11_40'
    "series",  # UN SERIES code ('EN_LND_CNSPOP') or an own/EU code
    "ref_area",  # REFNIS code of the area ('04000', '21004')
    "time_period",  # integer year
    "obs_value",  # DOUBLE
    "unit_measure",  # SDMX UNIT_MEASURE code ('PT', 'RO', 'PER_100000_POP', ...)
    "unit_mult",  # SDMX UNIT_MULT (0 = units)
    "obs_status",  # SDMX OBS_STATUS ('A' normal, 'E' estimated, ...)
    "nature",  # SDG DSD NATURE ('C' country data, 'CA' adjusted, 'E' estimated, 'M' modelled, ...)
    "freq",  # 'A'
    "reporting_type",  # 'N' national/sub-national production
    *BREAKDOWN_COLUMNS,
    "source",  # catalog source ids the value rests on, comma-separated
    "synthetic",  # True when any input of this value is invented (see the catalog)
    "comment",  # method notes, proxies and deviations in plain words
)

# Keys that identify one observation.
INDICATOR_VALUE_KEY: tuple[str, ...] = ("series", "ref_area", "time_period", *BREAKDOWN_COLUMNS)

# Optional columns a model may add: the bounds of a value within the published rounding of its inputs (NULL when
# the inputs are exact), which the progress table uses to say whether a verdict survives that rounding.
BOUND_COLUMNS: tuple[str, ...] = ("obs_lower", "obs_upper")

# DuckDB types of the columns an indicator model may produce (the union starts from an empty relation of these).
COLUMN_TYPES: dict[str, str] = {
    **{column: "varchar" for column in INDICATOR_VALUE_COLUMNS},
    **dict.fromkeys(BOUND_COLUMNS, "double"),
    "time_period": "integer",
    "obs_value": "double",
    "unit_mult": "integer",
    "synthetic": "boolean",
}
