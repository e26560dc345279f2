"""Hand-worked checks of bisa_sdg.progress.verdicts: probability that the target is met, stability of the class under
rounding and the projection's interval, the three-level light. Every expected number is derived in a comment."""

from __future__ import annotations

import math
import statistics

import pytest

from bisa_sdg.progress.methods import CATEGORIES, assess
from bisa_sdg.progress.verdicts import (
    LIGHTS,
    Z80,
    drift_projection,
    light,
    probability_target_met,
    verdict_stability,
)

# ---- probability_target_met --------------------------------------------------------------------------------

# Unequal gaps: 2015 → 2017 (g = 2) → 2020 (g = 3), values 100, 90, 80.
#   μ̂ = ln(80/100)/5 = −0.22314355/5 = −0.04462871
#   Δ1 = ln 0.9 = −0.10536052, residual Δ1 − 2μ̂ = −0.01610310, squared/2 = 0.00025930983/2 = 0.00012965
#   Δ2 = ln(8/9) = −0.11778304, residual Δ2 − 3μ̂ = +0.01610309, squared/3 = 0.00008643661
#   σ̂² = (0.00012965 + 0.00008644)/(m − 1 = 1) = 0.00021609
#   h = 2030 − 2020 = 10: var = σ̂²·(h + h²/(t − b)) = σ̂²·(10 + 100/5) = 30·0.000216091 = 0.00648274, sd = 0.0805155
#   mean = ln 80 + 10·μ̂ = 4.38202663 − 0.44628710 = 3.93573953 (= ln 51.2: 80·0.8², the CAGR projection)
#   target 50 (decrease): z = (ln 50 − mean)/sd = (3.91202301 − 3.93573953)/0.0805155 = −0.294560
#   Φ(−0.294560) = 0.5·(1 + erf(−0.208286)); erf(0.208286) ≈ 1.1283792·(0.208286 − 0.0030121 + 0.0000392)
#   = 0.231671, so Φ = 0.5·(1 − 0.231671) = 0.384164
UNEQUAL = {2015: 100.0, 2017: 90.0, 2020: 80.0}


def test_drift_projection_with_unequal_gaps_by_hand():
    projection = drift_projection(list(UNEQUAL), list(UNEQUAL.values()), 2030)
    assert projection.mean == pytest.approx(3.93573953, abs=1e-8)
    assert projection.sd == pytest.approx(0.0805155, abs=2e-7)


def test_probability_decrease_by_hand():
    result = assess(UNEQUAL, target=50, direction="decrease")
    assert probability_target_met(result).value == pytest.approx(0.384165, abs=1e-5)


def test_probability_increase_is_the_complement():
    # The same series against 50 as a floor to stay above: P(v_2030 ≥ 50) = 1 − 0.384165 = 0.615835.
    # (80 ≥ 50 already: the class is target_met, a statement on the level; the probability is on 2030.)
    result = assess(UNEQUAL, target=50, direction="increase")
    assert result.category == "target_met"
    assert probability_target_met(result).value == pytest.approx(0.615835, abs=1e-5)


def test_equal_gaps_reduce_to_hyndman_athanasopoulos():
    # Five yearly observations (T = 5): FPP3 §5.5 drift sd = σ̂·√(h(1 + h/(T − 1))), σ̂ the sample sd of the
    # log differences (divisor T − 2). Computed here with statistics.stdev, independently of the module.
    obs = {2016: 100.0, 2017: 95.0, 2018: 93.0, 2019: 88.0, 2020: 86.0}
    diffs = [math.log(b / a) for a, b in zip(list(obs.values()), list(obs.values())[1:], strict=False)]
    h = 10
    expected_sd = statistics.stdev(diffs) * math.sqrt(h * (1 + h / 4))
    projection = drift_projection(list(obs), list(obs.values()), 2030)
    assert projection.sd == pytest.approx(expected_sd, rel=1e-12)
    assert projection.mean == pytest.approx(math.log(86.0) + h * statistics.mean(diffs), rel=1e-12)


@pytest.mark.parametrize(
    ("obs", "target", "direction", "value", "code"),
    [
        ({2015: 100.0, 2020: 80.0}, 50, "decrease", None, "two_observations"),  # σ̂ = 0/0
        ({2015: 100.0, 2020: 80.0, 2022: 70.0}, 0, "decrease", 0.0, "zero_target"),  # ln 0 = −∞
        ({2015: 5.0, 2018: 0.0, 2020: 3.0}, 1, "decrease", None, "non_positive_values"),
        ({2015: 100.0, 2020: 80.0, 2022: 70.0}, None, "decrease", None, "no_numeric_target"),
        ({2020: 80.0}, 50, "decrease", None, "not_assessed"),  # one point, not meeting: no class
        ({2020: 40.0}, 50, "decrease", None, "one_observation"),  # met on one point: no trend
        ({2015: 100.0, 2025: 60.0, 2030: 45.0}, 50, "decrease", 1.0, "target_year_reached"),
    ],
)
def test_probability_is_null_or_qualified_with_a_reason(obs, target, direction, value, code):
    result = assess(
        obs, target=target, direction=direction, method="unsd-2022" if target is None else "unsd-2023"
    )
    probability = probability_target_met(result)
    assert (probability.value, probability.reason_code) == (value, code)


# ---- verdict_stable --------------------------------------------------------------------------------------


def rerun(**kwargs):
    return lambda obs, target: assess(obs, target=target, **kwargs)


