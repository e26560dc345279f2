"""Hand-worked checks of bisa_sdg.progress.methods: every expected number is derived in the comments, never copied.

Observations are built so that the arithmetic is short:

* UNSD 2023 (P): with b = 2010, t = 2020, Y = 2030 the projection is v_Y = v_t·(1+CAGR)^10 = v_t·(v_t/v_b),
  because (1+CAGR)^10 = v_t/v_b. So P depends only on v_b, v_t and T.
* CAGR ratios: v_t = v_b·(1+a)^n gives CAGR_a = a exactly, and T = v_b·(1+r)^m gives CAGR_required = r,
  so the ratio is a/r (times the direction sign).
"""

from __future__ import annotations

import math

import pytest

from bisa_sdg.progress.methods import CATEGORIES, INSUFFICIENT, METHODS, NO_TARGET, Assessment, assess, cagr


def grown(v0: float, rate: float, years: int) -> float:
    """v0 after `years` years of compound growth at `rate` (so that CAGR(v0, result, years) = rate)."""
    return v0 * (1 + rate) ** years


# ---- catalogue of methods and codes ----------------------------------------------------------------------


def test_methods_and_category_codes():
    assert METHODS == ("unsd-2023", "unsd-2022", "eurostat", "open-sdg", "fpb")
    assert set(CATEGORIES) == set(METHODS)
    for method, codes in CATEGORIES.items():
        assert codes[-1] == INSUFFICIENT, method
        assert len(set(codes)) == len(codes), method
    assert CATEGORIES["unsd-2023"] == (
        "target_met",
        "on_track",
        "moderate_progress",
        "marginal_progress",
        "stagnation",
        "regression",
        NO_TARGET,
        INSUFFICIENT,
    )
    assert CATEGORIES["unsd-2022"][:5] == (
        "target_achieved",
        "substantial_progress",
        "fair_progress",
        "limited_progress",
        "deterioration",
    )


def test_cagr_helper():
    # 100 -> 121 in 2 years: sqrt(1.21) - 1 = 0.1
    assert cagr(100, 121, 2) == pytest.approx(0.1)


# ---- UNSD 2023: P = d·(v_Y − v_b)/|T − v_b| ----------------------------------------------------------------


def test_unsd2023_research_notes_example():
    # research notes §1.4: v_b = 100 (2015), v_t = 90 (2020), T = 50, decrease.
    # (1+CAGR)^5 = 0.9, CAGR = 0.9^(1/5) − 1 = −2.085 %; v_2030 = 90·(1+CAGR)^10 = 90·0.9² = 72.9;
    # P = (72.9 − 100)/(50 − 100) = 27.1/50 = 0.542 → moderate progress.
    a = assess({2015: 100, 2020: 90}, target=50, direction="decrease", method="unsd-2023")
    assert a.category == "moderate_progress"
    assert a.ratio == pytest.approx(0.542)
    assert a.projected_value == pytest.approx(72.9)
    assert a.cagr == pytest.approx(-0.020851, abs=1e-6)
    assert (a.base_year, a.base_value, a.latest_year, a.latest_value) == (2015, 100, 2020, 90)
    assert a.years == (2015, 2020) and a.values == (100.0, 90.0)
    assert a.method == "unsd-2023" and "2023" in a.method_version
    assert a.reason is None and a.score is None and a.cagr_required is None


# Increase desired, b = 2010, t = 2020, Y = 2030, so v_Y = v_t²/v_b.
#   v_b = 81, v_t = 90  → v_Y = 8100/81 = 100, v_Y − v_b = 19
#   v_b = 100, v_t = 110 → v_Y = 12100/100 = 121, v_Y − v_b = 21
#   v_b = 100, v_t = 90  → v_Y = 8100/100 = 81, v_Y − v_b = −19
UNSD2023_INCREASE = [
    # (v_b, v_t, T, expected P, class)
    (81, 90, 101, 19 / 20, "on_track"),  # 19/20 = 0.95, exactly on the cut
    (81, 90, 100.9, 19 / 19.9, "on_track"),  # 0.9548
    (81, 90, 101.1, 19 / 20.1, "moderate_progress"),  # 0.9453
    (100, 110, 142, 21 / 42, "moderate_progress"),  # 0.5 exactly
    (100, 110, 141, 21 / 41, "moderate_progress"),  # 0.5122
    (100, 110, 143, 21 / 43, "marginal_progress"),  # 0.4884
    (100, 110, 310, 21 / 210, "marginal_progress"),  # 0.1 exactly
    (100, 110, 300, 21 / 200, "marginal_progress"),  # 0.105
    (100, 110, 320, 21 / 220, "stagnation"),  # 0.0955
    (100, 90, 290, -19 / 190, "stagnation"),  # −0.1 exactly
    (100, 90, 300, -19 / 200, "stagnation"),  # −0.095
    (100, 90, 280, -19 / 180, "regression"),  # −0.1056
]


