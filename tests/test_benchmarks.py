"""The SDSN benchmark sources (readers, schemas, the benchmark map) and curated.benchmarks on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.sources import read_source
from bisa_sdg.validation.schema import load_schema, validate_frame
from bisa_sdg.warehouse import database as wh
from bisa_sdg.warehouse.assessment_tables import load_benchmark_map
from tests.sqlmodels import load, new_warehouse, run_models

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SOURCES = ("sdsn_sdr2025_thresholds", "sdsn_sdr2025_belgium", "sdsn_eu_cities_2019")


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    catalog = load_catalog(RAW / "catalog.yaml")
    profile = load_profile(ROOT / "config" / "profiles" / "brussels.yaml")
    return {sid: read_source(catalog.get(sid), RAW, profile) for sid in SOURCES}


# ---- readers and schemas on the shipped files ------------------------------------------------------------


def test_shipped_benchmark_files_read_and_validate(frames):
    profile = load_profile(ROOT / "config" / "profiles" / "brussels.yaml")
    for sid, frame in frames.items():
        issues = validate_frame(frame, load_schema(ROOT / "schemas" / f"{sid}.yaml"), profile, frames)
        assert issues.empty, (sid, issues.to_dict("records"))


def test_sdr_thresholds_as_published(frames):
    codebook = frames["sdsn_sdr2025_thresholds"].set_index("ind_code")
    # research notes §3.1, verbatim from the codebook: Opt / green / red / LB
    assert tuple(
        codebook.loc["sdg11_pm25", ["optimum", "green_threshold", "red_threshold", "lower_bound"]]
    ) == (6.3, 10.0, 25.0, 87.0)
    assert tuple(
        codebook.loc["sdg3_traffic", ["optimum", "green_threshold", "red_threshold", "lower_bound"]]
    ) == (3.2, 8.4, 16.8, 33.7)
    assert codebook.loc["sdg11_pm25", "_line"] == 11  # four "#" lines, header on line 5, pm25 the sixth row
    belgium = frames["sdsn_sdr2025_belgium"].set_index("field")
    assert belgium.loc["score:sdg11_pm25", "score"] == 97.274
    assert belgium.loc["Goal_11_Dashboard", "value_raw"] == "yellow" and pd.isna(
        belgium.loc["Country", "score"]
    )


def test_eu_cities_long_rows_keep_the_file_line(frames):
    cities = frames["sdsn_eu_cities_2019"]
    assert cities["city"].nunique() == 45
    brussels = cities[cities["city"] == "Brussels"].set_index("measure")
    assert set(brussels["_line"]) == {27} and set(brussels["city_rank"]) == {25}
    assert brussels.loc["sdg11_pm25", "value"] == pytest.approx(18.247265666)
    assert brussels.loc["sdg11_pm25", "dashboard"] == "orange"
    assert brussels.loc["SDG11", "value"] == 52.4 and brussels.loc["SDG11", "measure_type"] == "goal_score"
    # an empty cell is no data, never a number: the raw text is empty exactly where the value is missing
    assert ((cities["value_raw"].str.strip() == "") == cities["value"].isna()).all()


def test_benchmark_map_agrees_with_the_sdr_codebook(frames):
    mapping = load_benchmark_map(ROOT / "config" / "benchmark_map.csv")
    codebook = frames["sdsn_sdr2025_thresholds"].set_index("ind_code")
    cities = set(frames["sdsn_eu_cities_2019"]["measure"])
    for row in mapping.to_dict("records"):
        if row["benchmark"] == "sdsn_sdr2025":
            sdr = codebook.loc[row["benchmark_indicator"]]
            assert (row["better"] == "lower") == (sdr["optimum"] < sdr["lower_bound"]), row[
                "benchmark_indicator"
            ]
        else:
            assert row["benchmark_indicator"] in cities


def test_bad_benchmark_map_rows_are_all_reported(tmp_path):
    path = tmp_path / "benchmark_map.csv"
    path.write_text(
        "benchmark,benchmark_indicator,benchmark_area,better,indicator_id,series,unit_factor,comparability,note\n"
        "sdsn_sdr2025,sdg11_pm25,Belgium,smaller,11.6.2,EN_ATM_PM25,1,similar,x\n"
        "sdsn_sdr2025,sdg11_slums,Belgium,lower,,,,similar,x\n"
        "sdsn_sdr2025,sdg3_traffic,Belgium,lower,sdg_11_40,ROAD_DEATHS_RATE,0,similar,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as err:
        load_benchmark_map(path)
    msg = str(err.value)
    assert "row 2 (sdsn_sdr2025/sdg11_pm25): better must be one of" in msg
    assert "row 3 (sdsn_sdr2025/sdg11_slums): a series is given exactly when" in msg
    assert "row 4 (sdsn_sdr2025/sdg3_traffic): unit_factor must be a positive number" in msg
    assert "row 4 (sdsn_sdr2025/sdg3_traffic): note must say" in msg


# ---- curated.benchmarks on hand-made tables --------------------------------------------------------------

MAP = """benchmark,benchmark_indicator,benchmark_area,better,indicator_id,series,unit_factor,comparability,note
sdsn_sdr2025,sdg11_pm25,Belgium,lower,11.6.2,EN_ATM_PM25,1,similar,pm note.
sdsn_sdr2025,sdg11_transport,Belgium,higher,11.2.1,SP_TRN_PUBL,1,similar,transport note.
sdsn_sdr2025,sdg3_traffic,Belgium,lower,sdg_11_40,ROAD_DEATHS_RATE,1,similar,traffic note.
sdsn_sdr2025,sdg11_slums,Belgium,lower,,,,no_series,slums note.
sdsn_eu_cities_2019,sdg11_pm25,Brussels,lower,11.6.2,EN_ATM_PM25,1,similar,city pm note.
sdsn_eu_cities_2019,sdg3_traffic,Brussels,lower,sdg_11_40,ROAD_DEATHS_RATE,0.1,similar,city traffic note.
"""


def iv(series: str, indicator_id: str, year: int, value: float, **breakdowns) -> dict:
    row = {
        "indicator_id": indicator_id,
        "series": series,
        "ref_area": "04000",
        "time_period": year,
        "obs_value": value,
        "unit_measure": "U",
        "nature": "E",
        "synthetic": False,
    }
    row.update({column: breakdowns.get(column, "_T") for column in BREAKDOWN_COLUMNS})
    return row


def codebook_row(code: str, opt: float, green: float, red: float, lb: float) -> dict:
    return {
        "ind_code": code,
        "indicator": f"{code} label",
        "reference_year": 2023,
        "optimum": opt,
        "green_threshold": green,
        "red_threshold": red,
        "lower_bound": lb,
    }


def city(name: str, rank: int, measure: str, value: float | None, colour: str | None) -> dict:
    return {
        "city": name,
        "city_score": 70.0 - rank,
        "city_rank": rank,
        "measure": measure,
        "measure_label": f"{measure} label",
        "value": value,
        "dashboard": colour,
    }


@pytest.fixture
def benchmarks(tmp_path) -> pd.DataFrame:
    (tmp_path / "map.csv").write_text(MAP, encoding="utf-8")
    con = new_warehouse()
    load(con, "meta.profile_areas", [{"ref_area": "04000", "level": "region"}])
    load(con, "meta.sources", [{"source_id": s, "caveats": f"{s} caveat"} for s in SOURCES])
    wh.load_frame(con, "meta", "benchmark_map", load_benchmark_map(tmp_path / "map.csv"))
    load(
        con,
        "curated.indicator_values",
        [
            iv("EN_ATM_PM25", "11.6.2", 2014, 30.0),
            iv("EN_ATM_PM25", "11.6.2", 2015, 13.4),  # the latest: used
            iv("EN_ATM_PM25", "11.6.2", 2016, 1.0, sex="F"),  # a breakdown: never used
            iv("SP_TRN_PUBL", "11.2.1", 2020, 60.0),
            iv("ROAD_DEATHS_RATE", "sdg_11_40", 2020, 20.0),
        ],
    )
    load(
        con,
        "raw.sdsn_sdr2025_thresholds",
        [
            codebook_row("sdg11_pm25", 6.3, 10, 25, 87),
            codebook_row("sdg11_transport", 100, 80, 50, 9),
            codebook_row("sdg3_traffic", 3.2, 8.4, 16.8, 33.7),
            codebook_row("sdg11_slums", 0, 5, 25, 90),
        ],
    )
    load(
        con,
        "raw.sdsn_sdr2025_belgium",
        [
            {"field": "Country", "value_raw": "Belgium", "ind_code": None, "score": None},
            {"field": "SDG_Index_Rank_2025", "value_raw": "18", "ind_code": None, "score": None},
            {"field": "SDG_Index_Score_2025", "value_raw": "80.5", "ind_code": None, "score": None},
            {"field": "score:sdg11_pm25", "value_raw": "97.274", "ind_code": "sdg11_pm25", "score": 97.274},
            {
                "field": "score:sdg11_transport",
                "value_raw": "93.988",
                "ind_code": "sdg11_transport",
                "score": 93.988,
            },
            {"field": "score:sdg11_slums", "value_raw": "100", "ind_code": "sdg11_slums", "score": 100.0},
        ],
    )
    load(
        con,
        "raw.sdsn_eu_cities_2019",
        [
            city("Oslo", 1, "sdg11_pm25", 6.0, "green"),
            city("Brussels", 25, "sdg11_pm25", 18.0, "orange"),
            city("Athens", 45, "sdg11_pm25", 25.0, "red"),
            city("Rome", 40, "sdg11_pm25", None, None),
            city("Oslo", 1, "sdg3_traffic", 0.1, "green"),
            city("Brussels", 25, "sdg3_traffic", 0.14, "green"),
            city("Athens", 45, "sdg3_traffic", 0.3, "orange"),
            city("Rome", 40, "sdg3_traffic", 0.2, "yellow"),
        ],
    )
    run_models(con, "curated.benchmarks")
    assert [n for n in wh.undocumented(con) if n.startswith("curated.benchmarks")] == []
    return con.execute("select * from curated.benchmarks").df()


def row(frame: pd.DataFrame, benchmark: str, indicator: str) -> dict:
    rows = frame[(frame["benchmark"] == benchmark) & (frame["benchmark_indicator"] == indicator)]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


def test_region_in_the_sdr_bands(benchmarks):
    # PM2.5 (lower is better): green ≤ 10 < yellow ≤ (10 + 25)/2 = 17.5 < orange ≤ 25 < red; 13.4 → yellow.
    # score = 100·(13.4 − 87)/(6.3 − 87) = 100·73.6/80.7 = 91.2020
    pm = row(benchmarks, "sdsn_sdr2025", "sdg11_pm25")
    assert (pm["region_year"], pm["region_value"], pm["region_band"]) == (2015, 13.4, "yellow")
    assert pm["region_score"] == pytest.approx(91.2020, abs=1e-4)
    # Belgium: score 97.274 → value 87 + 0.97274·(6.3 − 87) = 8.49988; green from score 100·(10 − 87)/(6.3 − 87)
    # = 95.415 upwards → green; overall rank 18
    assert pm["area_value"] == pytest.approx(8.49988, abs=1e-5)
    assert (pm["area_colour"], pm["area_overall_rank"], pm["benchmark_area"]) == ("green", 18, "Belgium")
    # transport (higher is better): green ≥ 80, red < 50, midpoint 65; 60 → orange; score 100·51/91 = 56.044
    transport = row(benchmarks, "sdsn_sdr2025", "sdg11_transport")
    assert transport["region_band"] == "orange"
    assert transport["region_score"] == pytest.approx(56.044, abs=1e-3)
    # traffic: 20 > red 16.8 → red; score 100·(20 − 33.7)/(3.2 − 33.7) = 44.918; no Belgian score in this file
    traffic = row(benchmarks, "sdsn_sdr2025", "sdg3_traffic")
    assert traffic["region_band"] == "red" and traffic["region_score"] == pytest.approx(44.918, abs=1e-3)
    assert pd.isna(traffic["area_score"]) and pd.isna(traffic["area_colour"])
    # no series: nothing placed; Belgium's clipped score 100 implies no value but a colour
    slums = row(benchmarks, "sdsn_sdr2025", "sdg11_slums")
    assert pd.isna(slums["region_band"]) and pd.isna(slums["region_score"]) and pd.isna(slums["area_value"])
    assert slums["area_colour"] == "green"
    assert slums["note"] == ("slums note. Source caveats: sdsn_sdr2025_thresholds caveat.")


def test_region_beside_the_45_cities(benchmarks):
    pm = row(benchmarks, "sdsn_eu_cities_2019", "sdg11_pm25")
    # values 6, 18, 25 (Rome has none): median 18; Brussels second best (lower is better)
    assert (pm["peers_with_data"], pm["peers_min"], pm["peers_median"], pm["peers_max"]) == (
        3,
        6.0,
        18.0,
        25.0,
    )
    assert (pm["area_value"], pm["area_colour"], pm["area_rank"], pm["area_overall_rank"]) == (
        18.0,
        "orange",
        2,
        25,
    )
    assert pm["peers_ranked"] == 4 and (pm["region_year"], pm["region_value"]) == (2015, 13.4)
    traffic = row(benchmarks, "sdsn_eu_cities_2019", "sdg3_traffic")
    # per 100 000 × 0.1 = per 10 000: 20 → 2.0; Brussels 0.14 ranks 2nd of 4 (0.1, 0.14, 0.2, 0.3)
    assert traffic["region_value_in_benchmark_unit"] == pytest.approx(2.0)
    assert traffic["area_rank"] == 2 and traffic["peers_median"] == pytest.approx(0.17)
    assert traffic["note"].startswith("city traffic note.")
