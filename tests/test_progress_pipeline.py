"""A full build of the shipped sample with the pipeline functions (no Prefect): curated.progress and
curated.agenda_scorecard answer for every target of config/targets.csv, and curated.benchmarks is filled."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bisa_sdg.config.targets import load_agenda_groups, load_targets
from bisa_sdg.progress.methods import CATEGORIES
from bisa_sdg.progress.table import VARIANTS
from bisa_sdg.run import steps as p
from bisa_sdg.warehouse import database as wh

AGENDA_GROUPS = load_agenda_groups(Path(__file__).resolve().parents[1] / "config" / "agenda_groups.yaml")

pytestmark = pytest.mark.slow

REGION = "04000"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The session's build of the shipped sample (tests/outputs_support.py), without Prefect."""
    from tests.conftest import sample_config
    from tests.outputs_support import build_sample_warehouse

    warehouse = build_sample_warehouse(tmp_path_factory.mktemp("sample"))
    config = sample_config(warehouse.parents[2])
    profile = p.load_configuration(config)[1]
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con, load_targets(config.targets_file(profile.targets_path))
    con.close()


def test_every_target_is_assessed_for_the_region_by_every_method(built):
    con, targets = built
    rows = con.execute(
        "select target_id, method, eurostat_window, headline, category from curated.progress "
        "where ref_area = ? and target_id is not null",
        [REGION],
    ).df()
    assert set(rows["target_id"]) == set(targets["target_id"])
    per_target = rows.groupby("target_id").agg(n=("method", "size"), headline=("headline", "sum"))
    assert (per_target["n"] == len(VARIANTS)).all() and (per_target["headline"] == 1).all()
    for rec in rows.to_dict("records"):
        assert rec["category"] in CATEGORIES[rec["method"]], rec


def test_scorecard_has_a_readable_row_per_agenda_for_the_region(built):
    con, targets = built
    card = con.execute("select * from curated.agenda_scorecard where ref_area = ?", [REGION]).df()
    assert list(card["agenda_group"]) == [g.code for g in AGENDA_GROUPS]
    assert card["n_targets"].sum() == len(targets)
    counted = card[
        [
            "n_target_met",
            "n_on_track",
            "n_moderate_progress",
            "n_marginal_progress",
            "n_stagnation",
            "n_regression",
            "n_numeric_not_assessable",
        ]
    ].sum(axis=1)
    assert (counted == card["n_numeric"]).all()
    assert (card["n_numeric"] + card["n_direction"] == card["n_targets"]).all()
    assert card["headline"].str.endswith(".").all() and card["headline"].str.len().gt(40).all()
    # every indicator that carries a target is named in its agenda's row
    named = {i.strip() for text in card["indicators"] for i in text.split(",")}
    assert named == set(targets["indicator_id"])


def test_no2_has_a_trend_against_who_and_the_eu_limit(built):
    # The shipped sample has region NO2 from 2015 on: both air-quality targets get a class, not a gap. The EU
    # limit row reads the worst station (EN_ATM_NO2_MAX, produced by main's ingestion from 0a8b801 on; on the
    # verdicts branch alone, before that merge, the EU row has no data and this test fails).
    con, _ = built
    rows = dict(
        con.execute(
            "select target_id, category from curated.progress where ref_area = ? and headline "
            "and target_id in ('who_aqg2021_no2_annual', 'eu_aaqd2024_no2_annual')",
            [REGION],
        ).fetchall()
    )
    assert set(rows) == {"who_aqg2021_no2_annual", "eu_aaqd2024_no2_annual"}
    assert all(category != "insufficient_data" for category in rows.values())


def test_benchmarks_and_documentation(built):
    con, _ = built
    bench = con.execute("select * from curated.benchmarks").df()
    assert set(bench["benchmark"]) == {"sdsn_sdr2025", "sdsn_eu_cities_2019"}
    brussels = bench[bench["benchmark"] == "sdsn_eu_cities_2019"]
    assert set(brussels["area_overall_rank"]) == {25} and set(brussels["peers_ranked"]) == {45}
    placed = bench[bench["region_value"].notna() & (bench["benchmark"] == "sdsn_sdr2025")]
    assert not placed.empty and placed["region_band"].isin(["green", "yellow", "orange", "red"]).all()
    assert wh.undocumented(con) == []