@pytest.mark.parametrize(("vb", "vt", "target", "p", "category"), UNSD2023_INCREASE)
def test_unsd2023_boundaries_increase(vb, vt, target, p, category):
    a = assess({2010: vb, 2020: vt}, target=target, direction="increase", method="unsd-2023", base_year=2010)
    assert a.ratio == pytest.approx(p, rel=1e-12)
    assert a.projected_value == pytest.approx(vt * vt / vb)
    assert a.category == category


# Decrease desired, v_b = 100, v_t = 90 → v_Y = 81, v_Y − v_b = −19, P = −(−19)/|T − 100| = 19/(100 − T).
UNSD2023_DECREASE = [
    (80, 19 / 20, "on_track"),  # 0.95 exactly
    (80.1, 19 / 19.9, "on_track"),  # 0.9548
    (79.9, 19 / 20.1, "moderate_progress"),  # 0.9453
    (62, 19 / 38, "moderate_progress"),  # 0.5 exactly
    (63, 19 / 37, "moderate_progress"),  # 0.5135
    (61, 19 / 39, "marginal_progress"),  # 0.4872
]


@pytest.mark.parametrize(("target", "p", "category"), UNSD2023_DECREASE)
def test_unsd2023_boundaries_decrease(target, p, category):
    a = assess({2010: 100, 2020: 90}, target=target, direction="decrease", method="unsd-2023", base_year=2010)
    assert a.ratio == pytest.approx(p, rel=1e-12)
    assert a.category == category


def test_unsd2023_decrease_moving_the_wrong_way_is_regression():
    # v_b = 100, v_t = 110 (2010 → 2020), decrease to T = 80: v_Y = 121, P = −(121 − 100)/20 = −1.05.
    a = assess({2010: 100, 2020: 110}, target=80, direction="decrease", base_year=2010)
    assert a.ratio == pytest.approx(-1.05)
    assert a.category == "regression"


def test_unsd2023_target_met_both_directions():
    # decrease: latest 9.5 <= 10 → met; exactly 10 also counts (v_t <= T).
    assert assess({2015: 12, 2022: 9.5}, target=10, direction="decrease").category == "target_met"
    assert assess({2015: 12, 2022: 10}, target=10, direction="decrease").category == "target_met"
    # increase: 60 >= 60 → met; 59.9 is not met and gets a trend class instead.
    assert assess({2015: 50, 2022: 60}, target=60, direction="increase").category == "target_met"
    assert assess({2015: 50, 2022: 59.9}, target=60, direction="increase").category != "target_met"


def test_unsd2023_no_target_is_not_assessed():
    a = assess({2015: 100, 2020: 90}, target=None, direction="decrease", method="unsd-2023")
    assert a.category == NO_TARGET
    assert "target" in a.reason
    assert not a.assessed
    # the trend itself is still reported: CAGR = 0.9^(1/5) − 1
    assert a.cagr == pytest.approx(0.9**0.2 - 1)


def test_unsd2023_zero_target():
    # Good Move style: 21 deaths (2015) → 15 (2020), T = 0 by 2030.
    # (1+CAGR)^10 = (15/21)² → v_Y = 15·225/441 = 7.653061;
    # P = −(7.653061 − 21)/|0 − 21| = 13.346939/21 = 0.635569
    a = assess({2015: 21, 2020: 15}, target=0, direction="decrease", method="unsd-2023")
    assert a.projected_value == pytest.approx(7.653061, abs=1e-6)
    assert a.ratio == pytest.approx(0.635569, abs=1e-6)
    assert a.category == "moderate_progress"


# ---- UNSD 2022: CR = d·CAGR_a/|CAGR_required| ------------------------------------------------------------
# b = 2015, t = 2020 (5 years), Y = 2030 (15 years): v_t = 100·(1+a)^5, T = 100·(1+r)^15, CR = a/r.