def test_rounding_flips_the_verdict_of_a_share_published_to_one_decimal():
    # A share 20.0 % (2015) → 20.3 % (2020), increase to 30 % by 2030, each published to one decimal (±0.05).
    #   point: v_2030 = 20.3·(20.3/20)^2 = 20.3·1.030225 = 20.913568; P = 0.913568/10 = 0.0913568 < 0.1
    #          → stagnation
    #   corner base 19.95, latest 20.35: v_2030 = 20.35·(20.35/19.95)² = 20.35·1.0200501² = 20.35·1.0405022
    #          = 21.174220; P = (21.174220 − 19.95)/(30 − 19.95) = 1.224220/10.05 = 0.121813 ≥ 0.1
    #          → marginal_progress: the class is not stable
    obs = {2015: 20.0, 2020: 20.3}
    bounds = {2015: (19.95, 20.05), 2020: (20.25, 20.35)}
    result = assess(obs, target=30, direction="increase")
    assert result.category == "stagnation"
    stability = verdict_stability(result, obs, bounds, rerun(direction="increase"))
    assert (stability.stable, stability.reason_code) == (False, "rounding")
    assert stability.note.startswith("marginal_progress")


def test_rounding_that_keeps_the_class_is_stable():
    # 20.0 → 23.0, target 30: v_2030 = 23·1.15² = 30.4175 ≥ 30, P = 1.04175 → on_track. Worst corner, base
    # 20.05 and latest 22.95: 22.95·(22.95/20.05)² = 22.95·1.3101970 = 30.06902, P = 10.01902/9.95 = 1.00694
    # ≥ 0.95 → on_track still. Two observations: the 80 % interval cannot be checked, and the note says so.
    obs = {2015: 20.0, 2020: 23.0}
    bounds = {2015: (19.95, 20.05), 2020: (22.95, 23.05)}
    result = assess(obs, target=30, direction="increase")
    stability = verdict_stability(result, obs, bounds, rerun(direction="increase"))
    assert stability.stable is True
    assert "rounding (4 corners)" in stability.note and "two_observations" in stability.note


def test_no_bounds_means_exact():
    result = assess({2015: 20.0, 2020: 20.3}, target=30, direction="increase")
    assert verdict_stability(result, {2015: 20.0, 2020: 20.3}, {}, rerun(direction="increase")).stable is True


def test_the_80_percent_interval_flips_unsd_2023():
    # UNEQUAL against 50 (decrease): P = (100 − 51.2)/50 = 0.976 ≥ 0.95 → on_track. The 80 % interval of
    # ln v_2030 is 3.93573953 ± 1.2815516·0.0805155 = ± 0.1031847; its upper end 51.2·e^0.1031848
    # = 51.2·1.1086963 = 56.7652 gives P = (100 − 56.7652)/50 = 0.864696 → moderate_progress.
    result = assess(UNEQUAL, target=50, direction="decrease")
    assert result.category == "on_track"
    stability = verdict_stability(result, UNEQUAL, {}, rerun(direction="decrease"))
    assert (stability.stable, stability.reason_code) == (False, "prediction_interval")
    assert stability.note.startswith("moderate_progress at the upper end")
    assert abs(Z80 - 1.2815516) < 1e-7  # Φ^-1(0.9), from a normal table
    # The growth-ratio methods project no value: only rounding is checked, and there is none.
    chart = assess(UNEQUAL, target=50, direction="decrease", method="unsd-2022")
    assert verdict_stability(chart, UNEQUAL, {}, rerun(direction="decrease", method="unsd-2022")).stable


def test_a_relative_target_is_re_resolved_from_the_moved_base_value():
    # −50 % vs 2019; the 2019 value 2.4 published as [2.35, 2.45]: the corners must be assessed against
    # 0.5·2.35 = 1.175 and 0.5·2.45 = 1.225, not against the point target 1.2.
    obs = {2019: 2.4, 2024: 2.0}
    seen: list[float | None] = []

    def record(o, target):
        seen.append(target)
        return assess(o, target=target, direction="decrease", base_year=2019)

    result = assess(obs, target=1.2, direction="decrease", base_year=2019)
    verdict_stability(result, obs, {2019: (2.35, 2.45)}, record, relative_change=-0.5, target_base_year=2019)
    assert sorted(seen) == pytest.approx([1.175, 1.225])


def test_no_class_no_stability():
    result = assess({2020: 80.0}, target=50, direction="decrease")
    assert verdict_stability(result, {2020: 80.0}, {}, rerun(direction="decrease")).stable is None


# ---- lights -----------------------------------------------------------------------------------------------


def test_every_class_of_every_method_has_a_light_or_is_no_verdict():
    for method, codes in CATEGORIES.items():
        for code in codes:
            if code in ("insufficient_data", "no_target"):
                assert light(method, code) is None
            else:
                assert light(method, code) in ("on_track", "some_progress", "no_progress_or_worse"), (
                    method,
                    code,
                )
    assert set(LIGHTS) >= set(CATEGORIES)
    assert light("unsd-2022", "limited_progress") == "no_progress_or_worse"  # "limited or NO progress"
    assert (
        light("eurostat", "insufficient_progress") == "some_progress"
    )  # 0 ≤ ratio < 0.6: towards the target


def test_the_80_percent_interval_flips_fpb_too():
    # fpb also projects a value: UNEQUAL against 50 (decrease), base 2015: v_2030 = 51.2 ≤ 1.1·50 = 55 →
    # favourable; the upper end of the 80 % interval, 56.7652 (above), is > 55 and the trend falls →
    # unfavourable_too_slow: not stable. (Lower end 51.2/1.1086963 = 46.180 ≤ 55: favourable.)
    result = assess(UNEQUAL, target=50, direction="decrease", method="fpb")
    assert result.category == "favourable"
    stability = verdict_stability(result, UNEQUAL, {}, rerun(direction="decrease", method="fpb"))
    assert (stability.stable, stability.reason_code) == (False, "prediction_interval")
    assert stability.note.startswith("unfavourable_too_slow at the upper end")
