"""The indicator models (11.1.1, 11.6.2, 11.7.1, drop-ins …), run as the real .sql files on small hand-made tables with hand-worked answers.

Every expected number is worked out in a comment next to the assertion, so a reader can check the method
without running anything. Edge cases: missing years, zero denominators, empty inputs (never a row of zeros).
"""

from __future__ import annotations

import duckdb
import pytest

from bisa_sdg.warehouse import database as wh
from tests.sqlmodels import load, new_warehouse, run_models

REGION = "04000"


def profile(con: duckdb.DuckDBPyConnection, municipalities: list[str]) -> None:
    load(
        con,
        "meta.profile_areas",
        [{"ref_area": REGION, "level": "region"}]
        + [{"ref_area": m, "level": "municipality"} for m in municipalities],
    )


def population(
    con: duckdb.DuckDBPyConnection, rows: dict[tuple[str, int], int], derived: bool = False
) -> None:
    load(
        con,
        "core.population",
        [
            {
                "ref_area": a,
                "time_period": y,
                "population": p,
                "source": "statbel_population",
                "derived": derived,
            }
            for (a, y), p in rows.items()
        ],
    )


def figures(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, int, float]]) -> None:
    load(
        con,
        "staging.stg_published_figures",
        [
            {
                "topic": t,
                "ref_area": a,
                "is_country": a == "BE",
                "time_period": y,
                "value": v,
                "unit": "u",
                "source_url": "https://example.org/page",
                "note": "",
                "file": "f.csv",
            }
            for t, a, y, v in rows
        ],
    )


def empty(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    """A typed empty table: what staging holds when a drop-in folder has no file."""
    body = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    con.execute(f"create table {table} ({body})")


def rows_of(con: duckdb.DuckDBPyConnection, table: str, *columns: str) -> list[tuple]:
    """Rows of a model table, sorted; table and columns are constants of these tests, checked as identifiers."""
    schema, name = (wh.checked_identifier(part) for part in table.split("."))
    names = ", ".join(c if c == "*" else wh.checked_identifier(c) for c in columns)
    return con.execute(f"select {names} from {schema}.{name} order by all").fetchall()  # noqa: S608 - checked


# --- 11.6.2 -----------------------------------------------------------------------------------------------------


def no2_means(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, int, float | None, int, str]]) -> None:
    """staging.stg_no2_station_means from (station, year, NO2 µg/m³, hours measured, value status) rows."""
    columns = ("station_code", "time_period", "no2_ugm3", "nhours", "value_status")
    load(con, "staging.stg_no2_station_means", [dict(zip(columns, row, strict=True)) for row in rows])


def air_warehouse() -> duckdb.DuckDBPyConnection:
    con = new_warehouse()
    profile(con, ["A", "B", "C"])
    load(
        con,
        "staging.stg_aq_stations",
        [
            {"station_code": "S1", "station_type": "background", "ref_area": "A"},
            {"station_code": "S2", "station_type": "industrial", "ref_area": "A"},
            {"station_code": "S3", "station_type": "background", "ref_area": "B"},
            {"station_code": "T1", "station_type": "traffic", "ref_area": "C"},
            {"station_code": "X1", "station_type": "background", "ref_area": None},
        ],
    )
    no2_means(
        con,
        [
            ("S1", 2020, 20.0, 8000, "valid"),
            ("S2", 2020, 30.0, 8000, "valid"),
            ("S3", 2020, 40.0, 8000, "valid"),
            ("T1", 2020, 60.0, 8000, "valid"),
            ("X1", 2020, 99.0, 8000, "valid"),
            # 2015: only B measures (S1 has the publisher's -9999, read as NULL).
            ("S1", 2015, None, 5000, "not_computed_-9999"),
            ("S3", 2015, 50.0, 8000, "valid"),
            # 2019: A and B measure; the complete population years are 2018 and 2020 (equally near).
            ("S1", 2019, 10.0, 8000, "valid"),
            ("S3", 2019, 30.0, 8000, "valid"),
        ],
    )
    population(
        con,
        {
            ("A", 2020): 300,
            ("B", 2020): 100,
            ("C", 2020): 600,
            ("A", 2018): 100,
            ("B", 2018): 50,
            ("C", 2018): 250,
            ("A", 2019): 999,
        },
    )  # 2019 is incomplete (B and C missing): never used as weights
    figures(
        con,
        [("air_pm25_rio_spatial_mean", REGION, 2015, 13.4), ("air_pm25_rio_spatial_mean", "BE", 2015, 10.3)],
    )
    run_models(con, "core.ind_11_6_2")
    return con