UNSD2022 = [
    # (a, r, CR, class)
    (0.019, 0.02, 0.95, "substantial_progress"),  # 1.9/2 = 0.95 exactly
    (0.0191, 0.02, 0.955, "substantial_progress"),
    (0.0189, 0.02, 0.945, "fair_progress"),
    (0.010, 0.02, 0.5, "fair_progress"),  # 1/2 exactly
    (0.0101, 0.02, 0.505, "fair_progress"),
    (0.0099, 0.02, 0.495, "limited_progress"),
    (-0.002, 0.02, -0.1, "limited_progress"),  # −0.2/2 exactly
    (-0.0019, 0.02, -0.095, "limited_progress"),
    (-0.0021, 0.02, -0.105, "deterioration"),
]


@pytest.mark.parametrize(("a", "r", "cr", "category"), UNSD2022)
def test_unsd2022_boundaries_increase(a, r, cr, category):
    obs = {2015: 100, 2020: grown(100, a, 5)}
    res = assess(obs, target=grown(100, r, 15), direction="increase", method="unsd-2022")
    assert res.cagr == pytest.approx(a, abs=1e-12)
    assert res.cagr_required == pytest.approx(r, abs=1e-12)
    assert res.ratio == pytest.approx(cr, abs=1e-9)
    assert res.category == category


@pytest.mark.parametrize(("a", "r", "cr", "category"), UNSD2022)
def test_unsd2022_boundaries_decrease(a, r, cr, category):
    # Mirror image: v_t = 100·(1−a)^5, T = 100·(1−r)^15, CAGR_a = −a, CAGR_r = −r,
    # CR = (−1)·(−a)/|−r| = a/r.
    obs = {2015: 100, 2020: grown(100, -a, 5)}
    res = assess(obs, target=grown(100, -r, 15), direction="decrease", method="unsd-2022")
    assert res.ratio == pytest.approx(cr, abs=1e-9)
    assert res.category == category


def test_unsd2022_research_notes_example():
    # §1.4: CAGR_r = 0.5^(1/15) − 1 = −4.516 %, CAGR_a = −2.085 %, CR = 2.085/4.516 = 0.4617 → limited.
    a = assess({2015: 100, 2020: 90}, target=50, direction="decrease", method="unsd-2022")
    assert a.cagr_required == pytest.approx(-0.045158, abs=1e-6)
    assert a.ratio == pytest.approx(0.4617, abs=1e-4)
    assert a.category == "limited_progress"


def test_unsd2022_target_achieved():
    a = assess({2015: 30, 2020: 9}, target=10, direction="decrease", method="unsd-2022")
    assert a.category == "target_achieved"


UNSD2022_NO_TARGET = [
    # CAGR in the desired direction: > 1 % substantial (strict), 0.5–1 % fair, −1 %–0.5 % limited, < −1 %.
    (0.0101, "substantial_progress"),
    (0.01, "fair_progress"),  # exactly 1 %: not "> 1 %"
    (0.005, "fair_progress"),  # exactly 0.5 %
    (0.0049, "limited_progress"),
    (-0.01, "limited_progress"),  # exactly −1 %: not "< −1 %"
    (-0.0101, "deterioration"),
]


@pytest.mark.parametrize(("rate", "category"), UNSD2022_NO_TARGET)
def test_unsd2022_no_target(rate, category):
    up = assess({2015: 100, 2020: grown(100, rate, 5)}, target=None, direction="increase", method="unsd-2022")
    assert up.category == category
    # the same movement in a "decrease desired" series: CAGR −rate counts as +rate
    down = assess(
        {2015: 100, 2020: grown(100, -rate, 5)}, target=None, direction="decrease", method="unsd-2022"
    )
    assert down.category == category
    assert up.ratio is None


def test_unsd2022_zero_target():
    # T = 0: CAGR_r = (0/21)^(1/15) − 1 = −1; CAGR_a = (15/21)^(1/5) − 1 = −6.508 %; CR = 0.06508 → limited.
    a = assess({2015: 21, 2020: 15}, target=0, direction="decrease", method="unsd-2022")
    assert a.cagr_required == -1
    assert a.ratio == pytest.approx(0.06508, abs=1e-5)
    assert a.category == "limited_progress"
    assert "zero target" in a.note


# ---- Eurostat: window from t − 5 (or t − 15) --------------------------------------------------------------
# t = 2023, window 5 → base 2018; Y = 2030 → 12 years. v_t = 100·(1+a)^5, T = 100·(1+r)^12, ratio = a/r.

