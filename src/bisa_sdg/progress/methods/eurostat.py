"""Eurostat, EU SDG monitoring report ("Sustainable development in the European Union", 2018–2025 editions):
the actual/required growth ratio over a 5- or 15-year window; without a target, bands of the CAGR.

Source: Eurostat, the report's methodological annex and Statistics Explained "Overview of status and progress
of EU Member States towards the SDGs" (not read here: thresholds UNVERIFIED; they match sdg-build's early
Eurostat-inspired defaults). With a target, ratio 0.95 / 0.60 / 0; without, CAGR > 1 % / 0 / −1 %, where
"> 1 %" is strict and 0 and −1 % belong to the upper class. The window is the method's definition: no base
before it (a window without data is insufficient_data).
"""

from __future__ import annotations

from bisa_sdg.progress.methods.base import INSUFFICIENT, Assessment, Case, ge, gt, register
from bisa_sdg.progress.methods.ratio import RatioMethod

WINDOWS: tuple[int, ...] = (5, 15)
DEFAULT_WINDOW = 5
NO_TARGET_HIGH, NO_TARGET_LOW = 0.01, -0.01


def no_target_class(signed: float) -> str:
    """The class of a CAGR in the desired direction."""
    if gt(signed, NO_TARGET_HIGH):
        return "significant_progress"
    if ge(signed, 0.0):
        return "moderate_progress"
    if ge(signed, NO_TARGET_LOW):
        return "moderate_movement_away"
    return "significant_movement_away"


@register
class Eurostat(RatioMethod):
    code = "eurostat"
    version = "Eurostat EU SDG monitoring report 2018-2025 (thresholds UNVERIFIED)"
    # With a target: significant, moderate, insufficient progress, movement_away (ratio 0.95 / 0.6 / 0).
    # Without: significant, moderate progress, moderate, significant movement away (CAGR 1 % / 0 / -1 %).
    categories = (
        "target_met",
        "significant_progress",
        "moderate_progress",
        "insufficient_progress",
        "moderate_movement_away",
        "movement_away",
        "significant_movement_away",
        INSUFFICIENT,
    )
    worst = "movement_away"
    cuts = ((0.95, "significant_progress"), (0.6, "moderate_progress"), (0.0, "insufficient_progress"))
    base_fallback = False

    def window_for(self, window: int | None) -> int | None:
        window = DEFAULT_WINDOW if window is None else window
        if window not in WINDOWS:
            raise ValueError(f"eurostat window must be one of {WINDOWS}, not {window!r}")
        return window

    def start_year(self, latest_year: int, base_year: int, window: int | None) -> int:
        return base_year if window is None else latest_year - window

    def without_target(self, case: Case, signed: float) -> Assessment:
        return case.result(no_target_class(signed))
