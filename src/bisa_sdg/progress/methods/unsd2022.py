"""UN SDG Progress Chart 2020–2022: the ratio CR of the actual to the required growth rate.

Source: UNSD, Progress Chart Technical Note 2022
(https://unstats.un.org/sdgs/report/2022/Progress_Chart_Technical_Note_2022.pdf; primary wording UNVERIFIED).
With a target, the CR cuts are those of two independent implementations (UNDP-Data/SDG-Accelerator
src/utils/getStatus.tsx; cwtravisyip/unsd_global_database int_func.py). Without a target, the CAGR in the
desired direction, from one third-party implementation with its sign handling corrected (UNVERIFIED);
"> 1 %" is strict, 0.5 % and −1 % belong to the upper class.
"""

from __future__ import annotations

from bisa_sdg.progress.methods.base import INSUFFICIENT, Assessment, Case, ge, gt, register
from bisa_sdg.progress.methods.ratio import RatioMethod

NO_TARGET_HIGH, NO_TARGET_MEDIUM, NO_TARGET_LOW = 0.01, 0.005, -0.01


def no_target_class(signed: float) -> str:
    """The class of a CAGR in the desired direction."""
    if gt(signed, NO_TARGET_HIGH):
        return "substantial_progress"
    if ge(signed, NO_TARGET_MEDIUM):
        return "fair_progress"
    if ge(signed, NO_TARGET_LOW):
        return "limited_progress"
    return "deterioration"


@register
class UNSD2022(RatioMethod):
    code = "unsd-2022"
    version = "UNSD Progress Chart Technical Note 2022 (primary text UNVERIFIED)"
    categories = (
        "target_achieved",
        "substantial_progress",
        "fair_progress",
        "limited_progress",
        "deterioration",
        INSUFFICIENT,
    )
    worst = "deterioration"
    cuts = ((0.95, "substantial_progress"), (0.5, "fair_progress"), (-0.1, "limited_progress"))

    def without_target(self, case: Case, signed: float) -> Assessment:
        return case.result(no_target_class(signed))