EUROSTAT = [
    (0.019, 0.95, "significant_progress"),  # 1.9/2 exactly
    (0.0189, 0.945, "moderate_progress"),
    (0.012, 0.6, "moderate_progress"),  # 1.2/2 exactly
    (0.0121, 0.605, "moderate_progress"),
    (0.0119, 0.595, "insufficient_progress"),
    (0.0, 0.0, "insufficient_progress"),  # no change: ratio 0 is the bottom of 0–60 %
    (0.0001, 0.005, "insufficient_progress"),
    (-0.0001, -0.005, "movement_away"),
]


@pytest.mark.parametrize(("a", "ratio", "category"), EUROSTAT)
def test_eurostat_boundaries_with_target(a, ratio, category):
    obs = {2015: 50.0, 2018: 100.0, 2023: grown(100, a, 5)}  # 2015 lies outside the 5-year window
    res = assess(obs, target=grown(100, 0.02, 12), direction="increase", method="eurostat")
    assert res.window == 5
    assert res.base_year == 2018
    assert res.cagr_required == pytest.approx(0.02, abs=1e-12)
    assert res.ratio == pytest.approx(ratio, abs=1e-9)
    assert res.category == category


def test_eurostat_decrease_with_target():
    # 100 (2018) → 100·0.981^5 (2023), T = 100·0.98^12: ratio = (−1)(−0.019)/0.02 = 0.95 → significant.
    obs = {2018: 100, 2023: grown(100, -0.019, 5)}
    res = assess(obs, target=grown(100, -0.02, 12), direction="decrease", method="eurostat")
    assert res.ratio == pytest.approx(0.95, abs=1e-9)
    assert res.category == "significant_progress"


def test_eurostat_window_start_missing_falls_to_next_year():
    # t = 2023, window 5 → 2018 missing → first later year 2019.
    obs = {2015: 80, 2017: 90, 2019: 100, 2023: 104}
    assert assess(obs, target=None, direction="increase", method="eurostat").base_year == 2019
    # window 15 → 2008 → first later year with data is 2015
    long = assess(obs, target=None, direction="increase", method="eurostat", window=15)
    assert (long.window, long.base_year, long.base_value) == (15, 2015, 80)


EUROSTAT_NO_TARGET = [
    # CAGR in the desired direction: > 1 % significant (strict), 0–1 % moderate, −1 %–0 moderate away, < −1 %.
    (0.0101, "significant_progress"),
    (0.01, "moderate_progress"),  # exactly 1 %
    (0.0, "moderate_progress"),  # exactly 0
    (-0.0001, "moderate_movement_away"),
    (-0.01, "moderate_movement_away"),  # exactly −1 %
    (-0.0101, "significant_movement_away"),
]


@pytest.mark.parametrize(("rate", "category"), EUROSTAT_NO_TARGET)
def test_eurostat_no_target(rate, category):
    up = assess({2018: 100, 2023: grown(100, rate, 5)}, target=None, direction="increase", method="eurostat")
    assert up.category == category
    down = assess(
        {2018: 100, 2023: grown(100, -rate, 5)}, target=None, direction="decrease", method="eurostat"
    )
    assert down.category == category


def test_eurostat_research_notes_recycling():
    # research notes §2.1: EU recycling 45.9 % (2016) → 48.7 % (2021),
    # CAGR (48.7/45.9)^(1/5) − 1 = +1.19 %/yr; to 60 % by 2030 from 2016 the required rate is
    # (60/45.9)^(1/14) − 1 = 1.93 %/yr; ratio 0.617 → moderate.
    res = assess({2016: 45.9, 2021: 48.7}, target=60, direction="increase", method="eurostat")
    assert res.cagr == pytest.approx(0.0119, abs=1e-4)
    assert res.cagr_required == pytest.approx(0.0193, abs=1e-4)
    assert res.ratio == pytest.approx(0.617, abs=1e-3)
    assert res.category == "moderate_progress"


def test_eurostat_window_validation():
    with pytest.raises(ValueError, match="window"):
        assess({2018: 1, 2023: 2}, target=None, direction="increase", method="eurostat", window=10)
    with pytest.raises(ValueError, match="eurostat"):
        assess({2018: 1, 2023: 2}, target=None, direction="increase", method="unsd-2023", window=5)


