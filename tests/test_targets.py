"""The targets catalog: the real config/targets.csv must load and say what the research notes say; bad files
must fail with the file, the row and the rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bisa_sdg.config.targets import (
    AGENDAS,
    APPLIES_TO,
    DIRECTIONS,
    KINDS,
    TARGET_COLUMNS,
    load_targets,
    resolve_target_value,
)
from bisa_sdg.progress.methods import assess

CONFIG = Path(__file__).resolve().parents[1] / "config"
CATALOG = CONFIG / "targets.csv"


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return load_targets(CATALOG)


def by_id(targets: pd.DataFrame, target_id: str) -> pd.Series:
    rows = targets[targets["target_id"] == target_id]
    assert len(rows) == 1, target_id
    return rows.iloc[0]


# ---- the real catalog ------------------------------------------------------------------------------------


def test_catalog_columns_and_codes(targets):
    assert tuple(targets.columns) == TARGET_COLUMNS
    assert targets["target_id"].is_unique
    assert set(targets["agenda"]) <= set(AGENDAS)
    assert set(targets["kind"]) <= set(KINDS)
    assert set(targets["applies_to"]) <= set(APPLIES_TO)
    assert set(targets["direction"]) <= {*DIRECTIONS, ""}


def test_every_row_has_a_citation_with_a_url(targets):
    for _, row in targets.iterrows():
        assert len(row["citation"]) > 40, row["target_id"]
        assert "http" in row["citation"], row["target_id"]


def test_numeric_rows_are_complete(targets):
    numeric = targets[targets["target_value"].notna() | targets["target_relative_change"].notna()]
    assert len(numeric) >= 20
    assert numeric["target_year"].notna().all()
    assert (numeric["direction"] != "").all()
    assert (numeric["kind"] != "commitment").all()


def test_who_and_eu_air_quality_values(targets):
    expected = {
        "who_aqg2021_pm25_annual": ("EN_ATM_PM25", 5),
        "who_aqg2021_pm10_annual": ("EN_ATM_PM10", 15),
        "who_aqg2021_no2_annual": ("EN_ATM_NO2", 10),
        # EU limit values hold at every sampling point: judged on the worst station's annual mean
        "eu_aaqd2024_pm25_annual": ("EN_ATM_PM25_MAX", 10),
        "eu_aaqd2024_pm10_annual": ("EN_ATM_PM10_MAX", 20),
        "eu_aaqd2024_no2_annual": ("EN_ATM_NO2_MAX", 20),
    }
    for tid, (series, value) in expected.items():
        row = by_id(targets, tid)
        assert (row["series"], row["target_value"], row["direction"]) == (series, value, "decrease"), tid
    assert by_id(targets, "eu_aaqd2024_pm25_annual")["target_year"] == 2030
    assert "2024/2881" in by_id(targets, "eu_aaqd2024_pm25_annual")["citation"]
    assert by_id(targets, "who_aqg2021_pm25_annual")["kind"] == "guideline"
    assert by_id(targets, "eu_aaqd2024_pm25_annual")["kind"] == "legal_limit"


def test_every_row_names_the_statistic_it_is_judged_on(targets):
    assert (targets["statistic"] != "").all()
    for tid in ("eu_aaqd2024_pm25_annual", "eu_aaqd2024_pm10_annual", "eu_aaqd2024_no2_annual"):
        assert by_id(targets, tid)["statistic"].startswith("highest annual mean of any sampling point"), tid
        assert "2024/2881" in by_id(targets, tid)["statistic"]
    for tid in ("who_aqg2021_pm25_annual", "who_aqg2021_pm10_annual", "who_aqg2021_no2_annual"):
        assert "population-weighted" in by_id(targets, tid)["statistic"], tid


def test_a_row_written_before_the_statistic_column_loads_with_it_empty(tmp_path):
    # GOOD_ROW has the 13 cells of the older catalog: the missing last cell is empty, not NaN.
    df = load_targets(write(tmp_path, HEADER, GOOD_ROW))
    assert df.loc[0, "statistic"] == ""


def test_relative_eu_and_regional_targets(targets):
    expected = {
        # target_id: (series, relative change, base year, target year)
        "eu_zpap_pm25_premature_deaths": ("PM25_PREMATURE_DEATHS", -0.55, 2005, 2030),
        "eu_road_safety_2030_deaths": ("ROAD_DEATHS_RATE", -0.5, 2019, 2030),
        "eu_climate_law_2030": ("GHG_EMISSIONS", -0.55, 1990, 2030),
        "bru_pace_2030_direct_ghg": ("GHG_EMISSIONS", -0.47, 2005, 2030),
    }
    for tid, (series, change, base, year) in expected.items():
        row = by_id(targets, tid)
        got = (row["series"], row["target_relative_change"], row["base_year"], row["target_year"])
        assert got == (series, change, base, year), tid
        assert pd.isna(row["target_value"])
    assert "DRAFT" in by_id(targets, "bru_pace_2030_direct_ghg")["note"]
    assert by_id(targets, "eu_zpap_residual_municipal_waste")["target_relative_change"] == -0.5
    assert by_id(targets, "un_road_safety_decade_2030_deaths")["target_relative_change"] == -0.5


def test_recycling_milestones_and_vision_zero(targets):
    recycling = targets[targets["series"] == "RECYCLING_RATE"].sort_values("target_year")
    assert list(recycling["target_year"]) == [2025, 2030, 2035]
    assert list(recycling["target_value"]) == [55, 60, 65]
    assert set(recycling["indicator_id"]) == {"sdg_11_60"}
    zero = by_id(targets, "bru_good_move_vision_zero_2030")
    assert (zero["target_value"], zero["series"], zero["indicator_id"]) == (
        0,
        "ROAD_DEATHS_RATE",
        "sdg_11_40",
    )
    assert by_id(targets, "eu_climate_law_2050_neutrality")["target_year"] == 2050


def test_new_urban_agenda_rows_are_mappings_without_numbers(targets):
    nua = targets[targets["agenda"] == "new_urban_agenda"]
    assert len(nua) >= 10
    assert (nua["kind"] == "commitment").all()
    assert nua["target_value"].isna().all() and nua["target_relative_change"].isna().all()
    assert nua["citation"].str.contains("A/RES/71/256").all()
    assert nua["citation"].str.contains(r"paras? \d", regex=True).all()
    for indicator in ("11.1.1", "11.2.1", "11.3.1", "11.6.1", "11.6.2", "11.7.1", "11.7.2"):
        assert indicator in set(nua["indicator_id"]), indicator


def test_2030_agenda_direction_rows(targets):
    rows = targets[(targets["agenda"] == "2030_agenda") & (targets["kind"] == "commitment")]
    assert rows["target_value"].isna().all()
    assert (rows["direction"] != "").all()
    assert rows["citation"].str.contains("A/RES/70/1").all()
    by_series = dict(zip(rows["series"], rows["direction"], strict=False))
    assert by_series["EN_ATM_PM25"] == "decrease"
    assert by_series["SP_TRN_PUBL"] == "increase"
    assert by_series["EN_REF_WASCOL"] == "increase"
    assert by_series["EN_URB_OPENSP"] == "increase"
    assert by_series["EN_LND_SLUM"] == "decrease"


def test_markdown_documents_every_code():
    text = (CONFIG / "targets.md").read_text(encoding="utf-8")
    for code in (*TARGET_COLUMNS, *AGENDAS, *KINDS, *APPLIES_TO):
        assert f"`{code}`" in text, code


# ---- resolving relative targets --------------------------------------------------------------------------


def test_resolve_absolute_and_commitment(targets):
    assert resolve_target_value(by_id(targets, "who_aqg2021_pm25_annual")) == 5
    assert resolve_target_value(by_id(targets, "bru_good_move_vision_zero_2030"), base_value=3.0) == 0
    assert resolve_target_value(by_id(targets, "nua_air_quality")) is None


def test_resolve_relative(targets):
    # −47 % of 4000 (2005) = 4000·0.53 = 2120
    assert resolve_target_value(by_id(targets, "bru_pace_2030_direct_ghg"), 4000) == pytest.approx(2120)
    # −50 % of a 2019 rate of 2.4 per 100 000 = 1.2
    assert resolve_target_value(by_id(targets, "eu_road_safety_2030_deaths"), 2.4) == pytest.approx(1.2)


def test_resolve_relative_needs_base_value_and_base_year(targets):
    with pytest.raises(ValueError, match="base year 2019"):
        resolve_target_value(by_id(targets, "eu_road_safety_2030_deaths"))
    # the ZPAP residual-waste row states no base year: refuse rather than guess
    with pytest.raises(ValueError, match="without a base year"):
        resolve_target_value(by_id(targets, "eu_zpap_residual_municipal_waste"), 350.0)


def test_resolve_plain_dict_row():
    row = {"target_id": "x", "target_value": "", "target_relative_change": "-0.25", "base_year": "2010"}
    assert resolve_target_value(row, 80) == pytest.approx(60)


def test_catalog_row_feeds_assess(targets):
    # Road deaths per 100 000: 2019 = 2.4 → EU target 1.2 by 2030. Observations 2019 = 2.4, 2024 = 2.0.
    # unsd-2023 with base 2019: (1+CAGR)^5 = 2.0/2.4; v_2030 = 2.0·(2.0/2.4)^(6/5).
    # (5/6)^1.2 = e^(1.2·ln(5/6)) = e^(1.2·−0.1823216) = e^−0.2187859 = e^−0.2·e^−0.0187859
    #           = 0.8187308·0.9813895 = 0.8034938 → v_2030 = 1.6069876;
    # P = (2.4 − 1.6069876)/(2.4 − 1.2) = 0.7930124/1.2 = 0.660844 → moderate progress.
    row = by_id(targets, "eu_road_safety_2030_deaths")
    obs = {2019: 2.4, 2024: 2.0}
    target = resolve_target_value(row, obs[int(row["base_year"])])
    res = assess(
        obs,
        target=target,
        target_year=int(row["target_year"]),
        direction=row["direction"],
        base_year=int(row["base_year"]),
    )
    assert res.ratio == pytest.approx(0.660844, abs=1e-6)
    assert res.category == "moderate_progress"


# ---- bad files -------------------------------------------------------------------------------------------

GOOD_ROW = (
    "ok_row,who,11.6.2,EN_ATM_PM25,5,,2030,,decrease,guideline,all,"
    '"WHO AQG 2021, https://www.airclim.org/who-air-quality-guidelines",'
)
HEADER = ",".join(TARGET_COLUMNS)


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_small_good_file(tmp_path):
    df = load_targets(write(tmp_path, HEADER, GOOD_ROW))
    assert len(df) == 1
    assert df.loc[0, "target_value"] == 5.0


def test_bad_rows_are_all_reported_with_file_and_row(tmp_path):
    path = write(
        tmp_path,
        HEADER,
        GOOD_ROW,
        # row 3: unknown agenda
        'bad_agenda,oecd,11.6.2,EN_ATM_PM25,5,,2030,,decrease,guideline,all,"x https://example.org",',
        # row 4: a commitment with a number
        "bad_commit,new_urban_agenda,11.7.1,EN_URB_OPENSP,30,,2030,,increase,commitment,all,"
        '"A/RES/71/256 para 37 https://undocs.org/A/RES/71/256",',
        # row 5: no URL in the citation
        "bad_cite,who,11.6.2,EN_ATM_PM10,15,,2030,,decrease,guideline,all,WHO 2021,",
        # row 6: −50 % but direction increase
        "bad_dir,eu_policy,sdg_11_40,ROAD_DEATHS_RATE,,-0.5,2030,2019,increase,political_target,eu,"
        '"EU https://example.org",',
        # row 7: duplicate id, and a year that is not a year
        'ok_row,who,11.6.2,EN_ATM_PM25,5,,20x0,,decrease,guideline,all,"WHO https://example.org",',
        # row 8: both value and relative change, and a base year after the target year
        "bad_both,eu_law,sdg_13_10,GHG_EMISSIONS,0,-0.55,2030,2031,decrease,legal_target,eu,"
        '"EU https://example.org",',
    )
    with pytest.raises(ValueError) as err:
        load_targets(path)
    msg = str(err.value)
    assert f"{path}: row 3 (target_id 'bad_agenda'): agenda 'oecd' is not one of" in msg
    assert "row 4 (target_id 'bad_commit'): a commitment has no number" in msg
    assert "row 5 (target_id 'bad_cite'): citation must name the document and give at least one URL" in msg
    assert "row 6 (target_id 'bad_dir'): target_relative_change -0.5 contradicts direction 'increase'" in msg
    assert "row 7 (target_id 'ok_row'): duplicate target_id, first used in row 2" in msg
    assert "row 7 (target_id 'ok_row'): target_year '20x0' is not a year" in msg
    assert "row 8 (target_id 'bad_both'): give either target_value or target_relative_change" in msg
    assert "row 8 (target_id 'bad_both'): base_year 2031 is not before target_year 2030" in msg
    assert "row 2 " not in msg  # the good row raises nothing


def test_numeric_target_needs_year_and_direction(tmp_path):
    path = write(
        tmp_path,
        HEADER,
        'no_year,who,11.6.2,EN_ATM_PM25,5,,,,,guideline,all,"WHO https://example.org",',
    )
    with pytest.raises(ValueError) as err:
        load_targets(path)
    assert "a numeric target needs a target_year" in str(err.value)
    assert "a numeric target needs a direction" in str(err.value)


def test_header_problems_name_the_file(tmp_path):
    path = write(tmp_path, HEADER.replace(",note", ",remarks"), GOOD_ROW)
    with pytest.raises(
        ValueError, match=r"targets\.csv: header: missing columns \['note'\]; unknown columns"
    ):
        load_targets(path)
