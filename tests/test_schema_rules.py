"""Every named rule in schemas/ fires on a value chosen to break it, on both validation engines.

The table below is written by hand: for each rule, values just outside its limits (so that loosening a constant,
e.g. a percentage's maximum from 100 to 1000, leaves a bad value unflagged and fails here) and why each is bad. The
expected outcome is the rule's name on the broken column, checked against the pandera engine
(``bisa_sdg.validation.schema``) and the DuckDB engine (``bisa_sdg.validation.duckdb_engine``) separately; the same rows unbroken
must not raise that rule. A rule added to a schema without a row here fails ``test_every_schema_rule_has_a_case``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import RegionProfile, load_profile
from bisa_sdg.sources import read_source
from bisa_sdg.validation.duckdb_engine import validate_sql
from bisa_sdg.validation.schema import load_schema, validate_frame

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"

# (schema, column, rule) -> [(bad value, why it is bad)]
COLUMN_CASES: dict[tuple[str, str, str], list[tuple[Any, str]]] = {
    ("be_local_emergency_planning_law", "time_period", "year_range"): [
        (1899, "before 1900"),
        (2101, "after 2100"),
    ],
    ("be_local_emergency_planning_law", "value_number", "count_non_negative"): [(-1, "a count below 0")],
    ("bestat_views", "view_key", "known_view"): [("land_use", "a prefix of a key, not a listed key")],
    ("bestat_views", "view_id", "view_id_format"): [
        ("0A1B2C3D-0000-4000-8000-000000000001", "upper-case hex: be.STAT ids are lower-case"),
        ("0a1b2c3d-0000-4000-8000-00000000001", "last group of 11 hex digits, not 12"),
    ],
    ("bestat_views", "record", "record_positive"): [(0, "records are numbered from 1")],
    ("cspart_scorecard", "ref_area", "refnis_format"): [("2100", "four digits, a REFNIS code has five")],
    ("cspart_scorecard", "time_period", "year_range"): [(1999, "before 2000"), (2101, "after 2100")],
    ("cspart_scorecard", "evaluator_sector", "known_sector"): [
        ("public_sector", "not one of the six sectors")
    ],
    ("cspart_scorecard", "question", "question_1_to_4"): [(0, "below question 1"), (5, "past question 4")],
    ("cspart_scorecard", "score", "likert_1_to_4"): [(0, "below the scale's 1"), (5, "above the scale's 4")],
    ("eea_aq_stations", "station_code", "station_code_format"): [("BETR8", "five characters, not six")],
    ("eea_aq_stations", "station_type", "known_type"): [("rural", "an area class, not a station type")],
    ("eea_aq_stations", "station_area", "known_area"): [("traffic", "a station type, not an area class")],
    ("eea_aq_stations", "lon", "longitude_near_brussels"): [(4.19, "west of 4.2°E"), (4.51, "east of 4.5°E")],
    ("eea_aq_stations", "lat", "latitude_near_brussels"): [
        (50.74, "south of 50.75°N"),
        (50.96, "north of 50.95°N"),
    ],
    ("fpb_indicators_waste_by_region", "measure", "known_measure"): [
        ("municipal_waste", "not a listed measure")
    ],
    ("fpb_indicators_waste_by_region", "ref_area", "refnis_format"): [("4000", "four digits")],
    ("fpb_indicators_waste_by_region", "time_period", "year_range"): [
        (1989, "before 1990"),
        (2101, "after 2100"),
    ],
    ("fpb_indicators_waste_by_region", "value", "value_non_negative"): [(-0.1, "a negative amount")],
    ("fpb_indicators_waste_by_region", "year_mapping", "known_year_mapping"): [
        ("inferred_unverified", "the listed value is upper case")
    ],
    ("harassment_survey", "ref_area", "refnis_format"): [("2100", "four digits")],
    ("harassment_survey", "time_period", "year_range"): [(1999, "before 2000"), (2101, "after 2100")],
    ("harassment_survey", "sex", "sex_code"): [("_T", "a total, not F or M")],
    ("harassment_survey", "age", "age_code"): [("Y15-24", "a dash instead of SDMX's 'T'")],
    ("harassment_survey", "disability_status", "disability_code"): [("PWOD", "neither PD nor PWD")],
    ("harassment_survey", "respondents", "respondents_non_negative"): [(-1, "a count below 0")],
    ("harassment_survey", "population_weighted", "weight_non_negative"): [(-0.5, "a negative weight")],
    ("harassment_survey", "victims_physical_weighted", "weight_non_negative"): [(-0.5, "a negative weight")],
    ("harassment_survey", "victims_sexual_weighted", "weight_non_negative"): [(-0.5, "a negative weight")],
    ("harassment_survey", "victims_any_weighted", "weight_non_negative"): [(-0.5, "a negative weight")],
    ("heritage_expenditure", "ref_area", "refnis_format"): [("2100", "four digits")],
    ("heritage_expenditure", "time_period", "year_range"): [(1999, "before 2000"), (2101, "after 2100")],
    ("heritage_expenditure", "funding", "known_funding"): [("mixed", "neither public nor private")],
    ("heritage_expenditure", "heritage_type", "known_heritage_type"): [
        ("mixed", "neither cultural nor natural")
    ],
    ("heritage_expenditure", "level_of_government", "known_level"): [
        ("federal", "Belgium's 'national' level")
    ],
    ("heritage_expenditure", "expenditure_lcu", "expenditure_non_negative"): [(-1.0, "a negative spend")],
    ("heritage_expenditure", "lcu_per_ppp_usd", "conversion_factor_positive"): [
        (0.0, "a zero conversion factor (the floor is 1e-06)")
    ],
    ("irceline_station_annual_means", "station_code", "station_code_format"): [
        ("41r012", "lower-case letter")
    ],
    ("irceline_station_annual_means", "pollutant", "known_pollutant"): [("PM10", "only NO2 is read")],
    ("irceline_station_annual_means", "time_period", "year_range"): [
        (1969, "before 1970"),
        (2101, "after 2100"),
    ],
    ("irceline_station_annual_means", "no2_ugm3", "concentration_range"): [
        (-0.1, "a negative concentration"),
        (200.1, "above 200 µg/m³, five times the EU annual limit of 40"),
    ],
    ("irceline_station_annual_means", "nhours", "hours_in_year"): [
        (-1, "negative hours"),
        (8785, "more hours than a leap year's 366 × 24 = 8784"),
    ],
    ("irceline_station_annual_means", "value_status", "known_status"): [("invalid", "not a listed status")],
    ("published_builtup_share", "measure", "known_measure"): [("builtup_share", "not the listed measure")],
    ("published_builtup_share", "time_period", "year_range"): [(1899, "before 1900"), (2101, "after 2100")],
    ("published_builtup_share", "builtup_share_pct", "share_is_percentage"): [
        (-0.1, "a share below 0 %"),
        (100.1, "a share above 100 %"),
    ],
    ("published_figures_sdg11", "topic", "topic_format"): [("road victims", "a space in a topic id")],
    ("published_figures_sdg11", "time_period", "year_range"): [(1799, "before 1800"), (2101, "after 2100")],
    ("published_history", "series", "series_name_format"): [("Population", "upper case in a series name")],
    ("published_history", "time_period", "year_range"): [(1979, "before 1980"), (2101, "after 2100")],
    ("published_history", "value", "value_is_a_number"): [
        (-1_000_000_001.0, "below -10⁹"),
        (1_000_000_001.0, "above 10⁹"),
    ],
    ("published_history", "value_decimals", "decimals_range"): [
        (-1, "negative decimals"),
        (7, "more than 6"),
    ],
    ("published_history", "source_url", "source_named"): [
        ("www.statbel.fgov.be", "no http(s):// or github:")
    ],
    ("published_history", "flags", "known_flags"): [("UNCERTAIN,DERIVED", "DERIVED must come first")],
    ("published_population_region", "time_period", "year_range"): [
        (1989, "before 1990"),
        (2101, "after 2100"),
    ],
    ("published_population_region", "population", "count_positive"): [(0, "a region of no one")],
    ("sdsn_eu_cities_2019", "city", "city_name"): [("Den Haag", "a space: names are single words")],
    ("sdsn_eu_cities_2019", "city_score", "index_range"): [(-0.1, "below 0"), (100.1, "above 100")],
    ("sdsn_eu_cities_2019", "city_rank", "rank_range"): [
        (0, "ranks start at 1"),
        (46, "only 45 cities ranked"),
    ],
    ("sdsn_eu_cities_2019", "measure", "measure_format"): [("sdg11", "lower-case goal without an indicator")],
    ("sdsn_eu_cities_2019", "measure_type", "known_measure_type"): [("target", "not a listed type")],
    ("sdsn_eu_cities_2019", "dashboard", "known_colour"): [("grey", "the report spells it 'gray'")],
    ("sdsn_sdr2025_belgium", "field", "field_format"): [("sdg 11", "a space in a field name")],
    ("sdsn_sdr2025_belgium", "score", "score_range"): [(-0.1, "below 0"), (100.1, "above 100")],
    ("sdsn_sdr2025_thresholds", "ind_code", "ind_code_format"): [("SDG11_pm25", "upper-case prefix")],
    ("sdsn_sdr2025_thresholds", "sdg", "goal_number"): [(0, "no goal 0"), (18, "17 goals")],
    ("sdsn_sdr2025_thresholds", "reference_year", "year_range"): [
        (1999, "before 2000"),
        (2101, "after 2100"),
    ],
    ("sendai_drr_scorecard", "ref_area", "refnis_format"): [("2100", "four digits")],
    ("sendai_drr_scorecard", "time_period", "year_range"): [
        (2014, "before Sendai 2015"),
        (2101, "after 2100"),
    ],
    ("sendai_drr_scorecard", "key_element", "element_1_to_10"): [(0, "no element 0"), (11, "ten elements")],
    ("sendai_drr_scorecard", "score", "score_0_to_1"): [(-0.01, "below 0"), (1.01, "above 1")],
    ("sncb_stations", "stop_id", "gtfs_stop_id_present"): [("8814 001", "a space in a GTFS id")],
    ("sncb_stations", "location_type", "gtfs_location_type"): [("5", "GTFS location types are 0-4")],
    ("sncb_stations", "lat", "lat_in_brussels_box"): [
        (50.69, "south of the box"),
        (50.99, "north of the box"),
    ],
    ("sncb_stations", "lon", "lon_in_brussels_box"): [(4.14, "west of the box"), (4.61, "east of the box")],
    ("sncb_stations", "x", "x_in_brussels_box"): [
        (134_999.0, "west of the box"),
        (165_001.0, "east of the box"),
    ],
    ("sncb_stations", "y", "y_in_brussels_box"): [
        (154_999.0, "south of the box"),
        (185_001.0, "north of the box"),
    ],
    ("statbel_area", "refnis", "refnis_format"): [("2100", "four digits")],
    ("statbel_area", "region_refnis", "region_refnis_format"): [("04001", "a region code ends in 000")],
    ("statbel_area", "area_cadastral_km2", "area_positive"): [
        (0.0, "no municipality has no area"),
        (10_000.5, "above 10 000 km² (Belgium is 30 689 km², its largest municipality 213 km²)"),
    ],
    ("statbel_boundaries", "refnis", "refnis_format"): [("2101", "four digits")],
    ("statbel_boundaries", "refnis", "region_municipality"): [("31005", "Bruges, in Flanders")],
    ("statbel_boundaries", "geometry_valid", "polygon_valid"): [(False, "an invalid polygon")],
    ("statbel_boundaries", "area_ratio", "area_matches_publisher"): [
        (0.94, "6 % smaller than Statbel's area"),
        (1.06, "6 % larger than Statbel's area"),
    ],
    ("statbel_boundaries", "x", "x_in_brussels_box"): [(134_999.0, "west of the box"), (165_001.0, "east")],
    ("statbel_boundaries", "y", "y_in_brussels_box"): [(154_999.0, "south of the box"), (185_001.0, "north")],
    ("statbel_boundaries", "weight", "weight_share"): [
        (-0.01, "a negative share"),
        (1.01, "more than the whole"),
    ],
    ("statbel_land_use", "refnis", "refnis_format"): [("2100", "four digits")],
    ("statbel_land_use", "refnis", "region_area_membership"): [
        ("31005", "a Brussels-labelled row with Bruges")
    ],
    ("statbel_land_use", "time_period", "year_range"): [(1979, "before 1980"), (2101, "after 2100")],
    ("statbel_land_use", "rubrics", "rubrics_listed"): [(0, "no rubric"), (61, "more than 60 rubrics")],
    ("statbel_land_use", "area_total_ha", "area_positive"): [
        (0.5, "below 1 ha"),
        (25_001.0, "above 25 000 ha (the whole region is 16 138 ha)"),
    ],
    **{
        ("statbel_land_use", column, "area_non_negative"): [(-1.0, "a negative area")]
        for column in (
            "built_parcels_ha",
            "non_cadastral_ha",
            "cadastral_roads_ha",
            "gardens_parks_ha",
            "woods_ha",
            "recreational_ha",
            "water_ha",
        )
    },
    ("statbel_population", "refnis", "refnis_format"): [("2100X", "a letter in the code")],
    ("statbel_population", "refnis", "region_area_membership"): [
        ("31005", "a Brussels-labelled row with Bruges")
    ],
    ("statbel_population", "time_period", "year_range"): [(1989, "before 1990"), (2101, "after 2100")],
    ("statbel_population", "population", "count_non_negative"): [(-1, "a count below 0")],
    ("statbel_population", "flag", "known_quality_flag"): [
        ("DERIVED", "a history flag, not a population one")
    ],
    ("statbel_road_victims", "refnis", "refnis_format"): [("2100", "four digits")],
    ("statbel_road_victims", "refnis", "region_area_membership"): [("31005", "Bruges, in Flanders")],
    **{
        ("statbel_road_victims", column, "count_non_negative"): [(-1, "a count below 0")]
        for column in ("victims", "victims_unhurt", "slightly_injured", "seriously_injured", "dead_30_days")
    },
    ("stib_stops", "stop_id", "stop_id_format"): [("12345", "five digits, STIB ids have four and a letter")],
    ("stib_stops", "mode", "stop_mode"): [("R", "not bus, tram or metro")],
    ("stib_stops", "x", "x_in_brussels_box"): [
        (134_999.0, "west of the box"),
        (165_001.0, "east of the box"),
    ],
    ("stib_stops", "y", "y_in_brussels_box"): [
        (154_999.0, "south of the box"),
        (185_001.0, "north of the box"),
    ],
    ("stib_stops", "lat", "lat_in_brussels_box"): [(50.69, "south of the box"), (50.99, "north of the box")],
    ("stib_stops", "lon", "lon_in_brussels_box"): [(4.14, "west of the box"), (4.61, "east of the box")],
    ("stib_stops", "xy_offset_m", "coordinate_pairs_agree"): [
        (5.01, "the two coordinate pairs 5.01 m apart")
    ],
    ("unsd_sdg_api", "goal_code", "goal_code_format"): [("0", "no goal 0"), ("18", "17 goals")],
    ("unsd_sdg_api", "target_code", "target_code_format"): [("11.1.1", "an indicator code, not a target")],
    ("unsd_sdg_api", "indicator_id", "indicator_code_format"): [("11.1", "a target code, not an indicator")],
    ("unsd_sdg_api", "series_code", "series_code_format"): [("en_lnd_slum", "lower-case first letter")],
    ("unsd_sdg_database", "series", "series_code_format"): [("1EN_LND", "a digit first")],
    ("unsd_sdg_database", "geo_area", "m49_format"): [("0056", "four digits, M49 has at most three")],
    ("unsd_sdg_database", "nature", "known_nature"): [("X", "not a UN nature code")],
    ("unsd_sdg_database", "time_period", "year_range"): [(1989, "before 1990"), (2101, "after 2100")],
    ("urban_policy_evaluation", "ref_area", "refnis_format"): [("2100", "four digits")],
    ("urban_policy_evaluation", "time_period", "year_range"): [(1999, "before 2000"), (2101, "after 2100")],
    ("urban_policy_evaluation", "qualifier", "known_qualifier"): [("d", "not a, b or c")],
    ("urban_policy_evaluation", "score_pct", "percentage"): [(-0.1, "below 0 %"), (100.1, "above 100 %")],
}

# Sources the shipped sample has no rows for: one valid row each, so a value can be broken in it.
GOOD_ROWS: dict[str, dict[str, Any]] = {
    "bestat_views": {
        "view_key": "age_structure",
        "view_id": "0a1b2c3d-0000-4000-8000-000000000001",
        "record": 1,
        "field": "year",
        "value": "2020",
    },
    "cspart_scorecard": {
        "ref_area": "04000",
        "time_period": 2020,
        "evaluator_id": "e1",
        "evaluator_sector": "academia",
        "question": 1,
        "score": 3,
    },
    "heritage_expenditure": {
        "ref_area": "04000",
        "time_period": 2020,
        "funding": "public",
        "heritage_type": "cultural",
        "level_of_government": "regional",
        "expenditure_lcu": 10.0,
        "lcu_per_ppp_usd": 0.8,
    },
    "harassment_survey": {
        "ref_area": "04000",
        "time_period": 2020,
        "sex": "F",
        "age": "Y15T24",
        "disability_status": "PD",
        "respondents": 10,
        "population_weighted": 1.0,
        "victims_physical_weighted": 0.1,
        "victims_sexual_weighted": 0.1,
        "victims_any_weighted": 0.2,
    },
    "urban_policy_evaluation": {
        "ref_area": "04000",
        "time_period": 2020,
        "policy_id": "p1",
        "policy_title": "A policy",
        "evaluator_id": "e1",
        "qualifier": "a",
        "score_pct": 50.0,
    },
    "sendai_drr_scorecard": {
        "ref_area": "04000",
        "time_period": 2020,
        "strategy_id": "s1",
        "strategy_title": "A strategy",
        "key_element": 1,
        "score": 0.5,
    },
}


def _drop_one_municipality(frame: pd.DataFrame) -> pd.DataFrame:
    """Saint-Josse (21014) missing (in one year, for yearly sources): the region is no longer complete."""
    gone = frame["refnis"] == "21014"
    if "time_period" in frame.columns:
        gone &= frame["time_period"] == frame.loc[gone, "time_period"].max()
    assert gone.any()
    return frame[~gone]


def _one_more_inhabitant(frame: pd.DataFrame) -> pd.DataFrame:
    """Anderlecht 2020 + 1: the municipalities no longer add up to the published 2020 region total."""
    frame = frame.copy()
    row = frame.index[(frame["refnis"] == "21001") & (frame["time_period"] == 2020)][0]
    frame.loc[row, "population"] += 1
    return frame


def _two_conversion_factors(frame: pd.DataFrame) -> pd.DataFrame:
    """Two rows of one area and year with different LCU per PPP dollar: a year has one exchange factor."""
    second = frame.iloc[[0]].assign(funding="private", lcu_per_ppp_usd=0.9, _line=3)
    return pd.concat([frame, second], ignore_index=True)


def _accident_of_another_year(frame: pd.DataFrame) -> pd.DataFrame:
    """An accident dated in the year after its file's reference year."""
    frame = frame.copy()
    row = frame.index[0]
    year = int(frame.loc[row, "time_period"])
    frame.loc[row, "accident_date"] = pd.Timestamp(year + 1, 1, 15).date().isoformat()
    return frame