# ---- open-sdg (sdg-build ProgressMeasure) ------------------------------------------------------------------
# With target, b = 2015, t = 2020, Y = 2030: v_t = 100·(1+a)^5, T = 100·(1+r)^15, R = a/r.
# Score: R >= 0.6 → 50/7·R − 30/7 (capped at 5), else 25/6·R − 2.5 (floored at −5).

OPEN_SDG_TARGET = [
    # (a, r, R, class, score)
    (0.026, 0.02, 1.3, "substantial_progress", 5.0),  # 50/7·1.3 − 30/7 = (65 − 30)/7 = 5
    (0.04, 0.02, 2.0, "substantial_progress", 5.0),  # (100 − 30)/7 = 10 → capped at 5
    (0.019, 0.02, 0.95, "substantial_progress", 2.5),  # (47.5 − 30)/7 = 2.5
    (0.0189, 0.02, 0.945, "moderate_progress", (47.25 - 30) / 7),  # 2.4643
    (0.012, 0.02, 0.6, "moderate_progress", 0.0),  # (30 − 30)/7 = 0
    (0.0118, 0.02, 0.59, "limited_progress", 25 / 6 * 0.59 - 2.5),  # 2.45833 − 2.5 = −0.041667
    (0.0, 0.02, 0.0, "limited_progress", -2.5),
    (-0.002, 0.02, -0.1, "deterioration", -2.5 - 25 / 60),  # −0.41667 − 2.5 = −2.91667
    (-0.012, 0.02, -0.6, "deterioration", -5.0),  # −2.5 − 2.5 = −5
    (-0.02, 0.02, -1.0, "deterioration", -5.0),  # −4.1667 − 2.5 = −6.67 → floored at −5
]


@pytest.mark.parametrize(("a", "r", "ratio", "category", "score"), OPEN_SDG_TARGET)
def test_open_sdg_with_target(a, r, ratio, category, score):
    obs = {2015: 100, 2020: grown(100, a, 5)}
    res = assess(obs, target=grown(100, r, 15), direction="increase", method="open-sdg")
    assert res.ratio == pytest.approx(ratio, abs=1e-9)
    assert res.category == category
    assert res.score == pytest.approx(score, abs=1e-9)


def test_open_sdg_target_achieved_scores_five():
    res = assess({2015: 20, 2020: 12}, target=15, direction="decrease", method="open-sdg")
    assert (res.category, res.score) == ("target_achieved", 5.0)


# No target: thresholds 1.5 % / 0.5 % / 0 on the CAGR in the desired direction.
# Score: < 0 → 125·c − 2.5 (floor −5); >= 1.5 % → 500·c − 5 (cap 5); >= 0.5 % → 250·c − 1.25;
# else 500·c − 2.5.
OPEN_SDG_NO_TARGET = [
    (0.03, "substantial_progress", 5.0),  # 15 − 5 = 10 → capped
    (0.02, "substantial_progress", 5.0),  # 10 − 5 = 5
    (0.015, "substantial_progress", 2.5),  # 7.5 − 5
    (0.0149, "moderate_progress", 2.475),  # 3.725 − 1.25
    (0.005, "moderate_progress", 0.0),  # 1.25 − 1.25
    (0.0049, "limited_progress", -0.05),  # 2.45 − 2.5
    (0.0, "limited_progress", -2.5),
    (-0.0001, "deterioration", -2.5125),  # −0.0125 − 2.5
    (-0.01, "deterioration", -3.75),  # −1.25 − 2.5
    (-0.02, "deterioration", -5.0),  # −2.5 − 2.5
    (-0.03, "deterioration", -5.0),  # −3.75 − 2.5 = −6.25 → floored
]


@pytest.mark.parametrize(("rate", "category", "score"), OPEN_SDG_NO_TARGET)
def test_open_sdg_no_target(rate, category, score):
    up = assess({2015: 100, 2020: grown(100, rate, 5)}, target=None, direction="increase", method="open-sdg")
    assert (up.category, up.ratio) == (category, None)
    assert up.score == pytest.approx(score, abs=1e-9)
    down = assess(
        {2015: 100, 2020: grown(100, -rate, 5)}, target=None, direction="decrease", method="open-sdg"
    )
    assert down.category == category
    assert down.score == pytest.approx(score, abs=1e-9)


