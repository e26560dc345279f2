"""curated.distance_to_target: OECD-style 0-100 scores against the 2030 end values, region and municipalities.

The score and the lower bound are defined in ``bisa_sdg.progress.distance`` (tested on hand-worked numbers). End values
are the 2030 numeric targets of the targets catalog as curated.progress resolved them for the region (a
relative target becomes a number through the region's base-year value); no OECD end value is used, because
none was read in the stored sources.
"""

from __future__ import annotations

import duckdb

from bisa_sdg.progress.distance import LOWER_BOUND_RULE, distance_frame
from bisa_sdg.warehouse import database as wh

DEFINES = ("curated.distance_to_target",)
DEPENDS_ON = (
    "curated.indicator_values",
    "curated.progress",
    "curated.national_context",
    "meta.profile_areas",
)

TABLE_COMMENT = (
    "Distance to the 2030 end value after the OECD localised SDG framework (A Territorial Approach to the SDGs, "
    "OECD 2020, ch. 2; https://www.oecd-local-sdgs.org/data.html): each area's latest value normalised to 0-100 "
    "between a lower bound (0) and the end value (100), distance = 100 - score. One row per 2030 numeric target "
    "of config/targets.csv x area (region and municipalities) with a value of the series, with Belgium's score on "
    "the same scale where curated.national_context has the series. The lower bound is local (see lower_bound_rule): "
    "scores compare areas and years here, not with the OECD's published scores. Method: bisa_sdg.progress.distance, "
    "docs/frameworks.md."
)

COLUMN_COMMENTS: dict[str, str] = {
    "indicator_id": "Indicator of the series (UN number or EU SDG code)",
    "series": "Series code as in curated.indicator_values",
    "unit_measure": "Unit of obs_value, end_value and lower_bound",
    "target_id": "Target of config/targets.csv giving the end value (target_year 2030, numeric)",
    "agenda": "Who set the target (targets.csv agenda code)",
    "direction": "Desired direction: increase (more is better) or decrease",
    "end_value": "The 2030 end value (score 100): the target value in the unit of the series",
    "end_value_source": "Where end_value comes from: the catalog's target_value, or a relative target resolved "
    "on the region's base-year value (curated.progress), then applied to every area",
    "lower_bound": "Value scoring 0: the worst value of the series among the region and its municipalities, all "
    "years; NULL when no series",
    "lower_bound_rule": f"How lower_bound is set: {LOWER_BOUND_RULE}",
    "ref_area": "Area code (REFNIS); see curated.areas",
    "area_level": "'region' or 'municipality' (meta.profile_areas)",
    "time_period": "Year of the area's latest value of the series",
    "obs_value": "The area's latest value",
    "score": "100 x (obs_value - lower_bound) / (end_value - lower_bound), clipped to 0-100; 100 when the end value "
    "is met; NULL when no observation is worse than the end value (note says so)",
    "distance": "100 - score: the points still to travel to the end value",
    "note": "Why score is 100 (end value met), clipped or NULL; NULL when nothing to say",
    "national_year": "Year of Belgium's value: the same year as time_period, else the latest year before it",
    "national_value": "Belgium's value (curated.national_context, all areas, no breakdown); NULL when none",
    "national_score": "Belgium's score on the same scale (same lower bound and end value)",
    "national_distance": "100 - national_score",
    "national_source": "Database of Belgium's value (curated.national_context.database)",
}

END_VALUES_SQL = """
select distinct
    series, target_id, agenda, direction, target_value as end_value, target_year,
    case when target_relative_change is null then 'config/targets.csv target_value'
         else 'relative target ' || cast(target_relative_change as varchar) || ' resolved on the region''s '
              || cast(target_base_year as varchar) || ' value (curated.progress)'
    end as end_value_source
from curated.progress
where area_level = 'region' and target_year = 2030 and target_type = 'numeric' and target_value is not null
order by series, target_id
"""

# Belgium's totals; a national or EU figure (no UN location class) wins over the UN 'allarea' row of the same year.
NATIONAL_SQL = """
select series, time_period, obs_value, database,
       case when location is null then 2 when location = 'allarea' then 1 else 0 end as preference
from curated.national_context
where urbanisation = '_T' and city is null and obs_value is not null
"""


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Read totals, end values and Belgium's values; write curated.distance_to_target with its comments."""
    values = wh.indicator_totals(con)
    areas = con.execute("select ref_area, level from meta.profile_areas").df()
    ends = con.execute(END_VALUES_SQL).df()
    national = con.execute(NATIONAL_SQL).df()
    frame = distance_frame(values, areas, ends, national)
    wh.load_frame(con, "curated", "distance_to_target", frame)
    wh.comment_on(con, "curated.distance_to_target", TABLE_COMMENT, COLUMN_COMMENTS)