def test_11_6_2_population_weighted_no2_over_non_traffic_stations():
    con = air_warehouse()
    values = {
        (s, a, y): (v, c)
        for s, a, y, v, c in rows_of(
            con, "core.ind_11_6_2", "series", "ref_area", "time_period", "obs_value", "comment"
        )
    }
    # Municipal means, traffic station T1 and unplaced station X1 left out: A = (20 + 30)/2 = 25; B = 40.
    assert values[("EN_ATM_NO2", "A", 2020)][0] == pytest.approx(25.0)
    assert values[("EN_ATM_NO2", "B", 2020)][0] == pytest.approx(40.0)
    assert ("EN_ATM_NO2", "C", 2020) not in values
    # Region 2020, weights 2020: (25 × 300 + 40 × 100) / (300 + 100) = (7 500 + 4 000) / 400 = 28.75;
    # covered residents 400 of 1 000 = 40.0 % ≥ 25 %.
    value, comment = values[("EN_ATM_NO2", REGION, 2020)]
    assert value == pytest.approx(28.75)
    assert "40.0 %" in comment and "1 January 2020" in comment and "S1 S2" in comment
    # 2019 lies between the complete years 2018 and 2020: the earlier one weighs. A = 10, B = 30, weights
    # 100 and 50: (10 × 100 + 30 × 50) / 150 = 2 500 / 150 = 16.667; covered 150 of 400 (2018 total) = 37.5 %.
    value, comment = values[("EN_ATM_NO2", REGION, 2019)]
    assert value == pytest.approx(2500 / 150)
    assert "1 January 2018" in comment and "37.5 %" in comment


def test_11_6_2_region_needs_a_quarter_of_the_residents():
    con = air_warehouse()
    keys = {(s, a, y) for s, a, y in rows_of(con, "core.ind_11_6_2", "series", "ref_area", "time_period")}
    # 2015: only B measures; the nearest complete population year is 2018 (3 years before 2020's 5), where B
    # holds 50 of 400 residents = 12.5 % < 25 %: B's own value, no region value.
    assert ("EN_ATM_NO2", "B", 2015) in keys
    assert ("EN_ATM_NO2", REGION, 2015) not in keys


def test_11_6_2_pm25_is_the_published_spatial_proxy():
    con = air_warehouse()
    rows = con.execute(
        "select ref_area, time_period, obs_value, nature, comment from core.ind_11_6_2 "
        "where series = 'EN_ATM_PM25'"
    ).fetchall()
    # Only the profile's areas (Belgium's 10.3 is national context, not a regional value).
    assert [(a, y, v, n) for a, y, v, n, _ in rows] == [(REGION, 2015, 13.4, "E")]
    assert "not population-weighted" in rows[0][4]


def test_11_6_2_without_any_complete_population_year_gives_no_region_value():
    con = new_warehouse()
    profile(con, ["A", "B"])
    load(
        con,
        "staging.stg_aq_stations",
        [{"station_code": "S1", "station_type": "background", "ref_area": "A"}],
    )
    no2_means(con, [("S1", 2020, 20.0, 8000, "valid")])
    population(con, {("A", 2020): 100})  # B missing: no complete year
    figures(con, [("other_topic", REGION, 2020, 1.0)])
    run_models(con, "core.ind_11_6_2")
    population_weighted = con.execute(
        "select ref_area, obs_value from core.ind_11_6_2 where series = 'EN_ATM_NO2' order by all"
    ).fetchall()
    assert population_weighted == [("A", 20.0)]
    # the worst station needs no population: the region's value is the one station's mean
    worst = con.execute(
        "select ref_area, obs_value from core.ind_11_6_2 where series = 'EN_ATM_NO2_MAX'"
    ).fetchall()
    assert worst == [(REGION, 20.0)]


