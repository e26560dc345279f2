"""curated.equity on hand-worked numbers: three municipalities A, B, C of a region R.

Populations 100, 200, 700 (shares p = 0.1, 0.2, 0.7); values in year 1: 50, 80, 100 (% of the population
with access to public transport, a share of persons, so population-weighted).

  weighted mean  mu = 0.1*50 + 0.2*80 + 0.7*100 = 5 + 16 + 70 = 91
  deviations     -41, -11, 9; squares 1681, 121, 81
  weighted var   0.1*1681 + 0.2*121 + 0.7*81 = 168.1 + 24.2 + 56.7 = 249.0
  sd             sqrt(249) = 15.77973
  CV             15.77973 / 91 = 0.173404
  Theil T        sum p_i (x_i/mu) ln(x_i/mu):
                 0.1*(50/91)*ln(50/91)   = 0.1*0.549451*(-0.598837) = -0.032903
                 0.2*(80/91)*ln(80/91)   = 0.2*0.879121*(-0.128833) = -0.022652
                 0.7*(100/91)*ln(100/91) = 0.7*1.098901*( 0.094311) =  0.072547
                 T = 0.016992
  unweighted     mean 76.6667; squares of deviations 711.11, 11.11, 544.44; var 1266.67/3 = 422.22;
                 sd 20.5480; CV 0.268018

Year 2: values 60, 80, 100, same populations:
  mu = 6 + 16 + 70 = 92; deviations -32, -12, 8; weighted var 102.4 + 28.8 + 44.8 = 176.0
  sd = 13.26650; CV = 0.144201; change since year 1: 0.144201 - 0.173404 = -0.029203 (narrowing)
  worst-off (more is better): A with 60; region value 92, gap 60 - 92 = -32
"""

from __future__ import annotations

import pandas as pd
import pytest

from bisa_sdg.progress.equity import equity_frame, nearest_population, theil_t, weighted_cv
from tests.sqlmodels import load, new_warehouse, run_models

POP = [100.0, 200.0, 700.0]


def test_weighted_cv_and_theil_on_hand_worked_numbers() -> None:
    assert weighted_cv([50, 80, 100], POP) == pytest.approx(0.173404, abs=1e-6)
    assert theil_t([50, 80, 100], POP) == pytest.approx(0.016992, abs=1e-6)
    assert weighted_cv([50, 80, 100], [1, 1, 1]) == pytest.approx(0.268018, abs=1e-6)
    assert theil_t([70, 70, 70], POP) == pytest.approx(0.0, abs=1e-12)  # all equal: no inequality


def _values(
    series: str, unit: str, year_values: dict[int, list[float]], region: dict[int, float]
) -> pd.DataFrame:
    rows = [
        {
            "indicator_id": "x",
            "series": series,
            "unit_measure": unit,
            "ref_area": area,
            "time_period": year,
            "obs_value": value,
        }
        for year, values in year_values.items()
        for area, value in zip(["A", "B", "C"], values, strict=True)
    ]
    rows += [
        {
            "indicator_id": "x",
            "series": series,
            "unit_measure": unit,
            "ref_area": "R",
            "time_period": year,
            "obs_value": value,
        }
        for year, value in region.items()
    ]
    return pd.DataFrame(rows)


def _population(years: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"ref_area": a, "time_period": y, "population": p}
            for y in years
            for a, p in zip("ABC", POP, strict=True)
        ]
    )