def test_open_sdg_limit_scales_thresholds():
    # base 50, limit 100: C = 1 − (50/100)^4.44 = 1 − 2^−4.44; 2^4.44 = 16·2^0.44 = 16·1.356604 = 21.70566,
    # so C = 1 − 0.0460709 = 0.9539291. The 1.5 % threshold becomes 1.4309 %, so CAGR 1.45 % is
    # substantial (it would be moderate without the limit).
    # Score: 500·0.0145/C − 5 = 7.25/0.9539291 − 5 = 2.60014.
    obs = {2015: 50, 2020: grown(50, 0.0145, 5)}
    plain = assess(obs, target=None, direction="increase", method="open-sdg")
    assert plain.category == "moderate_progress"
    scaled = assess(obs, target=None, direction="increase", method="open-sdg", limit=100)
    assert scaled.category == "substantial_progress"
    assert scaled.score == pytest.approx(2.60014, abs=1e-4)
    assert "C = 0.9539" in scaled.note


def test_open_sdg_at_the_limit_holding_is_substantial():
    # base = limit: C = 1 − 1^4.44 = 0, every threshold is 0, no change (CAGR 0) → substantial, score 5.
    res = assess({2015: 100, 2020: 100}, target=None, direction="increase", method="open-sdg", limit=100)
    assert (res.category, res.score) == ("substantial_progress", 5.0)
    # base >= 2·limit: C = 1, the plain thresholds
    far = assess({2015: 250, 2020: 250}, target=None, direction="decrease", method="open-sdg", limit=100)
    assert (far.category, far.score) == ("limited_progress", -2.5)


def test_open_sdg_zero_target_uses_sdg_build_substitute():
    # T = 0 → 0.001: CAGR_r = (0.001/21)^(1/15) − 1; ln(1/21000) = −9.952278, /15 = −0.663485,
    # e^−0.663485 = 0.515053 → CAGR_r = −0.484947. CAGR_a = (15/21)^(1/5) − 1 = −0.065080.
    # R = 0.065080/0.484947 = 0.134200 → limited; score 25/6·0.134200 − 2.5 = −1.940833 (R to 6 decimals
    # carries ±2e-6 into the score).
    res = assess({2015: 21, 2020: 15}, target=0, direction="decrease", method="open-sdg")
    assert res.cagr_required == pytest.approx(-0.484947, abs=1e-6)
    assert res.ratio == pytest.approx(0.134200, abs=1e-6)
    assert res.category == "limited_progress"
    assert res.score == pytest.approx(-1.940833, abs=1e-5)
    assert "0.001" in res.note


def test_limit_only_for_open_sdg():
    with pytest.raises(ValueError, match="limit"):
        assess({2015: 1, 2020: 2}, target=None, direction="increase", method="eurostat", limit=100)


# ---- rules shared by all methods ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_missing_base_year_falls_to_first_later_year(method):
    # Nothing in 2015; 2010 is before the base and ignored; the base becomes 2016.
    # With Y = 2031: (1+CAGR)^5 = 0.9, v_2031 = 90·0.9² = 72.9, P = (100 − 72.9)/(100 − 50) = 0.542.
    obs = {2010: 500, 2016: 100, 2021: 90}
    res = assess(obs, target=50, target_year=2031, direction="decrease", method=method)
    assert (res.base_year, res.base_value, res.latest_year) == (2016, 100, 2021)
    assert res.cagr == pytest.approx(0.9**0.2 - 1)
    assert 2010 not in res.years
    if method == "unsd-2023":
        assert res.ratio == pytest.approx(0.542)


def test_requested_base_year_later_than_data_start():
    res = assess({2015: 100, 2020: 90, 2022: 85}, target=None, direction="decrease", method="eurostat")
    assert res.base_year == 2020  # eurostat: window start 2022 − 5 = 2017 → first later year 2020
    res = assess({2015: 100, 2020: 90, 2022: 85}, target=50, direction="decrease", base_year=2018)
    assert res.base_year == 2020


@pytest.mark.parametrize("method", METHODS)
def test_one_data_point_is_insufficient(method):
    res = assess({2020: 15}, target=10, direction="decrease", method=method)
    assert res.category == INSUFFICIENT
    assert "one usable observation" in res.reason
    assert not res.assessed
    assert (res.latest_year, res.latest_value) == (2020, 15)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "fpb"])  # fpb judges the 2030 extrapolation
def test_one_data_point_meeting_the_target_is_met(method):
    # "Target met" is about the level only: one observation that meets the target suffices.
    res = assess({2020: 4}, target=5, direction="decrease", method=method)
    assert res.category == CATEGORIES[method][0]
    assert "trend not assessed" in res.note