# --- 11.7.1 -----------------------------------------------------------------------------------------------------


def open_space(rows: list[tuple[str, str, int, float]], builtup: list[tuple[int, float]]) -> list[tuple]:
    con = new_warehouse()
    profile(con, ["A"])
    figures(con, rows)
    load(
        con,
        "staging.stg_builtup_share",
        [
            {"ref_area": REGION, "time_period": y, "builtup_share_pct": v, "source_url": "u"}
            for y, v in builtup
        ],
    )
    run_models(con, "core.ind_11_7_1")
    return rows_of(con, "core.ind_11_7_1", "ref_area", "time_period", "obs_value", "nature", "comment")


def test_11_7_1_green_space_plus_streets_over_the_territory():
    rows = open_space(
        [
            ("green_space_accessible_share", REGION, 2023, 19.0),
            ("landuse_transport_share", REGION, 2021, 21.9),
            ("landuse_transport_share", REGION, 2010, 25.0),
        ],  # 13 years away: never paired with 2023
        [(2022, 80.4)],
    )
    # 19.0 + 21.9 = 40.9 % of the territory (the 2021 transport share is the nearest within 3 years).
    assert [(a, y, round(v, 6), n) for a, y, v, n, _ in rows] == [(REGION, 2023, 40.9, "E")]
    # Sensitivity in the comment: 40.9 / 80.4 = 0.50871… → 50.9 %.
    assert "50.9 %" in rows[0][4] and "no 400 m access" in rows[0][4]


def test_11_7_1_needs_both_shares_within_three_years():
    rows = open_space(
        [
            ("green_space_accessible_share", REGION, 2023, 19.0),
            ("landuse_transport_share", REGION, 2019, 21.9),
        ],
        [(2022, 80.4)],
    )
    assert rows == []


# --- sdg_11_10, 11.6.1, sdg_11_60 ---------------------------------------------------------------------------------


def test_sdg_11_10_passes_the_published_rate_for_profile_areas_only():
    con = new_warehouse()
    profile(con, ["A"])
    figures(
        con,
        [
            ("housing_overcrowding_rate", REGION, 2023, 31.0),
            ("housing_overcrowding_rate", "BE", 2023, 5.7),
            ("housing_overcrowding_rate", "02000", 2023, 2.6),
        ],
    )
    run_models(con, "core.ind_sdg_11_10")
    assert rows_of(con, "core.ind_sdg_11_10", "ref_area", "time_period", "obs_value") == [
        (REGION, 2023, 31.0)
    ]


def waste_warehouse() -> duckdb.DuckDBPyConnection:
    con = new_warehouse()
    profile(con, ["A"])
    load(
        con,
        "staging.stg_waste_region",
        [
            {
                "measure": m,
                "ref_area": REGION,
                "time_period": y,
                "value": v,
                "unit": "u",
                "year_mapping": ym,
                "year_proven": ym.startswith("verified"),
                "source_url": "u",
            }
            for m, y, v, ym in [
                ("municipal_waste_collected_per_capita", 2013, 388.0, "verified_by_growth_rate"),
                ("municipal_waste_collected_per_capita", 2015, 286.2, "INFERRED_UNVERIFIED"),
                (
                    "municipal_waste_recycled_or_composted_share",
                    2018,
                    46.5,
                    "verified_by_page_headline_and_growth_rate",
                ),
                ("municipal_waste_recycled_or_composted_share", 2017, 43.5, "INFERRED_UNVERIFIED"),
            ]
        ],
    )
    load(
        con,
        "staging.stg_unsd_sdg_database",
        [
            {
                "series": "EN_REF_WASCOL",
                "geo_area": "56",
                "location": "allarea",
                "city": "brussels",
                "city_ref_area": REGION,
                "nature": "C",
                "units": "percent",
                "time_period": 2015,
                "value": 100.0,
                "vintage": "2020-10",
                "vintage_order": 1,
                "source_file": "f",
            },
            {
                "series": "EN_REF_WASCOL",
                "geo_area": "56",
                "location": "allarea",
                "city": "antwerp",
                "city_ref_area": None,
                "nature": "C",
                "units": "percent",
                "time_period": 2015,
                "value": 99.0,
                "vintage": "2020-10",
                "vintage_order": 1,
                "source_file": "f",
            },
        ],
    )
    figures(
        con,
        [
            ("waste_municipal_recycling_rate_new_def", REGION, 2020, 33.7),
            ("waste_municipal_recycling_rate_new_def", REGION, 2021, 35.4),
        ],
    )
    run_models(con, "core.ind_11_6_1", "core.ind_sdg_11_60")
    return con


