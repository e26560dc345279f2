"""The DuckDB validation path finds exactly what the pandera path finds, on the same broken real rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.sources import read_source
from bisa_sdg.validation.duckdb_engine import validate_any, validate_sql
from bisa_sdg.validation.schema import ISSUE_COLUMNS, load_schema, validate_frame

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("statbel_population", "published_population_region", "statbel_road_victims", "stib_stops")


@pytest.fixture(scope="module")
def context():
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    frames = {sid: read_source(catalog.get(sid), ROOT / "data/raw", profile) for sid in SOURCES}
    return catalog, profile, frames


def as_set(issues: pd.DataFrame) -> set[tuple[str, ...]]:
    return {
        tuple("" if pd.isna(v) else str(v) for v in row)
        for row in issues[list(ISSUE_COLUMNS)].itertuples(index=False)
    }


def both_paths(source_id: str, frame: pd.DataFrame, context) -> tuple[pd.DataFrame, pd.DataFrame]:
    catalog, profile, frames = context
    schema = load_schema(ROOT / "schemas" / f"{catalog.get(source_id).schema}.yaml")
    others = {**frames, source_id: frame}
    pandera = validate_frame(frame, schema, profile, others)
    sql = validate_sql(frame, schema, profile, others, max_rows_per_rule=None).issues
    return pandera, sql


def broken_population(frames) -> pd.DataFrame:
    frame = frames["statbel_population"].copy()
    frame.loc[5, "refnis"] = "2100X"  # format
    frame.loc[6, "population"] = -3  # negative count
    frame.loc[7, "population"] = pd.NA  # unreadable count (value shown is the raw text)
    frame = pd.concat([frame, frame.iloc[[10]]], ignore_index=True)  # duplicated key
    frame.loc[frame.index[-1], "_line"] = 9999
    ixelles = frame.index[(frame["refnis"] == "21009") & (frame["time_period"] == 2019)][0]
    frame.loc[ixelles, "refnis"] = "31005"  # a Brussels-labelled row with a Flemish code
    frame.loc[3, "time_period"] = 1980  # out of range, and a year with one row
    anderlecht = frame.index[(frame["refnis"] == "21001") & (frame["time_period"] == 2020)][0]
    frame.loc[anderlecht, "population"] += 1  # the 2020 sum no longer equals the published total
    return frame


def test_the_shipped_sources_are_clean_on_both_paths(context):
    for source_id, frame in context[2].items():
        pandera, sql = both_paths(source_id, frame, context)
        assert pandera.empty and sql.empty, sql.to_string()


def test_same_issues_on_a_broken_population_frame(context):
    pandera, sql = both_paths("statbel_population", broken_population(context[2]), context)
    assert as_set(pandera) == as_set(sql)
    assert {
        "refnis_format",
        "count_non_negative",
        "not_nullable",
        "multiple_fields_uniqueness",
        "region_area_membership",
        "year_range",
        "all_region_areas_present",
        "municipal_sum_equals_region_total",
    } <= set(sql["rule"])


def test_same_issues_on_broken_road_victims_and_stops(context):
    victims = context[2]["statbel_road_victims"].copy()
    victims.loc[3, "dead_30_days"] = -1
    victims.loc[4, "refnis"] = "11001"  # Antwerp: outside the region
    victims.loc[5, "accident_date"] = pd.Timestamp("2019-12-31")  # not in the file's year
    pandera, sql = both_paths("statbel_road_victims", victims, context)
    assert as_set(pandera) == as_set(sql)
    assert {"count_non_negative", "region_area_membership", "accident_in_reference_year"} <= set(sql["rule"])

    stops = context[2]["stib_stops"].copy()
    stops.loc[0, "mode"] = "X"
    stops.loc[1, "stop_id"] = "12a"
    stops.loc[2, "x"] = 0.0
    stops.loc[3, "stop_id"] = stops.loc[4, "stop_id"]
    pandera, sql = both_paths("stib_stops", stops, context)
    assert as_set(pandera) == as_set(sql) and len(sql) >= 5


def test_warnings_and_constant_within_match(context, tmp_path: Path):
    profile = context[1]
    schema_path = tmp_path / "spend.yaml"
    schema_path.write_text(
        yaml.safe_dump(
            {
                "source": "spend",
                "columns": {
                    "ref_area": {"dtype": "string"},
                    "time_period": {"dtype": "int"},
                    "amount": {
                        "dtype": "float",
                        "nullable": True,
                        "rules": [
                            {"rule": "non_negative", "check": "ge", "value": 0, "message": "no negatives"},
                            {
                                "rule": "plausible",
                                "check": "le",
                                "value": 1000,
                                "severity": "warning",
                                "message": "unusually large",
                            },
                        ],
                    },
                    "factor": {"dtype": "float"},
                },
                "dataset_rules": [
                    {
                        "rule": "one_factor",
                        "check": "constant_within",
                        "column": "factor",
                        "by": ["ref_area", "time_period"],
                        "message": "one factor per area and year",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    frame = pd.DataFrame(
        {
            "_file": "spend/a.csv",
            "_line": [2, 3, 4, 5],
            "ref_area": ["21001", "21001", "21002", "21002"],
            "time_period": [2020, 2020, 2020, 2020],
            "amount": [5000.0, -1.0, None, 10.0],
            "factor": [0.8, 0.9, 0.7, 0.7],
        }
    )
    schema = load_schema(schema_path)
    pandera = validate_frame(frame, schema, profile)
    sql = validate_sql(frame, schema, profile, max_rows_per_rule=None).issues
    assert as_set(pandera) == as_set(sql)
    assert sorted(zip(sql["rule"], sql["severity"], strict=True)) == [
        ("non_negative", "error"),
        ("one_factor", "error"),
        ("one_factor", "error"),
        ("plausible", "warning"),
    ]


def test_parquet_input_is_validated_streaming_with_the_same_issues(context, tmp_path: Path):
    frame = broken_population(context[2])
    path = tmp_path / "population.parquet"
    frame.to_parquet(path)
    pandera, _ = both_paths("statbel_population", frame, context)
    _, profile, frames = context
    schema = load_schema(ROOT / "schemas/statbel_population.yaml")
    from_file = validate_sql(path, schema, profile, frames, max_rows_per_rule=None).issues
    assert as_set(from_file) == as_set(pandera)

    # Without _file/_line columns the file name and the 1-based row number of the Parquet file are reported.
    frame.drop(columns=["_file", "_line"]).to_parquet(path)
    bare = validate_sql(path, schema, profile, frames, max_rows_per_rule=None).issues
    bad = bare[bare["rule"] == "refnis_format"].iloc[0]
    assert bad["row"] == 6 and str(bad["file"]).endswith("population.parquet") and bad["value"] == "2100X"


def test_failing_rows_are_counted_in_full_and_listed_up_to_the_limit(context):
    frame = context[2]["statbel_population"].copy()
    # the first ten rows of the 2018 compilation: lines 2–11 of its file
    compiled = frame.index[
        frame["_file"] == "statbel_population/vandenbroucke_belgian_municipalities_2018.csv"
    ]
    frame.loc[compiled[:10], "population"] = -1
    schema = load_schema(ROOT / "schemas/statbel_population.yaml")
    profile = context[1]
    result = validate_sql(frame, schema, profile, {}, max_rows_per_rule=3)
    listed = result.issues[result.issues["rule"] == "count_non_negative"]
    assert list(listed["row"]) == [2, 3, 4]
    assert "10 rows fail this rule; the first 3 are listed" in listed.iloc[0]["message"]
    counts = result.counts.set_index("rule")["failing_rows"]
    assert counts["count_non_negative"] == 10 and counts["refnis_format"] == 0
    assert result.rows == len(frame)


def test_validate_any_switches_to_sql_from_the_threshold(context):
    frame = broken_population(context[2])
    _, profile, frames = context
    schema = load_schema(ROOT / "schemas/statbel_population.yaml")
    small = validate_any(frame, schema, profile, frames)
    big = validate_any(frame, schema, profile, frames, threshold=0)
    assert as_set(small) == as_set(big)


def test_per_row_path_agrees_with_the_grouped_path(context, monkeypatch):
    """Patterns and year rules run per distinct value/group on few-valued columns, per row otherwise."""
    import bisa_sdg.validation.duckdb_engine as vs

    victims = context[2]["statbel_road_victims"].copy()
    victims.loc[5, "accident_date"] = pd.Timestamp("2019-12-31")
    victims.loc[6, "refnis"] = "2100"
    cases = {"statbel_population": broken_population(context[2]), "statbel_road_victims": victims}
    grouped = {sid: both_paths(sid, frame, context) for sid, frame in cases.items()}
    monkeypatch.setattr(vs, "GROUP_MAX_DISTINCT", 0)
    for sid, frame in cases.items():
        pandera, per_row = both_paths(sid, frame, context)
        assert as_set(per_row) == as_set(grouped[sid][1]) == as_set(pandera)


def test_sorted_unique_proves_uniqueness_only_when_it_holds():
    import pyarrow as pa

    from bisa_sdg.validation.duckdb_engine import sorted_unique

    def batches(stations: list[str], hours: list[int], size: int = 3):
        table = pa.table({"station": stations, "hour": hours})
        return iter(table.to_batches(max_chunksize=size))

    assert sorted_unique(batches(["B", "B", "B", "A", "A", "C"], [1, 2, 3, 1, 2, 1]))
    assert not sorted_unique(batches(["A", "A", "A", "A"], [1, 2, 2, 3]))  # duplicate inside a batch
    assert not sorted_unique(batches(["A", "A", "A", "A"], [1, 2, 3, 3]))  # duplicate across batches
    assert not sorted_unique(batches(["A", "A", "B", "A"], [1, 2, 1, 3]))  # a station comes back: not proven
    assert not sorted_unique(batches(["A", "A", "A"], [3, 2, 1]))  # unsorted: not proven
    assert not sorted_unique(batches(["A", None, "B"], [1, 2, 3]))  # a missing key: left to the exact check


def test_sorted_parquet_series_with_a_duplicate_hour_is_caught(tmp_path: Path, context):
    hours = pd.date_range("2020-01-01", periods=48, freq="h")
    frame = pd.DataFrame(
        {"station_code": ["SYN00001"] * 48, "datetime": hours, "time_period": 2020, "pm25_ugm3": 10.0}
    )
    frame.loc[30, "datetime"] = frame.loc[29, "datetime"]
    path = tmp_path / "hourly.parquet"
    frame.to_parquet(path)
    schema = load_schema(ROOT / "benchmarks/schemas/synthetic_pm25_hourly.yaml")
    issues = validate_sql(path, schema, context[1]).issues
    duplicated = issues[issues["rule"] == "multiple_fields_uniqueness"]
    assert sorted(set(duplicated["row"])) == [30, 31]
