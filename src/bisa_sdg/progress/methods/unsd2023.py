"""UN SDG Report since 2023: the share P of the required base→target change that the current trend will have
achieved in the target year ("anticipated value" method).

Source: UNSD, Progress Chart Technical Note 2023 and Technical Note for Progress Assessment 2024
(https://unstats.un.org/sdgs/files/report/2023/Progress_Chart_Technical_Note_2023.pdf,
https://unstats.un.org/sdgs/files/report/2024/Technical_Note_for_Progress_Assessment_2024.pdf; not read here).
The cut points are UNVERIFIED: 0.95 and 0.10 are confirmed by EUSTAT's 3-class implementation of the 2023 note
(EUSTAT-DES/site _pages/en/metodologia.md @74e6a315); 0.5 and −0.1 are inferred.
"""

from __future__ import annotations

from bisa_sdg.progress.methods.base import INSUFFICIENT, NO_TARGET, Assessment, Case, band, register
from bisa_sdg.progress.methods.ratio import Ratio, RatioMethod
from bisa_sdg.progress.reasons import reason

CUTS = (
    (0.95, "on_track"),
    (0.5, "moderate_progress"),
    (0.1, "marginal_progress"),
    (-0.1, "stagnation"),
)


def unsd2023_class(p: float) -> str:
    """The unsd-2023 trend class of an anticipated share P (no target_met: that is a statement on the level)."""
    return band(p, CUTS, "regression")


@register
class UNSD2023(RatioMethod):
    code = "unsd-2023"
    version = "UNSD Progress Chart Technical Note 2023/2024 (cut points UNVERIFIED)"
    categories = (
        "target_met",
        "on_track",
        "moderate_progress",
        "marginal_progress",
        "stagnation",
        "regression",
        NO_TARGET,
        INSUFFICIENT,
    )
    worst = "regression"
    cuts = CUTS

    def without_target(self, case: Case, signed: float) -> Assessment:
        # The anticipated-value method needs a numerical target. EUSTAT's 3-class no-target rule
        # (CAGR 2 % / 0.5 %) does not map onto UNSD's five classes, so none is invented here.
        return case.result(NO_TARGET, reason("unsd2023_needs_target"))

    def ratio(self, case: Case, target: float, effective: float) -> Ratio:
        """P = d·(v_Y − v_b)/|T − v_b| with v_Y the latest value extrapolated at the CAGR to the target year."""
        trend = case.trend
        assert trend.base_value is not None and trend.cagr is not None
        projected = case.latest_value * (1.0 + trend.cagr) ** (case.target_year - case.latest_year)
        return Ratio(
            ratio=case.d * (projected - trend.base_value) / abs(effective - trend.base_value),
            projected=projected,
        )
