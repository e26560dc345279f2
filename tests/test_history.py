"""The region's history: Statbel R data files read as published, and the series built on them.

Expected figures are worked out by hand or from a published source, named in a comment; the two region figures are
recomputed from the raw files here with pyreadr and pandas directly, not through the project's readers or cache.
"""

from __future__ import annotations

import io
import math
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from bisa_sdg.sources import SourceFileError, _rdata
from bisa_sdg.sources.published_history import flags_of
from tests.conftest import ROOT

RAW = ROOT / "data" / "raw"
REGION = 4000  # CD_RGN_REFNIS of the Brussels-Capital Region in Statbel's files


def _r_frame(relative: str) -> pd.DataFrame:
    import pyreadr

    (frame,) = pyreadr.read_r(str(RAW / relative)).values()
    return frame


def _values(warehouse: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


# ---- independent recomputation from the raw files --------------------------------------------------------------


def test_the_region_population_of_2012_is_statbels_sum_and_the_published_total(good_publication: Path):
    detail = _r_frame("statbel_population/TF_SOC_POP_STRUCT_2012.RData")
    total = int(detail.loc[detail["CD_RGN_REFNIS"] == REGION, "MS_POPULATION"].sum())
    # Bruxelles Environnement: "in 2012 the number of inhabitants amounted to 1,138,854"
    # (https://leefmilieu.brussels/node/17530, data/raw/published_figures/population_region_04000_series.csv)
    assert total == 1_138_854
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    rows = _values(
        warehouse,
        "select population, source from curated.population where ref_area = '04000' and time_period = 2012",
    )
    assert rows == [(1_138_854, "statbel_population")]


def test_one_11_3_1_period_of_the_region_recomputed_from_the_raw_files(good_publication: Path):
    def builtup_ha(year: int) -> float:
        land = _r_frame(f"statbel_land_use/TF_EAE_LAND_OCCUPTN_{year}.RData")
        land = land[land["CD_RGN_REFNIS"] == REGION]
        built = land["CD_RUB_LVL_2"].isin(["2TOT", "5TOT"]) | (land["CD_RUB_LVL_3"] == "1L")
        return float(land.loc[built, "MS_TOT_SUR"].sum())

    def population(year: int) -> int:
        detail = _r_frame(f"statbel_population/TF_SOC_POP_STRUCT_{year}.RData")
        return int(detail.loc[detail["CD_RGN_REFNIS"] == REGION, "MS_POPULATION"].sum())

    v14, v15, p14, p15 = builtup_ha(2014), builtup_ha(2015), population(2014), population(2015)
    # By hand from the files: built parcels + cadastral roads + non-cadastral land = 10 982.8514 ha (2014) and
    # 11 011.2766 ha (2015); residents 1 163 486 (2014, as Le Vif publishes it) and 1 175 173 (2015).
    assert (round(v14, 4), round(v15, 4), p14, p15) == (10982.8514, 11011.2766, 1_163_486, 1_175_173)
    # UN metadata 2021: LCR = (V_now - V_past)/V_past/t = 28.4252/10982.8514 = 0.0025881;
    # PGR = ln(P_now/P_past)/t = ln(1.0100447) = 0.0099947; LCRPGR = 0.25895
    lcr = (v15 - v14) / v14
    pgr = math.log(p15 / p14)
    assert lcr / pgr == pytest.approx(0.25895, abs=5e-6)
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    ((value, status),) = _values(
        warehouse,
        "select obs_value, obs_status from curated.indicator_values "
        "where series = 'EN_LND_CNSPOP' and ref_area = '04000' and time_period = 2015",
    )
    assert value == pytest.approx(lcr / pgr, rel=1e-12)
    assert status == "A"


# ---- series built on the history ---------------------------------------------------------------------------


def test_11_3_1_has_yearly_periods_for_the_region_and_every_municipality(good_publication: Path):
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    periods = dict(
        _values(
            warehouse,
            "select ref_area, count(*) from curated.indicator_values "
            "where series = 'EN_LND_CNSPOP' group by ref_area",
        )
    )
    # municipalities: population 2009–2015 × land use 2009–2015 -> periods ending 2010 … 2015 (6);
    # the region: 2008–2015 from the cadastre (7) and the FPB share 2015–2020, 2020–2022 (2)
    assert periods["04000"] == 9
    assert {area: n for area, n in periods.items() if area != "04000"} == {
        f"210{i:02d}": 6 for i in range(1, 20)
    }


def test_the_fpb_period_after_the_cadastral_series_is_a_recorded_break(good_publication: Path):
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    rows = _values(
        warehouse,
        "select time_period, obs_status, obs_lower, obs_upper, comment from curated.indicator_values "
        "where series = 'EN_LND_CNSPOP' and ref_area = '04000' and time_period > 2015 order by time_period",
    )
    (y2020, status2020, *_rest, comment2020), (_y2022, _status, low, high, _comment) = rows
    assert (y2020, status2020) == (2020, "B") and "SERIES BREAK" in comment2020
    # FPB shares 80.2 % (2020) and 80.4 % (2022) published to one decimal, populations 1 218 255 and 1 222 637:
    # PGR = ln(1222637/1218255)/2 = 0.0017952; LCR in [(80.35-80.25)/80.25, (80.45-80.15)/80.15]/2
    # = [0.00062305, 0.0018715]; LCRPGR in [0.3471, 1.0425]
    assert (low, high) == (pytest.approx(0.3471, abs=1e-4), pytest.approx(1.0425, abs=1e-4))


def test_road_deaths_per_year_keep_the_compilations_marks(good_publication: Path):
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    rows = {
        year: (value, status, comment)
        for year, value, status, comment in _values(
            warehouse,
            "select time_period, obs_value, obs_status, comment from curated.indicator_values "
            "where series = 'ROAD_DEATHS_RATE' and ref_area = '04000'",
        )
    }
    # Statbel's deaths within 30 days as published: 2012–2014, 2016–2017, 2020 (victims file), 2022–2023;
    # 2018–2019 DERIVED from stated changes; 2015 and 2021 were not found.
    assert sorted(rows) == [2012, 2013, 2014, 2016, 2017, 2018, 2019, 2020, 2022, 2023]
    # 37 deaths / 1 138 854 residents × 100 000 = 3.24888
    assert rows[2012][0] == pytest.approx(3.24888, abs=1e-5)
    assert rows[2012][1] == "A"
    assert rows[2018][1] == "E" and "DERIVED" in rows[2018][2]
    assert "UNCERTAIN" in rows[2017][2]  # the first-published 2017 figure, revised nationally later


def test_the_greenhouse_gas_index_rests_on_the_published_change(good_publication: Path):
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    rows = _values(
        warehouse,
        "select time_period, obs_value, obs_lower, obs_upper from curated.indicator_values "
        "where series = 'GHG_EMISSIONS' and ref_area = '04000' order by time_period",
    )
    # 2005 = 100 by construction; 2022: −27 % published as a whole percent -> 73 within [72.5, 73.5]
    assert rows == [(2005, 100.0, None, None), (2022, 73.0, 72.5, 73.5)]


def test_the_worst_station_is_the_highest_mean_of_any_station_traffic_included(good_publication: Path):
    means = pd.read_csv(
        RAW / "irceline_station_annual_means/irceline_no2_station_annual_means_brussels_1990_2023.csv"
    )
    year = means[(means["year"] == 2023) & means["value"].notna()]
    # 2023 in the published file: 41REG1 (traffic) 35 µg/m³ is the highest; the background stations 41R001 and
    # 41N043 measured 21 and 22
    assert year["value"].max() == 35
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    ((value, comment),) = _values(
        warehouse,
        "select obs_value, comment from curated.indicator_values "
        "where series = 'EN_ATM_NO2_MAX' and ref_area = '04000' and time_period = 2023",
    )
    assert value == 35 and "41REG1 (traffic)" in comment


def test_the_green_land_share_is_the_cadastral_green_rubrics_over_the_area(good_publication: Path):
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    ((value,),) = _values(
        warehouse,
        "select obs_value from curated.indicator_values "
        "where series = 'GREEN_LAND_SHARE' and ref_area = '04000' and time_period = 2015",
    )
    # 2015, region: gardens and parks 1 283.9832 + woods 1 843.7628 + recreational 240.1024 = 3 367.8484 ha
    # over 16 138.2278 ha = 20.8688 %
    assert value == pytest.approx(20.8688, abs=1e-4)


def test_population_marks_of_the_catalog_reach_the_curated_table(good_publication: Path):
    warehouse = good_publication / "data/curated/bisa_sdg.duckdb"
    flags = dict(
        _values(
            warehouse,
            "select ref_area || ':' || time_period, flag from curated.population "
            "where time_period in (2019, 2020, 2022) and ref_area in ('04000', '21001')",
        )
    )
    # 2020 municipal figures: assignment UNCERTAIN (row-position join upstream), region sum unaffected;
    # 2022: the total CONFLICTs with a press figure, so the region carries it too
    assert flags == {
        "21001:2019": None,
        "21001:2020": "UNCERTAIN",
        "04000:2020": None,
        "21001:2022": "CONFLICT",
        "04000:2022": "CONFLICT",
        "04000:2019": None,
    }


# ---- the R data reader and its cache -----------------------------------------------------------------------


def _totals(detail: pd.DataFrame) -> pd.DataFrame:
    return detail.groupby("CD_MUNTY_REFNIS").agg(population=("MS_POPULATION", "sum")).reset_index()


def test_a_parsed_file_is_read_from_the_cache_and_a_changed_file_is_not(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(_rdata.CACHE_ENV, str(tmp_path / "cache"))
    copy = tmp_path / "land.RData"
    shutil.copy(RAW / "statbel_land_use/TF_EAE_LAND_OCCUPTN_1983.RData", copy)
    columns = ("CD_MUNTY_REFNIS", "MS_TOT_SUR")
    first = _rdata.read_rdata_summary(copy, "land.RData", columns, _totals_land)
    assert len(list((tmp_path / "cache").glob("*.arrow"))) == 1

    import pyreadr

    def no_parse(*_args, **_kwargs):
        raise AssertionError("parsed again although the file did not change")

    monkeypatch.setattr(pyreadr, "read_r", no_parse)
    again = _rdata.read_rdata_summary(copy, "land.RData", columns, _totals_land)
    pd.testing.assert_frame_equal(first, again)

    shutil.copy(RAW / "statbel_land_use/TF_EAE_LAND_OCCUPTN_1984.RData", copy)  # another version of the file
    with pytest.raises(SourceFileError, match="parsed again"):  # the reader names the file it could not parse
        _rdata.read_rdata_summary(copy, "land.RData", columns, _totals_land)


def _totals_land(detail: pd.DataFrame) -> pd.DataFrame:
    return detail.groupby("CD_MUNTY_REFNIS").agg(area=("MS_TOT_SUR", "sum")).reset_index()


def test_a_damaged_cache_entry_is_parsed_again(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(_rdata.CACHE_ENV, str(tmp_path / "cache"))
    path = RAW / "statbel_land_use/TF_EAE_LAND_OCCUPTN_1983.RData"
    first = _rdata.read_rdata_summary(path, "x", ("CD_MUNTY_REFNIS", "MS_TOT_SUR"), _totals_land)
    (entry,) = (tmp_path / "cache").glob("*.arrow")
    entry.write_bytes(b"not parquet")
    again = _rdata.read_rdata_summary(path, "x", ("CD_MUNTY_REFNIS", "MS_TOT_SUR"), _totals_land)
    pd.testing.assert_frame_equal(first, again)
    # Brussels-Capital Region 1983: 16 138.2278 ha in the 19 municipalities 21001–21019
    brussels = again[again["CD_MUNTY_REFNIS"].between(21001, 21019)]
    assert brussels["area"].sum() == pytest.approx(16138.2278, abs=1e-4)


def test_a_cache_entry_edited_or_signed_with_another_key_is_not_used(tmp_path: Path, monkeypatch):
    from bisa_sdg.acquire.cache_signing import sign

    monkeypatch.setenv(_rdata.CACHE_ENV, str(tmp_path / "cache"))
    path = RAW / "statbel_land_use/TF_EAE_LAND_OCCUPTN_1983.RData"
    columns = ("CD_MUNTY_REFNIS", "MS_TOT_SUR")
    first = _rdata.read_rdata_summary(path, "x", columns, _totals_land)
    (entry,) = (tmp_path / "cache").glob("*.arrow")
    forged = first.assign(area=first["area"] * 2)  # numbers someone would like the pipeline to publish
    content = io.BytesIO()
    forged.to_feather(content)
    entry.write_bytes(sign(content.getvalue(), b"another key, not the pipeline's" * 2))
    again = _rdata.read_rdata_summary(path, "x", columns, _totals_land)
    pd.testing.assert_frame_equal(first, again)  # parsed again from the R file, the forgery ignored


def test_a_file_that_is_not_r_data_is_named(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(_rdata.CACHE_ENV, str(tmp_path / "cache"))
    fake = tmp_path / "TF_SOC_POP_STRUCT_2030.RData"
    fake.write_text("REFNIS,POP\n21001,1\n")
    with pytest.raises(SourceFileError, match=r"TF_SOC_POP_STRUCT_2030\.RData: not a readable R data file"):
        _rdata.read_rdata_summary(fake, "TF_SOC_POP_STRUCT_2030.RData", ("CD_MUNTY_REFNIS",), _totals)


def test_a_missing_column_is_named(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(_rdata.CACHE_ENV, str(tmp_path / "cache"))
    path = RAW / "statbel_land_use/TF_EAE_LAND_OCCUPTN_1983.RData"
    with pytest.raises(SourceFileError, match=r"land.RData: columns \['MS_POPULATION'\] are missing"):
        _rdata.read_rdata_summary(path, "land.RData", ("CD_MUNTY_REFNIS", "MS_POPULATION"), _totals)


@pytest.mark.parametrize(
    ("series", "note", "expected"),
    [
        # rows of published_history/road_safety.csv
        ("road_deaths_30d_DERIVED", "DERIVED, not read directly: Statbel states -12.5% …", "DERIVED"),
        ("road_deaths_30d", "first-published figure; … Brussels revision unknown -> uncertain", "UNCERTAIN"),
        ("injury_accidents", "CONFLICT with 3,217 above (different extraction/revision)", "CONFLICT"),
        ("road_deaths_30d", "killed within 30 days", ""),
    ],
)
def test_the_compilations_marks_are_kept(series: str, note: str, expected: str):
    assert flags_of(series, note) == expected


def test_uncached_r_data_files_are_parsed_in_worker_processes_into_the_cache(tmp_path, monkeypatch):
    from bisa_sdg.sources import statbel_land_use as land_use

    monkeypatch.setenv(_rdata.CACHE_ENV, str(tmp_path / "cache"))
    names = ["TF_EAE_LAND_OCCUPTN_1983.RData", "TF_EAE_LAND_OCCUPTN_1984.RData"]
    files = [(ROOT / "data/raw/statbel_land_use" / name, f"statbel_land_use/{name}") for name in names]
    parsed = [land_use._grouped(_rdata._parse(path, relative, land_use._COLUMNS)) for path, relative in files]

    _rdata.warm_cache(files, land_use._COLUMNS, land_use._grouped)

    assert len(list((tmp_path / "cache").glob("*.arrow"))) == 2  # one entry a file, written by the workers
    monkeypatch.setattr(
        _rdata, "_parse", lambda *args: pytest.fail("parsed again instead of read from cache")
    )
    for (path, relative), expected in zip(files, parsed, strict=True):
        pd.testing.assert_frame_equal(
            _rdata.read_rdata_summary(path, relative, land_use._COLUMNS, land_use._grouped), expected
        )
