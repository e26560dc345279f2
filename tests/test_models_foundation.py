"""The first indicators, computed by the real SQL models on hand-made inputs with hand-worked answers."""

from __future__ import annotations

import pytest

from tests.sqlmodels import load, new_warehouse, run_models


def land_and_population(builtup: dict[int, float], population: dict[int, int]):
    con = new_warehouse()
    load(
        con,
        "core.builtup_land",
        [
            {"ref_area": "R", "time_period": y, "builtup_share_pct": 0.0, "area_km2": 0.0, "builtup_km2": v}
            for y, v in builtup.items()
        ],
    )
    load(
        con,
        "core.population",
        [
            {"ref_area": "R", "time_period": y, "population": p, "source": "s", "derived": False}
            for y, p in population.items()
        ],
    )
    run_models(con, "core.ind_11_3_1")
    rows = con.execute("select series, time_period, obs_value, comment from core.ind_11_3_1").fetchall()
    return {(series, year): (value, comment) for series, year, value, comment in rows}


def test_11_3_1_growing_city():
    # UN metadata (2021): LCR = (V_now − V_past)/V_past/t ; PGR = ln(P_now/P_past)/t.
    # V 100 → 110 km² over 10 years: LCR = 10/100/10 = 0.01.
    # P 1 000 000 → 1 100 000: PGR = ln(1.1)/10 = 0.0953102/10 = 0.00953102; ratio = 0.01/0.00953102 = 1.049206.
    values = land_and_population({2010: 100.0, 2020: 110.0}, {2010: 1_000_000, 2020: 1_100_000})
    assert values[("LAND_CONSUMPTION_RATE", 2020)][0] == pytest.approx(0.01)
    assert values[("POPULATION_GROWTH_RATE", 2020)][0] == pytest.approx(0.00953102, rel=1e-6)
    assert values[("EN_LND_CNSPOP", 2020)][0] == pytest.approx(1.049206, rel=1e-6)
    # Secondary: 110 km² = 110e6 m² over 1.1e6 people = 100 m² per person; built-up area grew by 10 %.
    assert values[("BUILTUP_AREA_PER_CAPITA", 2020)][0] == pytest.approx(100.0)
    assert values[("BUILTUP_AREA_CHANGE", 2020)][0] == pytest.approx(10.0)
    assert "2010–2020" in values[("EN_LND_CNSPOP", 2020)][1]


def test_11_3_1_uses_consecutive_known_years_only():
    # Built-up known 2000, 2010, 2020; population known 2010, 2015, 2020 → one period, 2010–2020.
    values = land_and_population(
        {2000: 90.0, 2010: 100.0, 2020: 110.0}, {2010: 1_000, 2015: 1_050, 2020: 1_100}
    )
    assert {year for _, year in values} == {2020}


def test_11_3_1_shrinking_and_stable_population():
    # P 1 000 000 → 900 000 over 10 y: PGR = ln(0.9)/10 = −0.01053605; ratio = 0.01/−0.01053605 = −0.949122.
    values = land_and_population({2010: 100.0, 2020: 110.0}, {2010: 1_000_000, 2020: 900_000})
    assert values[("EN_LND_CNSPOP", 2020)][0] == pytest.approx(-0.949122, rel=1e-6)
    assert "population shrank" in values[("EN_LND_CNSPOP", 2020)][1]
    # No growth at all: the ratio is undefined, so no ratio row (never a zero), but LCR is still published.
    values = land_and_population({2010: 100.0, 2020: 110.0}, {2010: 1_000, 2020: 1_000})
    assert ("EN_LND_CNSPOP", 2020) not in values
    assert values[("LAND_CONSUMPTION_RATE", 2020)][0] == pytest.approx(0.01)


def test_road_deaths_per_100_000():
    con = new_warehouse()
    load(
        con,
        "core.road_deaths",
        [
            {"ref_area": "A", "time_period": 2020, "deaths_30_days": 3},
            {"ref_area": "B", "time_period": 2020, "deaths_30_days": 0},
            {"ref_area": "C", "time_period": 2020, "deaths_30_days": 1},
        ],
    )
    load(
        con,
        "core.population",
        [
            {"ref_area": "A", "time_period": 2020, "population": 150_000, "source": "s", "derived": False},
            {"ref_area": "B", "time_period": 2020, "population": 20_000, "source": "s", "derived": False},
            {"ref_area": "C", "time_period": 2020, "population": 0, "source": "s", "derived": False},
        ],
    )
    run_models(con, "core.ind_sdg_11_40")
    rates = dict(con.execute("select ref_area, obs_value from core.ind_sdg_11_40").fetchall())
    # 3 / 150 000 × 100 000 = 2.0 ; 0 / 20 000 = 0 (a real zero) ; C has no population: no rate, no division by 0.
    assert rates == {"A": pytest.approx(2.0), "B": 0.0}


def test_region_population_is_the_sum_of_complete_municipal_years():
    con = new_warehouse()
    load(
        con,
        "meta.profile_areas",
        [
            {"ref_area": "R", "level": "region"},
            {"ref_area": "M1", "level": "municipality"},
            {"ref_area": "M2", "level": "municipality"},
        ],
    )
    load(
        con,
        "staging.stg_population_municipal",
        [
            {"ref_area": "M1", "time_period": 2019, "population": 10},
            {"ref_area": "M2", "time_period": 2019, "population": 5},
            {
                "ref_area": "M1",
                "time_period": 2020,
                "population": 11,
            },  # M2 missing in 2020: not a complete year
        ],
    )
    load(
        con,
        "staging.stg_population_region_published",
        [
            {
                "ref_area": "R",
                "time_period": 2019,
                "population": 999,
                "derived": False,
                "source_url": "",
                "note": "",
            },
            {
                "ref_area": "R",
                "time_period": 2020,
                "population": 17,
                "derived": True,
                "source_url": "",
                "note": "",
            },
        ],
    )
    run_models(con, "core.population")
    region = dict(
        con.execute("select time_period, population from core.population where ref_area = 'R'").fetchall()
    )
    # 2019: 10 + 5 = 15 from the municipalities (preferred over the published 999); 2020: published 17.
    assert region == {2019: 15, 2020: 17}
