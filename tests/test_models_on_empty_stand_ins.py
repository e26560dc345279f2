"""The staging and indicator models bind on empty stand-in tables built from the schemas alone (a region whose profile leaves
the sources out): every raw column a staging model reads must be declared in the source's schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from bisa_sdg.warehouse import database as wh
from bisa_sdg.warehouse.registry import load_registry_tables
from tests.sqlmodels import load, new_warehouse, run_models

ROOT = Path(__file__).resolve().parents[1]
ISSUE3_SOURCES = (
    "irceline_station_annual_means",
    "eea_aq_stations",
    "fpb_indicators_waste_by_region",
    "published_figures_sdg11",
    "be_local_emergency_planning_law",
    "unsd_sdg_database",
    "cspart_scorecard",
    "heritage_expenditure",
    "harassment_survey",
    "urban_policy_evaluation",
    "sendai_drr_scorecard",
)
MODELS = (
    "staging.stg_areas",
    "staging.stg_aq_stations",
    "staging.stg_no2_station_means",
    "staging.stg_waste_region",
    "staging.stg_published_figures",
    "staging.stg_local_emergency_plans",
    "staging.stg_unsd_sdg_database",
    "staging.stg_cspart_scores",
    "staging.stg_heritage_expenditure",
    "staging.stg_harassment_cells",
    "staging.stg_urban_policy_scores",
    "staging.stg_sendai_scores",
    "core.ind_11_6_2",
    "core.ind_11_7_1",
    "core.ind_11_6_1",
    "core.ind_sdg_11_60",
    "core.ind_sdg_11_10",
    "core.ind_11_b_2",
    "core.ind_sdg_11_31",
    "core.ind_11_3_2",
    "core.ind_11_4_1",
    "core.ind_11_7_2",
    "core.ind_11_a_1",
    "core.ind_11_b_1",
    "curated.national_context",
)


def test_models_run_on_schema_stand_ins_and_write_nothing():
    regions = pytest.importorskip("bisa_sdg.run.regions")
    con = new_warehouse()
    for source_id in ISSUE3_SOURCES:
        wh.load_frame(con, "raw", source_id, regions.empty_frame(ROOT / "schemas" / f"{source_id}.yaml"))
    load(
        con,
        "meta.profile_areas",
        [
            {"ref_area": "03000", "level": "region", "parent_area": "056"},
            {"ref_area": "62063", "level": "municipality", "parent_area": "03000"},
        ],
    )
    load(
        con,
        "raw.statbel_area",
        [
            {
                "refnis": "62063",
                "name_fr": "Liège",
                "name_nl": "Luik",
                "area_cadastral_km2": 69.4,
                "area_gis_km2": 69.4,
            }
        ],
    )
    load(
        con,
        "core.population",
        [{"ref_area": "62063", "time_period": 2020, "population": 1, "source": "s", "derived": False}],
    )
    load(
        con,
        "core.builtup_land",
        [
            {
                "ref_area": "03000",
                "time_period": 2020,
                "builtup_share_pct": 1.0,
                "area_km2": 1.0,
                "builtup_km2": 0.01,
            }
        ],
    )
    con.execute(
        "create table staging.stg_builtup_share (ref_area varchar, time_period integer, "
        "builtup_share_pct double, source_url varchar)"
    )
    run_models(con, *MODELS)
    for model in MODELS:
        if model.startswith(("core.ind_", "curated.")):
            schema, name = (wh.checked_identifier(part) for part in model.split("."))
            assert con.execute(f"select count(*) from {schema}.{name}").fetchone() == (0,), model  # noqa: S608


def test_coverage_model_runs_with_the_real_registry_and_no_values():
    con = new_warehouse()
    load(con, "meta.profile_areas", [{"ref_area": "04000", "level": "region"}])
    load(con, "meta.sources", [{"source_id": "s", "synthetic": False}])
    registry = load_registry_tables(con, ROOT / "config/indicators.yaml")
    run_models(con, "curated.indicator_values", "curated.indicator_coverage")
    rows = con.execute("select indicator_id, status, reason from curated.indicator_coverage").fetchall()
    assert [r[0] for r in rows] == list(registry.ids)
    assert all(status in ("no_data", "not_applicable") and reason for _, status, reason in rows)
    assert wh.undocumented(con) == []