@pytest.mark.parametrize("method", METHODS)
def test_missing_values_are_skipped(method):
    res = assess({2015: None, 2016: math.nan, 2020: 90}, target=50, direction="decrease", method=method)
    assert res.category == INSUFFICIENT


def test_no_data_before_latest_after_base_year():
    res = assess({2010: 100, 2012: 90}, target=50, direction="decrease", method="unsd-2022")
    assert res.category == INSUFFICIENT
    assert "2015" in res.reason


@pytest.mark.parametrize("method", METHODS)
def test_zero_base_is_insufficient(method):
    res = assess({2015: 0, 2020: 5}, target=10, direction="increase", method=method)
    assert res.category == INSUFFICIENT
    assert "zero" in res.reason


@pytest.mark.parametrize("method", METHODS)
def test_sign_change_is_insufficient(method):
    res = assess({2015: 2.0, 2020: -1.0}, target=5, direction="increase", method=method)
    assert res.category == INSUFFICIENT
    assert "sign change" in res.reason


@pytest.mark.parametrize("method", METHODS)
def test_negative_values_are_insufficient(method):
    res = assess({2015: -2.0, 2020: -1.0}, target=5, direction="increase", method=method)
    assert res.category == INSUFFICIENT
    assert "negative" in res.reason


def test_latest_value_zero_is_allowed():
    # 10 → 0: CAGR = (0/10)^(1/5) − 1 = −100 %, a strong move in the desired direction.
    res = assess({2015: 10, 2020: 0}, target=None, direction="decrease", method="eurostat")
    assert res.cagr == -1
    assert res.category == "significant_progress"


def test_no_target_rule_per_method():
    obs = {2015: 100, 2020: grown(100, -0.03, 5)}  # −3 %/yr, decrease desired
    got = {m: assess(obs, target=None, direction="decrease", method=m).category for m in METHODS}
    assert got == {
        "unsd-2023": NO_TARGET,
        "unsd-2022": "substantial_progress",
        "eurostat": "significant_progress",
        "open-sdg": "substantial_progress",
        "fpb": NO_TARGET,  # its direction rule (with a significance test) is not implemented
    }


@pytest.mark.parametrize(
    ("method", "worst"),
    [
        ("unsd-2023", "regression"),
        ("unsd-2022", "deterioration"),
        ("eurostat", "movement_away"),
        ("open-sdg", "deterioration"),
    ],
)
def test_target_equal_to_base_value(method, worst):
    # T = v_b = 10, decrease wanted, latest 12: the required change is zero (no ratio) and the series has
    # moved away from the target.
    res = assess({2015: 10, 2020: 12}, target=10, direction="decrease", method=method)
    assert res.ratio is None
    assert res.category == worst
    assert "required change is zero" in res.note
    assert res.score == (-5.0 if method == "open-sdg" else None)
    # ... while a latest value at or below 10 meets it.
    assert (
        assess({2015: 10, 2020: 9}, target=10, direction="decrease", method=method).category
        == CATEGORIES[method][0]
    )


def test_base_already_met_then_lost_is_negative():
    # decrease to T = 10; base 8 (met), latest 12 (not met). UNSD 2023: v_Y = 12·(12/8)² = 27,
    # P = −(27 − 8)/|10 − 8| = −19/2 = −9.5 → regression (the unsigned formula would give +9.5 "on track").
    res = assess({2015: 8, 2020: 12}, target=10, direction="decrease", method="unsd-2023")
    assert res.ratio == pytest.approx(-9.5)
    assert res.category == "regression"
    res22 = assess({2015: 8, 2020: 12}, target=10, direction="decrease", method="unsd-2022")
    assert res22.ratio < 0 and res22.category == "deterioration"


