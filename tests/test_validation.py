"""Schemas fed real rows of the shipped sample, broken the way real files break."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.sources import read_source
from bisa_sdg.validation.schema import ValidationFailed, describe_issue, load_schema, validate_frame

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def context():
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    frames = {s.id: read_source(s, ROOT / "data/raw", profile) for s in catalog.sources if s.files}
    return catalog, profile, frames


def issues_for(source_id: str, frame: pd.DataFrame, context) -> pd.DataFrame:
    catalog, profile, frames = context
    schema = load_schema(ROOT / "schemas" / f"{catalog.get(source_id).schema}.yaml")
    return validate_frame(frame, schema, profile, {**frames, source_id: frame})


def test_the_shipped_sample_is_clean(context):
    frames = context[2]
    for source_id, frame in frames.items():
        issues = issues_for(source_id, frame, context)
        assert issues.empty, issues.to_string()


def test_a_broken_refnis_code_names_file_row_and_rule(context):
    frame = context[2]["statbel_population"].copy()
    # Ixelles (21009) in the 2019 file; a letter O typed for a zero.
    target = (frame["refnis"] == "21009") & (frame["time_period"] == 2019)
    line = int(frame.loc[target, "_line"].iloc[0])
    frame.loc[target, "refnis"] = "21OO9"
    issues = issues_for("statbel_population", frame, context)
    row = issues[(issues["rule"] == "refnis_format")].iloc[0]
    assert row["file"] == "statbel_population/vandenbroucke_belgian_municipalities_2019.csv"
    assert row["row"] == line
    assert row["value"] == "21OO9"
    text = describe_issue(row.to_dict())
    assert "vandenbroucke_belgian_municipalities_2019.csv" in text and f"row {line}" in text
    assert "refnis_format" in text
    # The same break also removes Ixelles from 2019, and the region total no longer adds up.
    assert {"all_region_areas_present", "municipal_sum_equals_region_total"} <= set(issues["rule"])


def test_an_unreadable_count_reports_the_raw_text(context):
    frame = context[2]["statbel_population"].copy()
    # the first row of the 2018 compilation (line 2 of its file): a count the parser could not read
    first = frame.index[frame["_file"] == "statbel_population/vandenbroucke_belgian_municipalities_2018.csv"][
        0
    ]
    frame.loc[first, ["population", "population_raw"]] = [pd.NA, "14.30 4"]
    issues = issues_for("statbel_population", frame, context)
    row = issues[issues["column"] == "population"].iloc[0]
    assert row["rule"] == "not_nullable" and row["value"] == "14.30 4" and row["row"] == 2


def test_municipal_sum_must_equal_the_published_total(context):
    frame = context[2]["statbel_population"].copy()
    # Add one inhabitant to Anderlecht in 2020: 1 218 255 published, 1 218 256 summed.
    target = (frame["refnis"] == "21001") & (frame["time_period"] == 2020)
    frame.loc[target, "population"] = frame.loc[target, "population"] + 1
    issues = issues_for("statbel_population", frame, context)
    assert list(issues["rule"]) == ["municipal_sum_equals_region_total"]
    assert "1218256" in issues.iloc[0]["message"] and "1218255" in issues.iloc[0]["message"]


def test_duplicate_keys_and_negative_counts(context):
    victims = context[2]["statbel_road_victims"].copy()
    victims.loc[3, "dead_30_days"] = -1
    issues = issues_for("statbel_road_victims", victims, context)
    assert issues.iloc[0][["rule", "row", "value"]].tolist() == ["count_non_negative", 5, "-1"]

    area = context[2]["statbel_area"]
    doubled = pd.concat([area, area.iloc[[0]]], ignore_index=True)
    issues = issues_for("statbel_area", doubled, context)
    assert set(issues["rule"]) == {"multiple_fields_uniqueness"}


def test_a_victim_outside_the_region_and_an_accident_outside_the_year(context):
    victims = context[2]["statbel_road_victims"].copy()
    victims.loc[0, "refnis"] = "11002"  # Antwerp
    victims.loc[1, "accident_date"] = pd.Timestamp("2019-12-31")
    issues = issues_for("statbel_road_victims", victims, context)
    assert set(issues["rule"]) == {"region_area_membership", "accident_in_reference_year"}
    assert sorted(issues["row"].tolist()) == [2, 3]


def test_validation_failed_lists_every_error(context):
    frame = context[2]["statbel_population"].copy()
    frame.loc[frame["refnis"] == "21004", "refnis"] = "2100"
    issues = issues_for("statbel_population", frame, context)
    error = ValidationFailed(issues)
    assert "error(s)" in str(error) and "2100" in str(error)


@pytest.mark.parametrize("threshold", [10**9, 1], ids=["pandera", "duckdb"])
def test_a_negative_population_is_reported_under_the_rule_it_breaks(sample_project, threshold):
    """The reader turns '-185103' into a missing count; the issue must name the bound (schemas/statbel_population
    .yaml: count_non_negative, "a population count cannot be negative"), not ask for a missing value."""
    from bisa_sdg.run import steps
    from bisa_sdg.validation.duckdb_engine import validate_any
    from tests.conftest import sample_config

    path = sample_project / "data/raw/statbel_population/vandenbroucke_belgian_municipalities_2020.csv"
    path.write_text(path.read_text(encoding="utf-8").replace('"185103"', '"-185103"', 1), encoding="utf-8")
    config = sample_config(sample_project)
    catalog, profile = steps.load_configuration(config)
    source = next(s for s in catalog.sources if s.id == "statbel_population")
    frame, _, _ = steps.ingest_source(source, config, profile)
    schema = load_schema(steps.schema_path(config.schemas_dir, source))

    issues = validate_any(frame, schema, profile, {source.id: frame}, threshold=threshold)

    assert issues[["rule", "column", "value"]].values.tolist() == [
        ["count_non_negative", "population", "-185103"]
    ]
    assert "cannot be negative" in issues.iloc[0]["message"]