def test_11_6_1_and_sdg_11_60_use_only_proven_years():
    con = waste_warehouse()
    assert rows_of(con, "core.ind_11_6_1", "series", "ref_area", "time_period", "obs_value") == [
        ("EN_REF_WASCOL", REGION, 2015, 100.0),  # 'antwerp' maps to no profile area
        ("MSW_COLLECTED_PER_CAPITA", REGION, 2013, 388.0),  # 2015 is an inferred column year: held back
    ]
    assert rows_of(con, "core.ind_sdg_11_60", "series", "time_period", "obs_value") == [
        ("RECYCLING_RATE", 2020, 33.7),
        ("RECYCLING_RATE", 2021, 35.4),
        ("RECYCLING_RATE_PRE2020", 2018, 46.5),  # 2017 is inferred: held back
    ]


# --- 11.b.2 and sdg_11_31 -------------------------------------------------------------------------------------------


def emergency_plans(municipalities: list[str], with_plan: float) -> list[tuple]:
    con = new_warehouse()
    profile(con, municipalities)
    load(
        con,
        "staging.stg_local_emergency_plans",
        [
            {
                "topic": "legal_instrument",
                "ref_area": "BE",
                "time_period": 2019,
                "value_text": "AR 22/05/2019",
                "value_number": None,
                "unit_or_status": "in force",
                "source_url": "u",
                "note": "",
            },
            {
                "topic": "sdg_11b2_municipalities_with_local_drr_plan",
                "ref_area": REGION,
                "time_period": 2019,
                "value_text": str(with_plan),
                "value_number": with_plan,
                "unit_or_status": "of n",
                "source_url": "u",
                "note": "",
            },
        ],
    )
    run_models(con, "core.ind_11_b_2")
    return rows_of(con, "core.ind_11_b_2", "series", "time_period", "obs_value", "nature", "comment")


def test_11_b_2_share_of_municipalities_with_a_plan():
    rows = emergency_plans(["M1", "M2", "M3", "M4"], 3)
    values = {s: (v, n) for s, _, v, n, _ in rows}
    # 100 × 3 / 4 = 75 %; numerator 3, denominator 4.
    assert values == {"SG_DSR_SILS": (75.0, "E"), "SG_DSR_SILN": (3.0, "E"), "SG_GOV_LOGV": (4.0, "C")}
    assert "AR 22/05/2019" in rows[0][4] and "not necessarily" in rows[0][4]


def test_11_b_2_never_exceeds_the_municipalities_and_needs_some():
    assert emergency_plans(["M1", "M2"], 3) == []  # 3 of 2 is impossible: no row
    assert emergency_plans([], 0) == []  # no municipality: zero denominator, no row


def test_sdg_11_31_settlement_area_per_capita():
    con = new_warehouse()
    load(
        con,
        "core.builtup_land",
        [
            {
                "ref_area": REGION,
                "time_period": 2022,
                "builtup_share_pct": 80.4,
                "area_km2": 161.38,
                "builtup_km2": 129.75,
            },
            {
                "ref_area": REGION,
                "time_period": 2010,
                "builtup_share_pct": 78.5,
                "area_km2": 161.38,
                "builtup_km2": 126.69,
            },  # no population in 2010: no value
            {
                "ref_area": "Z",
                "time_period": 2022,
                "builtup_share_pct": 50.0,
                "area_km2": 2.0,
                "builtup_km2": 1.0,
            },
        ],
    )
    population(con, {(REGION, 2022): 1_222_637, ("Z", 2022): 0})
    run_models(con, "core.ind_sdg_11_31")
    # 129.75 km² = 129 750 000 m²; 1 222 637 × 106 = 129 599 522, remainder 150 478 / 1 222 637 = 0.1231
    # → 106.1231 m² per inhabitant. Z has no inhabitants: no row.
    assert [
        (a, y, round(v, 4))
        for a, y, v in rows_of(con, "core.ind_sdg_11_31", "ref_area", "time_period", "obs_value")
    ] == [(REGION, 2022, 106.1231)]