def test_observations_after_target_year_are_not_used():
    # target 55 by 2025: the 2025 value 56 meets it; 2026 is not looked at.
    obs = {2015: 40, 2020: 50, 2025: 56, 2026: 57}
    res = assess(obs, target=55, target_year=2025, direction="increase")
    assert (res.category, res.latest_year) == ("target_met", 2025)
    assert "2026" in res.note
    # target 60 by 2025, not met: Y = t = 2025, v_Y = v_t = 56, P = (56 − 40)/(60 − 40) = 0.8 → moderate.
    res = assess(obs, target=60, target_year=2025, direction="increase")
    assert res.ratio == pytest.approx(0.8)
    assert res.category == "moderate_progress"


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="unknown progress method"):
        assess({2015: 1, 2020: 2}, target=None, direction="increase", method="oecd")
    with pytest.raises(ValueError, match="direction"):
        assess({2015: 1, 2020: 2}, target=None, direction="up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        assess({2015: 1, 2020: 2}, target=math.nan, direction="increase")


def test_assessment_is_frozen():
    res = assess({2015: 1, 2020: 2}, target=None, direction="increase", method="eurostat")
    assert isinstance(res, Assessment)
    with pytest.raises(AttributeError):
        res.category = "x"  # type: ignore[misc]


# ---- base year before the default (issue 14, item 7) ---------------------------------------------------------


@pytest.mark.parametrize("method", ["unsd-2023", "unsd-2022", "open-sdg"])
def test_base_falls_back_before_2015_when_nothing_from_2015_precedes_the_latest(method):
    # A greenhouse-gas index published for 2005 (= 100) and 2022 (= 73) only: nothing from 2015 on precedes
    # 2022, so the base is 2005, the latest observation before 2015, and the note says so.
    #   CAGR = 0.73^(1/17) − 1: ln 0.73 = −0.3147107, /17 = −0.0185124, e^that − 1 = −0.0183421
    #   unsd-2023, T = 53 (−47 %): v_2030 = 73·e^(8·−0.0185124) = 73·e^−0.1480992 = 73·0.8623464 = 62.9513;
    #   P = (100 − 62.9513)/(100 − 53) = 37.0487/47 = 0.78827 → 0.5 ≤ P < 0.95: moderate_progress
    res = assess({2005: 100, 2022: 73}, target=53, direction="decrease", method=method)
    assert (res.base_year, res.base_value, res.latest_year) == (2005, 100, 2022)
    assert res.base_fallback and res.note.startswith("base_before_default")
    assert res.cagr == pytest.approx(-0.0183421, abs=1e-7)
    if method == "unsd-2023":
        assert res.ratio == pytest.approx(0.78827, abs=1e-5)
        assert res.category == "moderate_progress"


def test_base_fallback_not_for_eurostat_nor_when_a_later_base_exists():
    # Eurostat's window (2022 − 5 = 2017) is its definition: no data in it stays insufficient.
    res = assess({2005: 100, 2022: 73}, target=53, direction="decrease", method="eurostat")
    assert res.category == INSUFFICIENT and not res.base_fallback
    # With a 2016 value the ordinary rule holds (first year from 2015 on) and 2005 is not used.
    res = assess({2005: 100, 2016: 90, 2022: 73}, target=53, direction="decrease")
    assert res.base_year == 2016 and not res.base_fallback and 2005 not in res.years


# ---- fpb: the Federal Planning Bureau's extrapolation with a 10 % margin (details UNVERIFIED) ------------------


@pytest.mark.parametrize(
    ("latest", "target", "category"),
    [
        # b = 2010, t = 2020, Y = 2030: v_2030 = v_t·(v_t/v_b) (module docstring). Decrease from 100.
        (80, 60, "favourable"),  # v_2030 = 80·0.8 = 64 ≤ 1.1·60 = 66
        (80, 58, "unfavourable_too_slow"),  # 64 > 1.1·58 = 63.8, and falling: the desired direction
        (90, 73, "unfavourable_too_slow"),  # v_2030 = 90·0.9 = 81 > 80.3 = 1.1·73
        (90, 74, "favourable"),  # 81 ≤ 81.4 = 1.1·74
        (110, 60, "unfavourable_wrong_direction"),  # rising while a decrease is desired
    ],
)
def test_fpb_extrapolation_against_the_target_with_a_10_percent_margin(latest, target, category):
    res = assess({2010: 100, 2020: latest}, target=target, direction="decrease", method="fpb", base_year=2010)
    assert res.category == category
    assert res.projected_value == pytest.approx(latest * latest / 100)


def test_fpb_increase_margin_is_below_the_target():
    # Increase from 50 to 60 (2010 → 2020): v_2030 = 60·1.2 = 72; target 80: 0.9·80 = 72 ≤ 72 → favourable
    # (on the boundary); target 81: 0.9·81 = 72.9 > 72 → unfavourable, moving the right way → too slow.
    obs = {2010: 50, 2020: 60}
    assert assess(obs, target=80, direction="increase", method="fpb", base_year=2010).category == "favourable"
    res = assess(obs, target=81, direction="increase", method="fpb", base_year=2010)
    assert res.category == "unfavourable_too_slow"
