"""The OECD-style 0-100 normalisation on hand-worked numbers.

OECD localised framework (https://www.oecd-local-sdgs.org/data.html): 100 is the 2030 end value, the distance
is what the score still has to travel to 100. score = 100 (x - L) / (E - L), clipped to [0, 100].

More is better (recycling, %): L = 30, E = 60
  x = 45   -> 100 * 15 / 30 = 50.0, distance 50.0
  x = 35.4 -> 100 * 5.4 / 30 = 18.0, distance 82.0
  x = 66   -> beyond E: 100 (end value met)
Less is better (NO2, ug/m3): L = 49, E = 10
  x = 20   -> 100 * (20 - 49) / (10 - 49) = 100 * 29 / 39 = 74.35897, distance 25.64103
  x = 60   -> 100 * (60 - 49) / (-39) = -28.2 -> clipped to 0
"""

from __future__ import annotations

import pandas as pd
import pytest

from bisa_sdg.progress.distance import distance_frame, lower_bound, normalised_score, score_value


def test_normalised_score_both_directions() -> None:
    assert normalised_score(45, 30, 60) == pytest.approx(50.0)
    assert normalised_score(35.4, 30, 60) == pytest.approx(18.0)
    assert normalised_score(20, 49, 10) == pytest.approx(74.35897, abs=1e-5)
    assert normalised_score(60, 49, 10) == 0.0
    assert normalised_score(70, 60, 60) is None  # no range between the bounds


def test_score_value_end_met_and_clipped() -> None:
    assert score_value(66, 30, 60, "increase") == (100.0, "end value met")
    assert score_value(60, 49, 10, "decrease") == (0.0, "value worse than the lower bound: clipped to 0")
    # every local observation meets the end value (worst 11 >= 10): a national 8 has no scale to sit on
    assert score_value(8, 11, 10, "increase")[0] is None
    assert lower_bound([20, 49, 17], "decrease") == 49 and lower_bound([40, 30, 45], "increase") == 30


def test_distance_frame_region_municipalities_and_belgium() -> None:
    # Recycling (more is better), end value 60. Observed: region R 30 (2019) then 45 (2021); municipality A 35.4
    # (2021). Lower bound = worst of all = 30. Belgium: 54 in 2020 and 57 in 2022; for the region's 2021 the
    # latest national year not after it is 2020: 100 * (54 - 30) / 30 = 80.0, distance 20.0.
    values = pd.DataFrame(
        [
            {
                "indicator_id": "sdg_11_60",
                "series": "RR",
                "unit_measure": "PT",
                "ref_area": a,
                "time_period": y,
                "obs_value": v,
            }
            for a, y, v in [("R", 2019, 30.0), ("R", 2021, 45.0), ("A", 2021, 35.4)]
        ]
    )
    areas = pd.DataFrame({"ref_area": ["R", "A"], "level": ["region", "municipality"]})
    ends = pd.DataFrame(
        [
            {
                "series": "RR",
                "target_id": "t",
                "agenda": "eu_law",
                "direction": "increase",
                "end_value": 60.0,
                "end_value_source": "config/targets.csv target_value",
                "target_year": 2030,
            }
        ]
    )
    national = pd.DataFrame(
        [
            {"series": "RR", "time_period": 2020, "obs_value": 54.0, "database": "db", "preference": 2},
            {"series": "RR", "time_period": 2022, "obs_value": 57.0, "database": "db", "preference": 2},
        ]
    )
    frame = distance_frame(values, areas, ends, national).set_index("ref_area")
    assert frame.loc["R", "lower_bound"] == 30.0
    assert frame.loc["R", "time_period"] == 2021
    assert frame.loc["R", "score"] == pytest.approx(50.0) and frame.loc["R", "distance"] == pytest.approx(
        50.0
    )
    assert frame.loc["A", "score"] == pytest.approx(18.0) and frame.loc["A", "distance"] == pytest.approx(
        82.0
    )
    assert frame.loc["R", "national_year"] == 2020
    assert frame.loc["R", "national_score"] == pytest.approx(80.0)
    assert frame.loc["R", "national_distance"] == pytest.approx(20.0)
