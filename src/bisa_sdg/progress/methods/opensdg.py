"""Open SDG: the Statistics Canada method as implemented in open-sdg/sdg-build ``ProgressMeasure``, with its
−5…+5 scores that are averaged per indicator.

Source: open-sdg/sdg-build, sdg/ProgressMeasure.py at commit 139fede74ba534d2ed8b9eee4cd878b41f54cb67,
``SeriesProgress.get_progress_thresholds()``: method 2 (target) {'high': 0.95, 'med': 0.6, 'low': 0}; method 1
(no target) {'high': 0.015, 'med': 0.005, 'low': 0}, the positive ones scaled by a coefficient C near a natural
limit; the same as open-sdg's docs/progress-methodology.md. Its status codes are used as they are
(``get_progress_status``); its "not_available" is insufficient_data here.
"""

from __future__ import annotations

from bisa_sdg.progress.methods.base import INSUFFICIENT, Assessment, Case, ge, register
from bisa_sdg.progress.methods.ratio import RatioMethod

NO_TARGET_HIGH, NO_TARGET_MEDIUM = 0.015, 0.005
LIMIT_EXPONENT = 4.44  # `a = 4.44` in get_progress_thresholds()
# SeriesProgress.__init__: "Target is zero (invalid) ... Calculating progress with target = 0.001 instead."
ZERO_TARGET = 0.001


@register
class OpenSDG(RatioMethod):
    code = "open-sdg"
    version = "open-sdg/sdg-build sdg/ProgressMeasure.py @139fede7 (StatCan)"
    categories = (
        "target_achieved",
        "substantial_progress",
        "moderate_progress",
        "limited_progress",
        "deterioration",
        INSUFFICIENT,
    )
    worst = "deterioration"
    cuts = ((0.95, "substantial_progress"), (0.6, "moderate_progress"), (0.0, "limited_progress"))
    accepts_limit = True
    # sdg-build get_score(): "If target is achieved, return 5 regardless of calculated progress value."
    met_score = 5.0
    worst_score = -5.0

    def without_target(self, case: Case, signed: float) -> Assessment:
        coeff = 1.0
        if case.limit is not None:
            assert case.trend.base_value is not None
            coeff = limit_coefficient(case.trend.base_value, case.limit)
            case.notes.append(f"thresholds scaled by C = {coeff:.4f} for the natural limit {case.limit:g}")
        return case.result(
            no_target_class(signed, coeff), score=score(signed, with_target=False, coeff=coeff)
        )

    def effective_target(self, case: Case, target: float) -> float:
        if target == 0:
            case.notes.append("zero target replaced by 0.001 for the growth ratio, as sdg-build does")
            return ZERO_TARGET
        return target

    def classify(self, case: Case, ratio: float) -> tuple[str, float | None]:
        category, _ = super().classify(case, ratio)
        if case.limit is not None:
            case.notes.append("limit ignored with a target, as sdg-build does")
        return category, score(ratio, with_target=True, coeff=1.0)


def no_target_class(signed: float, coeff: float) -> str:
    """sdg-build get_progress_status() with its no-target thresholds already multiplied by the coefficient."""
    if ge(signed, NO_TARGET_HIGH * coeff):
        return "substantial_progress"
    if ge(signed, NO_TARGET_MEDIUM * coeff):
        return "moderate_progress"
    if ge(signed, 0.0):
        return "limited_progress"
    return "deterioration"


def limit_coefficient(base_value: float, limit: float) -> float:
    """sdg-build's scaling factor C in [0, 1] near a natural limit (get_progress_thresholds, a = 4.44)."""
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1.0 - (b / lim) ** LIMIT_EXPONENT
    return 1.0 - ((2 * lim - b) / lim) ** LIMIT_EXPONENT


def score(value: float, *, with_target: bool, coeff: float) -> float:
    """sdg-build SeriesProgress.get_score(): piecewise-linear −5…+5 score of the progress value.

    With a target the line runs through R = −0.6 → −5, 0 → −2.5, 0.6 → 0, 0.95 → 2.5, 1.3 → +5 (sdg-build
    writes the slopes rounded, 7.1429 and 4.1667; the exact 50/7 and 25/6 are used here so that the cut
    points map exactly). Without a target: CAGR −2 % → −5, 0 → −2.5, 0.5 % → 0, 1.5 % → 2.5, 2 % → +5, with
    positive values divided by C near a limit. The same bands as open-sdg docs/progress-methodology.md.
    """
    if with_target:
        if value >= 0.6:
            return min(50.0 / 7.0 * value - 30.0 / 7.0, 5.0)
        return max(25.0 / 6.0 * value - 2.5, -5.0)
    if value < 0:
        return max(125.0 * value - 2.5, -5.0)
    if coeff == 0:  # base value at the limit and not moving away from it
        return 5.0
    v = value / coeff
    if v >= NO_TARGET_HIGH:
        return min(500.0 * v - 5.0, 5.0)
    if v >= NO_TARGET_MEDIUM:
        return 250.0 * v - 1.25
    return 500.0 * v - 2.5
