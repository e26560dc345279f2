"""Belgium's Federal Planning Bureau (national SDG assessment, indicators.be): the trend extrapolated to the
target year and compared with the target with a 10 % margin.

What is confirmed (read in stored pages): for indicators with a quantified 2030 target the FPB "extends the
current trend to see whether it reaches its target in 2030", "with a margin of 10 %"; the others "are not
moving fast enough or are moving in the wrong direction", and one "could not be evaluated due to large
fluctuations"; indicators without a target are judged on the direction of the trend, some "not evaluated for
lack of significant development"; results are favourable / undetermined (impossible) / unfavourable
(L'Avenir and The Bulletin, 2-3 Feb 2022, on the FPB report Sustainable Development Indicators 2022:
https://www.lavenir.net/cnt/dmf20220202_01659752/la-belgique-en-retard-sur-ses-objectifs-de-developpement-durable ;
http://www.xpats.com/belgium-struggling-achieve-sustainable-development-goals ; summary tables at
https://indicators.be/en/a/SDG/en, which points to the method in the report Sustainable Development
Indicators 2025, annex 7.5, not readable here).

UNVERIFIED, chosen here: (1) the extrapolation is exponential at the CAGR from base to latest year, as for
unsd-2023 (the FPB may fit a linear or other trend); (2) the base is the caller's base year (the table uses
2000, the start of the period the FPB assessed in 2022, or the first later year with data); (3) the margin
is 10 % of the target value: favourable when v_Y <= 1.1·T (decrease) or v_Y >= 0.9·T (increase); (4) the
"large fluctuations" test and the no-target rule with its significance test are NOT implemented (no rule
could be confirmed): without a target the method says no_target.
"""

from __future__ import annotations

from bisa_sdg.progress.methods.base import (
    EPS,
    INSUFFICIENT,
    NO_TARGET,
    Assessment,
    Case,
    ProgressMethod,
    register,
)
from bisa_sdg.progress.reasons import reason

MARGIN = 0.10


def fpb_class(projected: float, target: float, signed_cagr: float, d: float) -> str:
    """The fpb class of a projected value: within 10 % of the target, else by the trend's direction."""
    bound = target * (1.0 + MARGIN) if d < 0 else target * (1.0 - MARGIN)
    if (projected <= bound + EPS) if d < 0 else (projected >= bound - EPS):
        return "favourable"
    return "unfavourable_too_slow" if signed_cagr > 0 else "unfavourable_wrong_direction"


@register
class FPB(ProgressMethod):
    code = "fpb"
    version = (
        "Federal Planning Bureau (Belgium) assessment of SDG indicators, as summarised on indicators.be and in "
        "the press (2022); extrapolation form, period and margin definition UNVERIFIED"
    )
    # FPB publishes favourable / unfavourable / impossible-undetermined; its "unfavourable" is split here by
    # the direction of the trend ("not moving fast enough or moving in the wrong direction", press summary).
    categories = (
        "favourable",
        "unfavourable_too_slow",
        "unfavourable_wrong_direction",
        NO_TARGET,
        INSUFFICIENT,
    )
    worst = "unfavourable_wrong_direction"

    def judge(self, case: Case) -> Assessment:
        """Favourable when the extrapolated value is within 10 % of the target (UNVERIFIED)."""
        trend, target = case.trend, case.target
        if target is None:
            return case.result(NO_TARGET, reason("fpb_needs_target"))
        if trend.why is not None or trend.cagr is None:
            return case.result(INSUFFICIENT, trend.why)
        projected = case.latest_value * (1.0 + trend.cagr) ** (case.target_year - case.latest_year)
        bound = target * (1.0 + MARGIN) if case.d < 0 else target * (1.0 - MARGIN)
        category = fpb_class(projected, target, case.d * trend.cagr, case.d)
        case.notes.append(
            f"extrapolated {case.target_year} value {projected:.4g} against the target with a 10 % margin "
            f"({bound:.4g})"
        )
        return case.result(category, projected_value=projected)