# --- drop-in indicators: 11.3.2, 11.4.1, 11.7.2, 11.a.1, 11.b.1 ----------------------------------------------------

CSPART_COLUMNS = {
    "ref_area": "varchar",
    "time_period": "integer",
    "evaluator_id": "varchar",
    "evaluator_sector": "varchar",
    "question": "integer",
    "score": "integer",
}


def scorecard(answers: dict[str, list[list[int]]]) -> list[dict]:
    """answers[city] = one list of four answers per evaluator (a shorter list = skipped questions)."""
    return [
        {
            "ref_area": city,
            "time_period": 2026,
            "evaluator_id": f"{city}-E{e}",
            "evaluator_sector": "academia",
            "question": q,
            "score": s,
        }
        for city, evaluators in answers.items()
        for e, scores in enumerate(evaluators, start=1)
        for q, s in enumerate(scores, start=1)
    ]


def test_11_3_2_share_of_cities_scoring_above_the_midpoint():
    con = new_warehouse()
    profile(con, ["A", "B", "C"])
    load(
        con,
        "staging.stg_cspart_scores",
        scorecard(
            {
                # A: evaluator means 3.0, 3.0, 2.0, 2.0, 3.0 → city mean 13/5 = 2.6 > 2.5: participatory.
                # The sixth evaluator skipped question 4 and is not counted (else the mean would be (13 + 1)/6).
                "A": [[3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [2, 2, 2, 2], [3, 3, 3, 3], [1, 1, 1]],
                # B: means 2.5 × 5 → 2.5, not above the midpoint (strictly greater is required).
                "B": [[2, 3, 2, 3]] * 5,
                # C: four evaluators only → set aside, neither n nor N.
                "C": [[4, 4, 4, 4]] * 4,
            }
        ),
    )
    run_models(con, "core.ind_11_3_2")
    rows = {
        (s, a): (v, c)
        for s, a, v, c in rows_of(con, "core.ind_11_3_2", "series", "ref_area", "obs_value", "comment")
    }
    # n = 1 (A), N = 2 (A, B): 100 × 1/2 = 50 %.
    assert rows[("SG_URB_CSPART", REGION)][0] == pytest.approx(50.0)
    assert "1 city(ies) set aside" in rows[("SG_URB_CSPART", REGION)][1]
    assert rows[("URB_CSPART_SCORE", "A")][0] == pytest.approx(2.6)
    assert rows[("URB_CSPART_SCORE", "B")][0] == pytest.approx(2.5)
    assert ("URB_CSPART_SCORE", "C") not in rows


def test_11_3_2_empty_scorecard_gives_no_row():
    con = new_warehouse()
    profile(con, ["A"])
    empty(con, "staging.stg_cspart_scores", CSPART_COLUMNS)
    run_models(con, "core.ind_11_3_2")
    assert rows_of(con, "core.ind_11_3_2", "*") == []


def test_11_4_1_heritage_expenditure_per_capita_in_ppp():
    con = new_warehouse()
    profile(con, ["A"])
    item = {"ref_area": REGION, "lcu_per_ppp_usd": 0.85, "level_of_government": "regional"}
    load(
        con,
        "staging.stg_heritage_expenditure",
        [
            {
                **item,
                "time_period": 2024,
                "funding": "public",
                "heritage_type": "cultural",
                "expenditure_lcu": 850_000.0,
            },
            {
                **item,
                "time_period": 2024,
                "funding": "public",
                "heritage_type": "natural",
                "expenditure_lcu": 170_000.0,
            },
            {
                **item,
                "time_period": 2024,
                "funding": "private",
                "heritage_type": "cultural",
                "expenditure_lcu": 85_000.0,
                "level_of_government": "not_applicable",
            },
            # 2023: public only (no private survey) → no …_PBPV series for 2023.
            {
                **item,
                "time_period": 2023,
                "funding": "public",
                "heritage_type": "cultural",
                "expenditure_lcu": 425_000.0,
            },
            # 2022: no population that year → no row at all.
            {
                **item,
                "time_period": 2022,
                "funding": "public",
                "heritage_type": "cultural",
                "expenditure_lcu": 1.0,
            },
        ],
    )
    population(con, {(REGION, 2024): 100_000, (REGION, 2023): 50_000})
    run_models(con, "core.ind_11_4_1")
    values = {(s, y): v for s, y, v in rows_of(con, "core.ind_11_4_1", "series", "time_period", "obs_value")}
    # 2024 in PPP$: cultural public 850 000/0.85 = 1 000 000; natural public 170 000/0.85 = 200 000;
    # cultural private 85 000/0.85 = 100 000. Per inhabitant (100 000):
    assert values[("GB_XPD_CUL_PB", 2024)] == pytest.approx(10.0)
    assert values[("GB_XPD_NAT_PB", 2024)] == pytest.approx(2.0)
    assert values[("GB_XPD_CULNAT_PB", 2024)] == pytest.approx(12.0)  # (1 000 000 + 200 000)/100 000
    assert values[("GB_XPD_CUL_PV", 2024)] == pytest.approx(1.0)
    assert values[("GB_XPD_CULNAT_PBPV", 2024)] == pytest.approx(13.0)  # 1 300 000/100 000
    assert values[("GB_XPD_CUL_PBPV", 2024)] == pytest.approx(11.0)  # 1 100 000/100 000
    assert values[("GB_XPD_NAT_PBPV", 2024)] == pytest.approx(2.0)  # private reported, none natural
    # 2023: 425 000/0.85 = 500 000 / 50 000 inhabitants = 10; no PBPV because private was not reported.
    assert values[("GB_XPD_CUL_PB", 2023)] == pytest.approx(10.0)
    assert not [k for k in values if k[1] == 2023 and k[0].endswith("PBPV")]
    assert not [k for k in values if k[1] == 2022]


def harassment_cells(rows: list[tuple[str, str, str, float, float, float, float]]) -> list[dict]:
    return [
        {
            "ref_area": REGION,
            "time_period": 2026,
            "sex": sex,
            "age": age,
            "disability_status": dis,
            "respondents": 10,
            "population_weighted": pop,
            "victims_physical_weighted": phys,
            "victims_sexual_weighted": sexual,
            "victims_any_weighted": anyv,
        }
        for sex, age, dis, pop, phys, sexual, anyv in rows
    ]


def test_11_7_2_harassment_prevalence_with_computed_totals():
    con = new_warehouse()
    profile(con, ["A"])
    load(
        con,
        "staging.stg_harassment_cells",
        harassment_cells(
            [
                ("F", "Y15T29", "PWD", 100.0, 10.0, 25.0, 30.0),
                ("M", "Y15T29", "PWD", 100.0, 8.0, 3.0, 10.0),
                ("F", "Y30T44", "PD", 50.0, 0.0, 0.0, 0.0),
                ("M", "Y30T44", "PD", 0.0, 0.0, 0.0, 0.0),  # empty cell
            ]
        ),
    )
    run_models(con, "core.ind_11_7_2")
    values = {
        (s, sex, age, dis): v
        for s, sex, age, dis, v in rows_of(
            con, "core.ind_11_7_2", "series", "sex", "age", "disability_status", "obs_value"
        )
    }
    # Total: any 30 + 10 + 0 = 40 over 100 + 100 + 50 + 0 = 250 → 16 %; never physical + sexual (46).
    assert values[("VC_VOH_SXPH", "_T", "_T", "_T")] == pytest.approx(16.0)
    # Women: 30 / 150 = 20 %; men: 10 / 100 = 10 %; persons with disability: 0 / 50 = 0 % (a real zero).
    assert values[("VC_VOH_SXPH", "F", "_T", "_T")] == pytest.approx(20.0)
    assert values[("VC_VOH_SXPH", "M", "_T", "_T")] == pytest.approx(10.0)
    assert values[("VC_VOH_SXPH", "_T", "_T", "PD")] == pytest.approx(0.0)
    # Sub-series: physical 18 / 250 = 7.2 %; sexual 28 / 250 = 11.2 %.
    assert values[("HARASSMENT_PHYSICAL_PREV", "_T", "_T", "_T")] == pytest.approx(7.2)
    assert values[("HARASSMENT_SEXUAL_PREV", "_T", "_T", "_T")] == pytest.approx(11.2)
    # The men aged 30–44 cell has no weighted population: no share (no division by zero, no zero row).
    assert ("VC_VOH_SXPH", "M", "Y30T44", "_T") not in values


def policy_scores(scores: dict[str, list[float]]) -> list[dict]:
    return [
        {
            "ref_area": REGION,
            "time_period": 2026,
            "policy_id": "PRDD",
            "policy_title": "plan",
            "evaluator_id": f"E{i}",
            "qualifier": q,
            "score_pct": s,
        }
        for q, values in scores.items()
        for i, s in enumerate(values, start=1)
    ]


def run_policy(scores: dict[str, list[float]]) -> dict[str, float]:
    con = new_warehouse()
    profile(con, ["A"])
    load(con, "staging.stg_urban_policy_scores", policy_scores(scores))
    run_models(con, "core.ind_11_a_1")
    return dict(con.execute("select series, obs_value from core.ind_11_a_1").fetchall())


def test_11_a_1_the_metadata_example_does_not_count():
    # UN metadata table 1: a = 40 %, b = 20 %, c = 75 % → X = (40 + 20 + 75)/3 = 45 < 51 → 0 (evaluated, short).
    values = run_policy({"a": [40.0], "b": [20.0], "c": [75.0]})
    assert values == {"SD_CPA_UPRDP": 0.0, "UPRDP_SCORE": pytest.approx(45.0)}


def test_11_a_1_averages_evaluators_then_qualifiers():
    # Qa = (60 + 80)/2 = 70; Qb = (50 + 60)/2 = 55; Qc = (40 + 50)/2 = 45; X = 170/3 = 56.67 ≥ 51 → 1.
    values = run_policy({"a": [60.0, 80.0], "b": [50.0, 60.0], "c": [40.0, 50.0]})
    assert values == {"SD_CPA_UPRDP": 1.0, "UPRDP_SCORE": pytest.approx(170 / 3)}


def test_11_a_1_a_qualifier_nobody_scored_gives_no_row():
    assert run_policy({"a": [90.0], "b": [90.0]}) == {}


def run_sendai(scores: list[float]) -> list[tuple]:
    con = new_warehouse()
    profile(con, ["A"])
    load(
        con,
        "staging.stg_sendai_scores",
        [
            {
                "ref_area": REGION,
                "time_period": 2026,
                "strategy_id": "S",
                "strategy_title": "t",
                "key_element": k,
                "score": s,
            }
            for k, s in enumerate(scores, start=1)
        ],
    )
    run_models(con, "core.ind_11_b_1")
    return rows_of(con, "core.ind_11_b_1", "series", "obs_value")


def test_11_b_1_mean_of_ten_key_elements():
    # (1 + 1 + 0.5 + 0.5 + 0.5 + 0.25 + 0.25 + 0 + 0 + 1) / 10 = 5.0 / 10 = 0.5.
    assert run_sendai([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0, 0, 1]) == [("SG_DSR_LGRGSR", 0.5)]
    # Nine elements: incomplete scorecard, no value (not a low score).
    assert run_sendai([1] * 9) == []


def test_drop_in_models_run_on_empty_inputs():
    con = new_warehouse()
    profile(con, ["A"])
    population(con, {(REGION, 2024): 1})
    empty(con, "staging.stg_cspart_scores", CSPART_COLUMNS)
    empty(
        con,
        "staging.stg_heritage_expenditure",
        {
            "ref_area": "varchar",
            "time_period": "integer",
            "funding": "varchar",
            "heritage_type": "varchar",
            "level_of_government": "varchar",
            "expenditure_lcu": "double",
            "lcu_per_ppp_usd": "double",
        },
    )
    empty(
        con,
        "staging.stg_harassment_cells",
        {
            "ref_area": "varchar",
            "time_period": "integer",
            "sex": "varchar",
            "age": "varchar",
            "disability_status": "varchar",
            "respondents": "bigint",
            "population_weighted": "double",
            "victims_physical_weighted": "double",
            "victims_sexual_weighted": "double",
            "victims_any_weighted": "double",
        },
    )
    empty(
        con,
        "staging.stg_urban_policy_scores",
        {
            "ref_area": "varchar",
            "time_period": "integer",
            "policy_id": "varchar",
            "policy_title": "varchar",
            "evaluator_id": "varchar",
            "qualifier": "varchar",
            "score_pct": "double",
        },
    )
    empty(
        con,
        "staging.stg_sendai_scores",
        {
            "ref_area": "varchar",
            "time_period": "integer",
            "strategy_id": "varchar",
            "strategy_title": "varchar",
            "key_element": "integer",
            "score": "double",
        },
    )
    models = ("core.ind_11_3_2", "core.ind_11_4_1", "core.ind_11_7_2", "core.ind_11_a_1", "core.ind_11_b_1")
    run_models(con, *models)
    for model in models:
        assert rows_of(con, model, "*") == [], model


# --- curated.indicator_coverage ---------------------------------------------------------------------------------


def test_coverage_status_follows_the_values():
    con = new_warehouse()
    profile(con, ["A"])
    load(
        con,
        "meta.indicator_registry",
        [
            {
                "indicator_id": i,
                "framework": "UN",
                "target": "11.x",
                "title_en": i,
                "title_fr": i,
                "title_nl": i,
                "series_expected": "S",
                "status_when_empty": status,
                "reason_when_empty": f"why not {i}",
                "note_when_computed": note,
                "eurostat_code": None,
                "related": None,
                "model": None,
                "inputs": None,
                "input_folders": None,
                "applicability": "applies",
                "position": p,
            }
            for p, (i, status, note) in enumerate(
                [("1.1", "no_data", "proxy!"), ("1.2", "not_applicable", None), ("1.3", "no_data", None)],
                start=1,
            )
        ],
    )
    load(
        con,
        "core.ind_test",
        [
            {
                "indicator_id": "1.1",
                "series": "S",
                "ref_area": REGION,
                "time_period": 2020,
                "obs_value": 1.0,
                "nature": "E",
            },
            {"indicator_id": "1.1", "series": "S", "ref_area": "A", "time_period": 2022, "obs_value": 2.0},
            {"indicator_id": "9.9", "series": "Q", "ref_area": "A", "time_period": 2021, "obs_value": 3.0},
        ],
    )
    load(con, "meta.sources", [{"source_id": "s", "synthetic": False}])
    run_models(con, "curated.indicator_values", "curated.indicator_coverage")
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select indicator_id, status, reason, areas, region_has_values, first_year, last_year, observations, "
            "estimated from curated.indicator_coverage"
        ).fetchall()
    }
    assert rows["1.1"] == ("computed", "proxy!", 2, True, 2020, 2022, 2, True)
    # No values: the registry's status and reason, statistics NULL (never zeros), 0 observations.
    assert rows["1.2"] == ("not_applicable", "why not 1.2", None, None, None, None, 0, None)
    assert rows["1.3"] == ("no_data", "why not 1.3", None, None, None, None, 0, None)
    # A model whose indicator is not in the registry still shows up, flagged.
    assert rows["9.9"][0] == "computed" and "not in config/indicators.yaml" in rows["9.9"][1]
    order = [r[0] for r in con.execute("select indicator_id from curated.indicator_coverage").fetchall()]
    assert order == ["1.1", "1.2", "1.3", "9.9"]
