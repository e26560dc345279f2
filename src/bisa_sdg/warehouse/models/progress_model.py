"""curated.progress: each series assessed against each target that applies to the area, by five methods.

The progress methods are Python (``bisa_sdg.progress.methods``), so this table is a Python model; the choices the
table makes are documented in ``bisa_sdg.progress.table`` and in the column comments below.
"""

from __future__ import annotations

import duckdb

from bisa_sdg.progress.reasons import REASONS
from bisa_sdg.progress.table import (
    DEFAULT_BASE_YEAR,
    HEADLINE_DIRECTION_METHOD,
    HEADLINE_METHOD,
    progress_frame,
)
from bisa_sdg.progress.verdicts import PROBABILITY_REASONS
from bisa_sdg.warehouse import database as wh

DEFINES = ("curated.progress",)
DEPENDS_ON = (
    "curated.indicator_values",
    "meta.targets",
    "meta.profile_areas",
    "meta.indicator_registry_series",
)

TABLE_COMMENT = (
    "How each area is doing against the global agendas: every series (totals) × area × target that applies "
    "to the area × progress method (UNSD 2023 anticipated value, UNSD 2022 progress chart, Eurostat with 5- "
    "and 15-year windows, Open SDG, Belgian Federal Planning Bureau). Targets from config/targets.md; methods in docs and bisa_sdg.progress.methods. "
    "Targets with applies_to 'all' are assessed for the region and its municipalities, EU, Member-State "
    "and regional targets for the region only. One row per target × area is marked headline. Rows that "
    "cannot be assessed say why (reason_code, reason): no gap is silent."
)

COLUMN_COMMENTS: dict[str, str] = {
    "ref_area": "Area code (REFNIS); see curated.areas",
    "area_level": "'region' or 'municipality' (meta.profile_areas)",
    "indicator_id": "Indicator of the series: UN number ('11.6.2') or EU SDG code ('sdg_11_40')",
    "series": "Series code as in curated.indicator_values (UN SERIES or own/EU code)",
    "unit_measure": "Unit of the observations (SDMX UNIT_MEASURE); NULL when the series has no value at all",
    "target_id": "Target of config/targets.csv (meta.targets); NULL for a series without any target, "
    "assessed only for its direction (from the indicator registry)",
    "agenda": "Who set the target (targets.csv agenda code; meta.agenda_groups groups them for the scorecard)",
    "kind": "How binding the target is: legal_limit, legal_target, guideline, political_target, commitment",
    "applies_to": "Whom the target binds: all, eu, member_state, region (config/targets.md); decides the areas",
    "statistic": "Which statistic of the series the target is judged on (targets.csv statistic), e.g. the highest "
    "annual mean of any sampling point for EU limit values, the population-weighted mean for WHO guidelines",
    "target_type": "'numeric' (a target value or a relative change), 'direction' (a commitment without a "
    "number: only the direction of the trend is assessed) or 'none' (no target row; registry direction)",
    "direction": "Desired direction: increase or decrease; NULL when neither the target nor the registry says",
    "direction_source": "Where the direction comes from: 'target' (targets.csv) or 'registry' (config/indicators.yaml)",
    "target_value": "The absolute target T in the unit of the series; for a relative target, base value × "
    "(1 + target_relative_change); NULL for commitments and for relative targets that cannot be resolved",
    "target_relative_change": "Relative target as a fraction of the target's base-year value (-0.5 = -50 %); NULL otherwise",
    "target_base_year": "Reference year of a relative target (targets.csv base_year)",
    "target_base_value": "The series' value in target_base_year, from which target_value is resolved",
    "target_year": "Year the target is due (targets.csv); NULL for commitments without a year. Methods use "
    "2030 when it is NULL and do not use observations after it",
    "method": "Progress method: unsd-2023, unsd-2022, eurostat, open-sdg or fpb (Belgian Federal Planning Bureau: "
    "trend extrapolated to the target year, favourable within a 10 % margin of the target; details UNVERIFIED)",
    "eurostat_window": "Eurostat window in years (5 or 15): the base is the latest year minus the window; NULL for other methods",
    "method_version": "The source edition the method follows, with the standing of its thresholds (UNVERIFIED where so)",
    "headline": f"True on the one row per target × area the scorecard uses: {HEADLINE_METHOD} for numeric "
    f"targets; for targets without a number the UN no-target rule of {HEADLINE_DIRECTION_METHOD}",
    "base_year": f"Base year b of the trend: {DEFAULT_BASE_YEAR} (first later year with data), the target's "
    "base year for relative targets, the window start for eurostat",
    "base_value": "Value in base_year",
    "base_fallback": "True when no observation from the base year on preceded the latest one and the base fell "
    "back to the latest observation before it (not eurostat; note starts with base_before_default)",
    "latest_year": "Latest year t used (not after target_year when there is a numeric target)",
    "latest_value": "Value in latest_year",
    "n_obs": "Number of observations looked at (base to latest year, or all there were when none could be used)",
    "obs_years": "The years looked at, as a JSON list",
    "obs_values": "The values looked at, as a JSON list in the order of obs_years",
    "cagr": "Compound annual growth rate from base to latest year: (v_t / v_b)^(1/(t-b)) - 1",
    "cagr_required": "CAGR needed from base value to target value by the target year (unsd-2022, eurostat, open-sdg)",
    "projected_value": "unsd-2023 and fpb: latest value extrapolated to the target year at the observed CAGR",
    "ratio": "unsd-2023: P, share of the required base-to-target change the trend achieves by the target year; "
    "other methods: actual / required CAGR (signed by the desired direction); NULL without a numeric target",
    "score": "open-sdg only: the sdg-build score from -5 to +5 (5 when the target is met)",
    "category": "Progress class of the method (codes in bisa_sdg.progress.methods.CATEGORIES, e.g. target_met, on_track, "
    "moderate_progress, regression); insufficient_data or no_target when no class could be given",
    "assessed": "True when a progress class was given",
    "reason_code": "Why no class was given: " + ", ".join(REASONS) + "; NULL when assessed",
    "reason_label": "reason_code in a few words, as the scorecard prints it",
    "reason": "Why no class was given, in a sentence",
    "note": "Caveats of a class that was given (observations after the target year ignored, zero target …)",
    "window_years_used": "eurostat only: years between base and latest observation; fewer than eurostat_window "
    "when the window holds less data (note then starts with window_short); NULL for other methods",
    "light": "Three-level light of the class: on_track, some_progress, no_progress_or_worse; NULL when no class "
    "(mapping per method and class in bisa_sdg.progress.verdicts.LIGHTS, documented in docs/progress-tables.md)",
    "methods_agree": "True when every method that gave a class for this series x area x target gives the same "
    "light (the two eurostat windows count as rows of one method); NULL when fewer than two methods gave a class",
    "probability_target_met": "Probability (0-1) that the value in the target year meets the target, under a "
    "random walk with drift on ln(value) fitted to the observations the method used (probability_method); "
    "plug-in normal, so with few observations it overstates certainty. NULL when probability_reason_code says why",
    "probability_reason_code": "Why probability_target_met is NULL ("
    + ", ".join(PROBABILITY_REASONS)
    + "), or "
    "a caveat on its value (zero_target: 0 because a log-scale projection never reaches zero; "
    "target_year_reached; no_variability)",
    "probability_reason": "probability_reason_code in words",
    "probability_method": "The stochastic projection behind probability_target_met (bisa_sdg.progress.verdicts)",
    "verdict_stable": "False when the class changes with the inputs at the corners of their published rounding "
    "(obs_lower/obs_upper of curated.indicator_values: base low/high x latest low/high, a relative target "
    "re-resolved) or, for unsd-2023 and fpb, with the projection at either end of its 80 % prediction interval; NULL "
    "when no class was given",
    "stability_reason_code": "Why the verdict is not stable: rounding or prediction_interval; NULL otherwise",
    "stability_note": "What moved the class, or what was checked (rounding corners, 80 % interval, or why not)",
    "synthetic": "True when any observation of the series in this area rests on invented sample data",
}


