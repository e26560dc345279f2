"""11.3.1 land consumption, road deaths per 100 000 and the region's population, computed by the real SQL models on
hand-made inputs with hand-worked answers."""

from __future__ import annotations

import pytest

from tests.sqlmodels import load, new_warehouse, run_models


def land_and_population(
    builtup: dict[int, float],
    population: dict[int, int],
    fpb_share: dict[int, float] | None = None,
    derived: frozenset[int] = frozenset(),
):
    """11.3.1 on hand-made inputs: cadastral built-up land in km² per year, FPB shares (% of 100 km²) per year;
    the population of the years in ``derived`` is marked derived (from a published level and growth)."""
    con = new_warehouse()
    load(
        con,
        "core.land_use",
        [
            {"ref_area": "R", "time_period": y, "area_total_ha": 0.0, "builtup_ha": v * 100, "green_ha": 0.0}
            for y, v in builtup.items()
        ],
    )
    load(
        con,
        "core.builtup_land",
        [
            {"ref_area": "R", "time_period": y, "builtup_share_pct": s, "area_km2": 100.0, "builtup_km2": s}
            for y, s in (fpb_share or {}).items()
        ]
        or [
            {"ref_area": "X", "time_period": 0, "builtup_share_pct": 0.0, "area_km2": 0.0, "builtup_km2": 0.0}
        ],
    )
    load(
        con,
        "core.population",
        [
            {
                "ref_area": "R",
                "time_period": y,
                "population": p,
                "source": "s",
                "derived": y in derived,
                "flag": None,
            }
            for y, p in population.items()
        ],
    )
    run_models(con, "core.ind_11_3_1")
    rows = con.execute(
        "select series, time_period, obs_value, comment, obs_status, obs_lower, obs_upper, nature, source "
        "from core.ind_11_3_1"
    ).fetchall()
    return {(series, year): (value, comment, *rest) for series, year, value, comment, *rest in rows}


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


def test_11_3_1_marks_every_period_touching_a_derived_population_as_estimated():
    # Built-up 100, 105, 110, 115.5 km² and population 1 000 000, 1 040 000 (derived), 1 100 000, 1 200 000 in
    # 2010, 2015, 2020, 2025. A period is estimated (obs_status E) when either end's population is derived.
    values = land_and_population(
        {2010: 100.0, 2015: 105.0, 2020: 110.0, 2025: 115.5},
        {2010: 1_000_000, 2015: 1_040_000, 2020: 1_100_000, 2025: 1_200_000},
        derived=frozenset({2015}),
    )
    status = {year: values[("EN_LND_CNSPOP", year)][2] for year in (2015, 2020, 2025)}
    assert status == {2015: "E", 2020: "E", 2025: "A"}  # derived at the end, at the start, at neither
    assert values[("POPULATION_GROWTH_RATE", 2020)][2] == "E"
    assert "derived from a published level" in values[("EN_LND_CNSPOP", 2020)][1]
    assert "derived" not in values[("EN_LND_CNSPOP", 2025)][1]
    # nature: estimated where a derived population enters, compiled (C) from cadastral hectares and counts otherwise
    assert {year: values[("EN_LND_CNSPOP", year)][5] for year in (2015, 2020, 2025)} == {
        2015: "E",
        2020: "E",
        2025: "C",
    }
    # sources: the land-use file for every series, the population file where population enters the figure
    assert values[("EN_LND_CNSPOP", 2025)][6] == "statbel_land_use,statbel_population"
    assert values[("BUILTUP_AREA_PER_CAPITA", 2025)][6] == "statbel_land_use,statbel_population"
    assert values[("LAND_CONSUMPTION_RATE", 2025)][6] == "statbel_land_use"
    assert values[("BUILTUP_AREA_CHANGE", 2025)][6] == "statbel_land_use"
    # 2010–2015: LCR = 5/100/5 = 0.01; PGR = ln(1.04)/5 = 0.00784414; ratio = 1.274837
    assert values[("EN_LND_CNSPOP", 2015)][0] == pytest.approx(1.274837, rel=1e-6)
    # Built-up area per person is the period's later year: 105e6 m² / 1 040 000 = 100.961538 (2015),
    # 110e6 / 1 100 000 = 100.0 (2020), 115.5e6 / 1 200 000 = 96.25 (2025); the earlier year's figure would give
    # 100.0, 100.961538 and 100.0.
    per_capita = {year: values[("BUILTUP_AREA_PER_CAPITA", year)][0] for year in (2015, 2020, 2025)}
    assert per_capita == {
        2015: pytest.approx(100.961538),
        2020: pytest.approx(100.0),
        2025: pytest.approx(96.25),
    }


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


