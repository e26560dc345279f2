"""The with-target rule the UN, Eurostat and Open SDG methods share: a ratio of the trend to what the target
requires, cut into classes; each method supplies its ratio, cut points and no-target rule."""

from __future__ import annotations

from dataclasses import dataclass

from bisa_sdg.progress.methods.base import INSUFFICIENT, Assessment, Case, ProgressMethod, band, cagr
from bisa_sdg.progress.reasons import Reason, reason


@dataclass(frozen=True)
class Ratio:
    """The ratio and the numbers it rests on, or the reason it is undefined."""

    ratio: float | None = None
    required: float | None = None  # the CAGR that reaches the target in the target year
    projected: float | None = None  # the value the trend reaches in the target year
    undefined: Reason | None = None


class RatioMethod(ProgressMethod):
    """A method that judges a target by ``ratio`` against ``cuts`` (high to low, lower-inclusive).

    Conventions: "target met" is a statement about the level and takes precedence over the trend; ratios are
    signed by the desired direction (P = d·(v_Y − v_b)/|T − v_b|, CR = d·CAGR_a/|CAGR_required|), which is the
    published formula whenever the target lies in the desired direction from the base and keeps the sign
    meaningful otherwise, as sdg-build does (``sign * direction * cagr_o / abs(cagr_r)``); T == v_b and target
    not met: no ratio, the lowest class (the limit of the ratio as the required change tends to zero).
    """

    cuts: tuple[tuple[float, str], ...]
    met_score: float | None = None  # the score of a met target (open-sdg: 5)
    worst_score: float | None = None  # the score of the lowest class given without a ratio (open-sdg: −5)

    def judge(self, case: Case) -> Assessment:
        if case.target is None:
            if case.trend.why is not None:
                return case.result(INSUFFICIENT, case.trend.why)
            assert case.trend.cagr is not None
            return self.without_target(case, case.d * case.trend.cagr)
        return self.with_target(case, case.target)

    def without_target(self, case: Case, signed: float) -> Assessment:
        """The class of a commitment without a number, from the CAGR in the desired direction."""
        raise NotImplementedError

    def effective_target(self, case: Case, target: float) -> float:
        """The target the ratio is computed with (open-sdg replaces a zero target)."""
        return target

    def ratio(self, case: Case, target: float, effective: float) -> Ratio:
        """Default: the actual over the required CAGR from the base to the target in the target year."""
        trend = case.trend
        assert trend.base_year is not None and trend.base_value is not None and trend.cagr is not None
        if effective < 0:
            return Ratio(undefined=reason("negative_target", target=target))
        required = cagr(trend.base_value, effective, case.target_year - trend.base_year)
        if effective == 0:  # open-sdg computes with 0.001 instead and says so itself
            case.notes.append("zero target: the required CAGR is -100 %/yr; growth ratios judge it harshly")
        return Ratio(ratio=case.d * trend.cagr / abs(required), required=required)

    def classify(self, case: Case, ratio: float) -> tuple[str, float | None]:
        """The class (and score) of a ratio."""
        return band(ratio, self.cuts, self.worst), None

    def with_target(self, case: Case, target: float) -> Assessment:
        trend = case.trend
        met = case.latest_value <= target if case.d < 0 else case.latest_value >= target
        effective = self.effective_target(case, target)
        numbers = Ratio()
        zero_change = False
        if trend.why is None:
            if effective == trend.base_value:
                zero_change = True
            else:
                numbers = self.ratio(case, target, effective)
        fields = dict(ratio=numbers.ratio, cagr_required=numbers.required, projected_value=numbers.projected)
        if met:
            if trend.why is not None:
                case.notes.append(f"trend not assessed: {trend.why.text}")
            return case.result(self.categories[0], score=self.met_score, **fields)
        if trend.why is not None or numbers.undefined is not None:
            return case.result(INSUFFICIENT, trend.why or numbers.undefined, **fields)
        if zero_change:
            case.notes.append(
                "target equals the base value: the required change is zero, so there is no ratio; "
                "the latest value has moved away from the target (lowest class)"
            )
            return case.result(self.worst, score=self.worst_score, **fields)
        assert numbers.ratio is not None
        category, score = self.classify(case, numbers.ratio)
        return case.result(category, score=score, **fields)