def registry_directions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Series → desired direction from the indicator registry, when its tables carry a direction column."""
    columns = {
        (table, column)
        for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'meta' "
            "and table_name in ('indicator_registry_series', 'indicator_registry') and column_name = 'direction'"
        ).fetchall()
    }
    if ("indicator_registry_series", "direction") in columns:  # per series, when the registry says so
        rows = con.execute("select series, direction from meta.indicator_registry_series").fetchall()
    elif ("indicator_registry", "direction") in columns:  # else per indicator, for each of its series
        rows = con.execute(
            "select s.series, r.direction from meta.indicator_registry_series as s "
            "join meta.indicator_registry as r using (indicator_id)"
        ).fetchall()
    else:
        rows = []
    return {
        str(series): str(direction) for series, direction in rows if direction in ("increase", "decrease")
    }


def registry_no_trend(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Series → why its values cannot show a trend (registry field no_trend_reason), when the registry says so."""
    has_column = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'meta' "
        "and table_name = 'indicator_registry' and column_name = 'no_trend_reason'"
    ).fetchall()[0][0]
    if not has_column:
        return {}
    rows = con.execute(
        "select s.series, r.no_trend_reason from meta.indicator_registry_series as s "
        "join meta.indicator_registry as r using (indicator_id) where r.no_trend_reason is not null"
    ).fetchall()
    return {str(series): " ".join(str(reason).split()) for series, reason in rows}


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Read the indicator values, targets and areas, assess, write curated.progress with its comments."""
    values = con.execute("select * from curated.indicator_values").df()
    targets = con.execute("select * from meta.targets").df()
    areas = con.execute("select ref_area, level from meta.profile_areas").df()
    frame = progress_frame(values, targets, areas, registry_directions(con), registry_no_trend(con))
    wh.load_frame(con, "curated", "progress", frame)
    wh.comment_on(con, "curated.progress", TABLE_COMMENT, COLUMN_COMMENTS)
