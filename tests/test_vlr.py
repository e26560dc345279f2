"""The VLR statistical annex: trend and type rules on hand-worked numbers, and the files the outputs write."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from bisa_sdg.publish.outputs import write_outputs
from bisa_sdg.publish.vlr import VLR_COLUMNS, indicator_type, trend_code, window_cagr
from tests.outputs_support import build_sample_warehouse, settings


def test_window_cagr_and_trend_by_hand() -> None:
    # 2016: 80, 2018: 100, 2020: 121. Latest 2020, window 2015-2019: base = earliest in it, 2016 = 80;
    # CAGR = (121/80)^(1/4) - 1
    # 121/80 = 1.5125; ln = 0.413763; /4 = 0.103441; exp - 1 = 0.108980
    rows = pd.DataFrame({"time_period": [2016, 2018, 2020], "obs_value": [80.0, 100.0, 121.0]})
    assert window_cagr(rows) == pytest.approx(0.108980, abs=1e-6)
    # base 2018 only when 2016 is outside the window: (121/100)^(1/2) - 1 = 1.1 - 1 = 0.1
    assert window_cagr(rows[rows["time_period"] > 2016]) == pytest.approx(0.1)
    assert window_cagr(rows[rows["time_period"] == 2020]) is None  # one value: no trend
    assert trend_code(0.1, "decrease") == "worsening" and trend_code(0.1, "increase") == "improving"
    assert trend_code(-0.0005, "increase") == "stable"  # within 0.1 % a year
    assert trend_code(-0.02, None) == "decreasing" and trend_code(None, "increase") == "n/a"


def test_harmonised_or_local() -> None:
    un = {"SP_TRN_PUBL"}
    assert indicator_type("11.2.1", "SP_TRN_PUBL", un) == "harmonised"  # UN global series
    assert indicator_type("sdg_11_40", "ROAD_DEATHS_RATE", un) == "harmonised"  # EU SDG indicator
    assert indicator_type("11.7.1", "GREEN_LAND_SHARE", un) == "local"  # own proxy series


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    write_outputs(build_sample_warehouse(tmp_path_factory.mktemp("sample")), folder, settings=settings())
    return folder


def test_annex_files_in_three_languages_listed_in_the_manifest(reports: Path) -> None:
    manifest = json.loads((reports / "outputs.json").read_text(encoding="utf-8"))
    for lang in ("fr", "nl", "en"):
        assert f"vlr/vlr_annex_{lang}.csv" in manifest["files"]
        frame = pd.read_csv(reports / "vlr" / f"vlr_annex_{lang}.csv")
        assert tuple(frame.columns) == VLR_COLUMNS and len(frame) > 0
        assert set(frame["indicator_type"]) <= {"harmonised", "local"}
    fr = pd.read_csv(reports / "vlr" / "vlr_annex_fr.csv")
    en = pd.read_csv(reports / "vlr" / "vlr_annex_en.csv")
    assert list(fr["series"]) == list(en["series"])  # the same rows, translated texts
    assert set(fr["indicator_type_label"]) <= {"harmonisé", "local"}
    html = next(reports.glob("*.html")).read_text(encoding="utf-8")
    assert 'id="vlr"' in html and "Voluntary Local Review (VLR) statistical annex" in html


def test_a_series_without_a_verdict_shows_a_dash_in_the_report_not_nan(reports: Path) -> None:
    """Series whose headline progress row has no category (no desired direction, say) have an empty verdict in
    the CSV files; the report's annex table must show its dash for them, in every language."""
    en = pd.read_csv(reports / "vlr" / "vlr_annex_en.csv")
    assert en["verdict"].isna().any()  # the sample has such series: the case is exercised
    html = next(reports.glob("*.html")).read_text(encoding="utf-8")
    annex = html[html.index('id="vlr"') :].split("</section>", 1)[0]
    assert ">nan<" not in annex
    assert annex.count('<span data-l="en">–</span>') >= int(en["verdict"].isna().sum())