# (schema, rule) of the dataset rules -> what breaks the whole frame
DATASET_CASES: dict[tuple[str, str], Callable[[pd.DataFrame], pd.DataFrame]] = {
    ("statbel_area", "all_region_areas_present"): _drop_one_municipality,
    ("statbel_boundaries", "all_region_areas_present"): _drop_one_municipality,
    ("statbel_land_use", "all_region_areas_present"): _drop_one_municipality,
    ("statbel_population", "all_region_areas_present"): _drop_one_municipality,
    ("statbel_population", "municipal_sum_equals_region_total"): _one_more_inhabitant,
    ("heritage_expenditure", "one_conversion_factor_per_year"): _two_conversion_factors,
    ("statbel_road_victims", "accident_in_reference_year"): _accident_of_another_year,
}


def schema_rules() -> tuple[set[tuple[str, str, str]], set[tuple[str, str]]]:
    """The rule names as the YAML files declare them (read as data, not through the validation code)."""
    columns, datasets = set(), set()
    for path in sorted(SCHEMAS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for column, spec in (doc.get("columns") or {}).items():
            for rule in (spec or {}).get("rules") or []:
                columns.add((path.stem, column, rule["rule"]))
        for rule in doc.get("dataset_rules") or []:
            datasets.add((path.stem, rule["rule"]))
    return columns, datasets


def test_every_schema_rule_has_a_case():
    columns, datasets = schema_rules()
    assert columns == set(COLUMN_CASES), columns ^ set(COLUMN_CASES)
    assert datasets == set(DATASET_CASES), datasets ^ set(DATASET_CASES)


@cache
def _profile() -> RegionProfile:
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    # the conditional membership rules need the region's label in each source that carries one
    assert {"statbel_population", "statbel_land_use"} <= set(profile.region_labels)
    return profile


@cache
def _frames() -> dict[str, pd.DataFrame]:
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    frames = {}
    for source in sorted({schema for schema, _, _ in COLUMN_CASES}):
        frame = read_source(catalog.get(source), ROOT / "data/raw", _profile())
        if frame.empty:
            row = {**GOOD_ROWS[source], "_file": f"{source}/hand_made.csv", "_line": 2}
            frame = pd.DataFrame([row]).astype({c: frame[c].dtype for c in frame.columns if c in row})
        frames[source] = frame.reset_index(drop=True)
    return frames


def _issues(engine: str, schema_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    schema = load_schema(SCHEMAS / f"{schema_name}.yaml")
    others = {**_frames(), schema_name: frame}
    if engine == "pandera":
        return validate_frame(frame, schema, _profile(), others)
    return validate_sql(frame, schema, _profile(), others, max_rows_per_rule=None).issues


def _fired(issues: pd.DataFrame, rule: str, column: str | None = None) -> bool:
    hits = issues["rule"] == rule
    if column is not None:
        hits &= issues["column"] == column
    return bool(hits.any())


def _sample(frame: pd.DataFrame, schema: str, column: str) -> pd.DataFrame:
    """A few rows, one of them to be broken; for a label-conditional rule, a row that carries the region label."""
    if schema in ("statbel_population", "statbel_land_use") and column == "refnis":
        label = _profile().region_labels[schema]
        return frame[frame["region_label"] == label].head(3).copy()
    return frame.head(3).copy()


COLUMN_PARAMS = [
    pytest.param(schema, column, rule, bad, id=f"{schema}.{column}.{rule}={bad!r}")
    for (schema, column, rule), cases in COLUMN_CASES.items()
    for bad, _why in cases
]


@pytest.mark.parametrize("engine", ["pandera", "duckdb"])
@pytest.mark.parametrize(("schema", "column", "rule", "bad"), COLUMN_PARAMS)
def test_a_bad_value_raises_its_rule(engine, schema, column, rule, bad):
    good = _sample(_frames()[schema], schema, column)
    assert not _fired(_issues(engine, schema, good), rule, column), "the unbroken rows already fail"
    broken = good.copy()
    broken[column] = broken[column].astype(object)
    broken.loc[broken.index[0], column] = bad
    broken[column] = broken[column].astype(good[column].dtype)
    assert _fired(_issues(engine, schema, broken), rule, column), f"{bad!r} in {column} not flagged as {rule}"


@pytest.mark.parametrize("engine", ["pandera", "duckdb"])
@pytest.mark.parametrize(("schema", "rule"), sorted(DATASET_CASES))
def test_a_broken_frame_raises_its_dataset_rule(engine, schema, rule):
    good = _frames()[schema]
    assert not _fired(_issues(engine, schema, good), rule), "the shipped frame already fails"
    broken = DATASET_CASES[(schema, rule)](good)
    assert _fired(_issues(engine, schema, broken), rule), (
        f"{DATASET_CASES[(schema, rule)].__doc__} not flagged"
    )