def test_equity_rows_weighted_share_with_trend_and_worst_off() -> None:
    values = _values("SP_TRN_PUBL", "PT", {2020: [50, 80, 100], 2021: [60, 80, 100]}, {2020: 91, 2021: 92})
    frame = equity_frame(
        values,
        ["A", "B", "C"],
        "R",
        _population([2020, 2021]),
        {"SP_TRN_PUBL": ("increase", "config/targets.csv")},
    )
    first, second = frame.sort_values("time_period").to_dict("records")
    assert first["n_areas"] == 3 and first["min_value"] == 50 and first["max_value"] == 100
    assert first["max_min_ratio"] == pytest.approx(2.0)
    assert first["weighting"].startswith("population-weighted")
    assert first["cv"] == pytest.approx(0.173404, abs=1e-6)
    assert first["theil_t"] == pytest.approx(0.016992, abs=1e-6)
    assert first["mean_value"] == pytest.approx(91.0)
    assert first["population_years"] == "same year (2020)"
    assert pd.isna(first["previous_year"]) and pd.isna(first["spread_trend"])
    assert second["cv"] == pytest.approx(0.144201, abs=1e-6)
    assert second["cv_change"] == pytest.approx(-0.029203, abs=1e-6)
    assert second["spread_trend"] == "narrowing" and second["previous_year"] == 2020
    assert second["worst_area"] == "A" and second["worst_value"] == 60
    assert second["worst_gap_to_region"] == pytest.approx(-32.0)


def test_equity_unweighted_for_a_share_of_land_and_no_direction() -> None:
    values = _values("GREEN_LAND_SHARE", "PT", {2015: [50, 80, 100]}, {})
    (row,) = equity_frame(values, ["A", "B", "C"], "R", _population([2015]), {}).to_dict("records")
    assert row["weighting"].startswith("unweighted")
    assert row["cv"] == pytest.approx(0.268018, abs=1e-6)
    assert (
        row["mean_value"] == pytest.approx(76.666667, abs=1e-6)
        and row["population_years"] == "not used (unweighted)"
    )
    assert pd.isna(row["theil_t"])  # Theil needs a quantity per inhabitant
    assert pd.isna(row["worst_area"]) and pd.isna(row["direction"])
    assert row["direction_source"] == "no direction in targets or registry"


def test_nearest_population_year_is_said() -> None:
    pops, rule = nearest_population(_population([2019, 2022]), ["A", "B"], 2020)
    assert pops == {"A": 100.0, "B": 200.0} and rule == "nearest year: 2019"
    # a tie (2019 and 2021 for 2020) takes the earlier year
    _, rule = nearest_population(_population([2019, 2021]), ["A"], 2020)
    assert rule == "nearest year: 2019"


def test_equity_model_runs_and_is_documented() -> None:
    con = new_warehouse()
    values = _values("ROAD_DEATHS_RATE", "PER_100000_POP", {2020: [50, 80, 100]}, {2020: 91})
    breakdowns = (
        "sex",
        "age",
        "urbanisation",
        "disability_status",
        "income_wealth_quantile",
        "education_lev",
        "occupation",
        "cust_breakdown",
        "composite_breakdown",
        "activity",
        "product",
    )
    load(
        con,
        "curated.indicator_values",
        [{**r, **dict.fromkeys(breakdowns, "_T")} for r in values.to_dict("records")],
    )
    load(con, "curated.population", _population([2020]).to_dict("records"))
    load(con, "meta.targets", [{"series": "ROAD_DEATHS_RATE", "direction": "decrease"}])
    load(
        con,
        "meta.profile_areas",
        [{"ref_area": "R", "level": "region"}] + [{"ref_area": a, "level": "municipality"} for a in "ABC"],
    )
    load(con, "meta.indicator_registry_series", [{"indicator_id": "x", "series": "ROAD_DEATHS_RATE"}])
    run_models(con, "curated.equity")
    row = con.execute("select n_areas, cv, worst_area, worst_gap_to_region from curated.equity").fetchone()
    # a death rate is per inhabitant: weighted CV as worked above; less is better, so C (100) is worst, 100 - 91
    assert row[0] == 3 and row[1] == pytest.approx(0.173404, abs=1e-6) and row[2] == "C"
    assert row[3] == pytest.approx(9.0)
    undocumented = con.execute(
        "select column_name from duckdb_columns() where schema_name = 'curated' and table_name = 'equity' "
        "and comment is null"
    ).fetchall()
    assert undocumented == []