def test_11_3_1_takes_the_fpb_share_only_after_the_cadastre_and_records_the_break():
    # Cadastre 2014, 2015 (built-up 50 → 50.5 km²); FPB shares of 100 km²: 2010 49.0 %, 2015 50.0 %, 2020 51.0 %.
    # Population 1 000 000 (2010, 2014), 1 010 000 (2015), 1 061 520 (2020).
    values = land_and_population(
        {2014: 50.0, 2015: 50.5},
        {2010: 1_000_000, 2014: 1_000_000, 2015: 1_010_000, 2020: 1_061_520},
        fpb_share={2010: 49.0, 2015: 50.0, 2020: 51.0},
    )
    ratio_years = sorted(year for series, year in values if series == "EN_LND_CNSPOP")
    # the FPB period 2010–2015 overlaps the cadastre: not used; 2015 is the cadastre's period 2014–2015
    assert ratio_years == [2015, 2020]
    # 2014–2015 (cadastre): LCR = 0.5/50 = 0.01; PGR = ln(1.01) = 0.00995033; ratio = 1.004992
    assert values[("EN_LND_CNSPOP", 2015)][0] == pytest.approx(1.004992, rel=1e-6)
    assert values[("EN_LND_CNSPOP", 2015)][2] == "A"
    # 2015–2020 (FPB): LCR = (51 − 50)/50/5 = 0.004; PGR = ln(1.0510099)/5 = 0.00995 → ratio 0.402
    # (ln 1.0510099 = 0.0497516, /5 = 0.00995033; 0.004/0.00995033 = 0.401997) — the first FPB period: a break
    value, comment, status, low, high, *_ = values[("EN_LND_CNSPOP", 2020)]
    assert value == pytest.approx(0.401997, rel=1e-5)
    assert status == "B" and "SERIES BREAK" in comment
    # shares published to one decimal: LCR in [(50.95 − 50.05)/50.05/5, (51.05 − 49.95)/49.95/5]
    # = [0.00359640, 0.00440440] → ratio in [0.361435, 0.442640]
    assert (low, high) == (pytest.approx(0.361435, rel=1e-5), pytest.approx(0.442640, rel=1e-5))
    assert values[("EN_LND_CNSPOP", 2015)][3:5] == (None, None)  # cadastral hectares and counts are exact


def test_road_deaths_per_100_000():
    con = new_warehouse()
    load(
        con,
        "core.road_deaths",
        [
            {
                "ref_area": "A",
                "time_period": 2020,
                "deaths_30_days": 3,
                "source": "s",
                "flags": None,
                "source_url": None,
            },
            {
                "ref_area": "B",
                "time_period": 2020,
                "deaths_30_days": 0,
                "source": "s",
                "flags": None,
                "source_url": None,
            },
            {
                "ref_area": "C",
                "time_period": 2020,
                "deaths_30_days": 1,
                "source": "s",
                "flags": None,
                "source_url": None,
            },
            {
                "ref_area": "A",
                "time_period": 2019,
                "deaths_30_days": 4,
                "source": "h",
                "flags": "DERIVED",
                "source_url": "u",
            },
        ],
    )
    load(
        con,
        "core.population",
        [
            {
                "ref_area": "A",
                "time_period": 2020,
                "population": 150_000,
                "source": "s",
                "derived": False,
                "flag": None,
            },
            {
                "ref_area": "B",
                "time_period": 2020,
                "population": 20_000,
                "source": "s",
                "derived": False,
                "flag": None,
            },
            {
                "ref_area": "C",
                "time_period": 2020,
                "population": 0,
                "source": "s",
                "derived": False,
                "flag": None,
            },
            {
                "ref_area": "A",
                "time_period": 2019,
                "population": 160_000,
                "source": "s",
                "derived": False,
                "flag": None,
            },
        ],
    )
    run_models(con, "core.ind_sdg_11_40")
    rates = dict(
        con.execute("select ref_area, obs_value from core.ind_sdg_11_40 where time_period = 2020").fetchall()
    )
    # 3 / 150 000 × 100 000 = 2.0 ; 0 / 20 000 = 0 (a real zero) ; C has no population: no rate, no division by 0.
    assert rates == {"A": pytest.approx(2.0), "B": 0.0}
    # 2019: 4 / 160 000 × 100 000 = 2.5, from a DERIVED count: an estimate, and the comment says so
    ((rate, status, comment),) = con.execute(
        "select obs_value, obs_status, comment from core.ind_sdg_11_40 where time_period = 2019"
    ).fetchall()
    assert (rate, status) == (pytest.approx(2.5), "E") and "count marked DERIVED" in comment


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
            {"ref_area": "M1", "time_period": 2019, "population": 10, "flag": None},
            {"ref_area": "M2", "time_period": 2019, "population": 5, "flag": None},
            {
                "ref_area": "M1",
                "time_period": 2020,
                "population": 11,
                "flag": None,
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
