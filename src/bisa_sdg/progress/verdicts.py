"""How far a verdict holds up: the probability that the target is met, whether the class survives rounding and
the projection's interval, and whether the methods agree. Pure functions (no I/O), checked by hand in tests.

Why a module of its own: ``progress.assess`` gives one class from one set of numbers; the statistics here ask
how that class would move if the numbers moved, and so call ``assess`` again or look at its inputs.

**Probability that the target is met** (``probability_target_met``). The stated stochastic projection is a
random walk with drift on the log scale: the "drift method" of Hyndman & Athanasopoulos, *Forecasting:
Principles and Practice*, 3rd ed. (OTexts 2021), §5.2 (drift) and §5.5 (its forecast standard deviation
σ̂·√(h(1 + h/(T − 1))) for T equally spaced observations), generalised here to unequal gaps:

* the observations the method used, years y_0 = b < … < y_m = t, values v_i > 0; interval i has gap
  g_i = y_i − y_{i−1} and log change Δ_i = ln v_i − ln v_{i−1}, modelled as independent N(g_i·μ, g_i·σ²);
* μ̂ = ΣΔ_i / Σg_i = (ln v_t − ln v_b)/(t − b) = ln(1 + CAGR): weighted least squares of Δ_i/√g_i on √g_i,
  so the drift is the CAGR every progress method already uses;
* σ̂² = Σ (Δ_i − g_i·μ̂)² / g_i / (m − 1): the residual variance of that regression, unbiased with one
  parameter estimated; it needs m ≥ 2 intervals, i.e. three observations (two give σ̂ = 0/0);
* h = Y − t years ahead: ln v_Y = ln v_t + (sum of h years of changes), N(h·μ, h·σ²), and μ̂ has variance
  σ²/(t − b), so ln v_Y − (ln v_t + h·μ̂) has variance σ²·(h + h²/(t − b)). With equal unit gaps,
  t − b = T − 1 and this is Hyndman & Athanasopoulos' h(1 + h/(T − 1)).
* P(target met) = Φ((ln T − m)/s) for a decrease, 1 − Φ(·) for an increase, with m = ln v_t + h·μ̂ and
  s = σ̂·√(h + h²/(t − b)). σ̂ is plugged in (a normal, not a Student t): with few observations this
  understates the spread, which the column comment says.
* A target of zero (or below) for a decrease cannot be reached by a multiplicative model: probability 0,
  with the reason ``zero_target``. Non-positive observations have no logarithm: NULL.

The OECD's *The Short and Winding Road to 2030* (2022, Annex A) also uses "projections relying on stochastic
methods to assess the likelihood of meeting the 2030 targets" (research notes, local-monitoring.md); its
algorithm could not be read here (UNVERIFIED), so this module follows the textbook drift model above and does
not claim to reproduce the OECD's figures.

**Stability** (``verdict_stable``): the class is recomputed with the inputs at the corners of their published
rounding (``obs_lower``/``obs_upper`` of curated.indicator_values; missing = exact): base value low/high ×
latest value low/high, and for a relative target the target re-resolved from the moved value of its base
year. For unsd-2023 and fpb, which project a value, the class is also recomputed with the projection at both
ends of its 80 % prediction interval (the model above). Any other class → not stable.

**Agreement** (``methods_agree``): every method's class mapped to a three-level light (:data:`LIGHTS`) and
compared within a series × area × target.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bisa_sdg.progress.methods import Assessment, fpb_class, unsd2023_class

PROBABILITY_METHOD = (
    "random walk with drift on ln(value) (Hyndman & Athanasopoulos, FPP3 §5.2/§5.5), gaps of unequal length, "
    "fitted to the observations the method used (base to latest); normal with plug-in sigma"
)

# Why probability_target_met is NULL (or, for zero_target / target_year_reached, a caveat on the value).
PROBABILITY_REASONS: dict[str, str] = {
    "no_numeric_target": "no numeric target: nothing to meet",
    "not_assessed": "the row has no class, so no projection either",
    "one_observation": "one observation: no trend to project",
    "two_observations": "only two observations: their variability cannot be estimated",
    "non_positive_values": "zero or negative values have no logarithm: the log-scale model does not apply",
    "zero_target": "target zero or below: a multiplicative (log-scale) projection never reaches it",
    "target_year_reached": "the latest observation is in the target year: the observed value decides",
    "no_variability": "the observed log changes follow the drift exactly (sigma = 0): the projection is certain",
}

# Methods whose class rests on a projected value: their class is also checked at the ends of the 80 % interval.
PROJECTING_METHODS = ("unsd-2023", "fpb")
Z80 = 1.2815515655446004  # Φ^-1(0.90): the 80 % interval is mean ± Z80·sd

# Three-level light per method and class: on_track / some_progress / no_progress_or_worse. The choices:
# * unsd-2023: target_met, on_track → on track; moderate, marginal → some; stagnation, regression → none.
# * unsd-2022 "limited or no progress" (-0.1 <= CR < 0.5, and the no-target band -1 %..0.5 %): its own label
#   says "or no progress" and its range runs below zero, so → no_progress_or_worse (a choice; it makes
#   unsd-2023 "marginal" (0.1 <= P < 0.5) and unsd-2022 "limited" disagree, which is a real difference of
#   wording between the two UN editions).
# * eurostat "insufficient progress" (0 <= ratio < 0.6) and open-sdg "limited progress" (0 <= R < 0.6 or
#   0 <= CAGR < 0.5 %): movement towards the target, too slow → some_progress. Eurostat without a target:
#   significant progress → on_track, moderate progress → some, (moderate/significant) movement away → none.
# * fpb: favourable → on track; unfavourable_too_slow → some; unfavourable_wrong_direction → none.
# * insufficient_data, no_target, fpb undetermined: no light (NULL).
LIGHTS: dict[str, dict[str, str]] = {
    "unsd-2023": {
        "target_met": "on_track",
        "on_track": "on_track",
        "moderate_progress": "some_progress",
        "marginal_progress": "some_progress",
        "stagnation": "no_progress_or_worse",
        "regression": "no_progress_or_worse",
    },
    "unsd-2022": {
        "target_achieved": "on_track",
        "substantial_progress": "on_track",
        "fair_progress": "some_progress",
        "limited_progress": "no_progress_or_worse",
        "deterioration": "no_progress_or_worse",
    },
    "eurostat": {
        "target_met": "on_track",
        "significant_progress": "on_track",
        "moderate_progress": "some_progress",
        "insufficient_progress": "some_progress",
        "moderate_movement_away": "no_progress_or_worse",
        "movement_away": "no_progress_or_worse",
        "significant_movement_away": "no_progress_or_worse",
    },
    "open-sdg": {
        "target_achieved": "on_track",
        "substantial_progress": "on_track",
        "moderate_progress": "some_progress",
        "limited_progress": "some_progress",
        "deterioration": "no_progress_or_worse",
    },
    "fpb": {
        "favourable": "on_track",
        "unfavourable_too_slow": "some_progress",
        "unfavourable_wrong_direction": "no_progress_or_worse",
    },
}


def light(method: str, category: str) -> str | None:
    """The three-level light of a class (:data:`LIGHTS`); None when the class is no verdict."""
    return LIGHTS.get(method, {}).get(category)


@dataclass(frozen=True)
class Projection:
    """The drift model's distribution of ln v_Y: normal with ``mean`` and ``sd``, or why there is none."""

    mean: float | None
    sd: float | None
    reason_code: str | None = None


def drift_projection(years: Sequence[int], values: Sequence[float], target_year: int) -> Projection:
    """ln v_Y under a random walk with drift fitted to (years, values); see the module docstring."""
    if len(years) < 2:
        return Projection(None, None, "one_observation")
    if any(v <= 0 for v in values):
        return Projection(None, None, "non_positive_values")
    if len(years) == 2:
        return Projection(None, None, "two_observations")
    logs = [math.log(v) for v in values]
    span = years[-1] - years[0]
    mu = (logs[-1] - logs[0]) / span
    gaps = [b - a for a, b in itertools.pairwise(years)]
    changes = [b - a for a, b in itertools.pairwise(logs)]
    sigma2 = sum((d - g * mu) ** 2 / g for d, g in zip(changes, gaps, strict=True)) / (len(gaps) - 1)
    h = target_year - years[-1]
    return Projection(logs[-1] + h * mu, math.sqrt(sigma2 * (h + h * h / span)))


@dataclass(frozen=True)
class Probability:
    """``value`` in [0, 1] or None; ``reason_code`` (PROBABILITY_REASONS) says why None or qualifies the value."""

    value: float | None
    reason_code: str | None = None


def probability_target_met(result: Assessment) -> Probability:
    """P(v_Y meets the target) for an assessed row with a numeric target, from the observations it used."""
    if result.target is None:
        return Probability(None, "no_numeric_target")
    if not result.assessed or result.latest_year is None:
        return Probability(None, "not_assessed")
    if result.latest_year >= result.target_year:
        met = _meets(result.latest_value, result.target, result.direction)
        return Probability(1.0 if met else 0.0, "target_year_reached")
    if result.target <= 0 and result.direction == "decrease":
        return Probability(0.0, "zero_target")
    projection = drift_projection(result.years, result.values, result.target_year)
    if projection.mean is None or projection.sd is None:
        return Probability(None, projection.reason_code)
    if result.target <= 0:  # an increase towards a non-positive target: every positive value meets it
        return Probability(1.0, "zero_target")
    if projection.sd == 0:
        return Probability(
            1.0 if _meets(math.exp(projection.mean), result.target, result.direction) else 0.0,
            "no_variability",
        )
    z = (math.log(result.target) - projection.mean) / projection.sd
    below = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return Probability(below if result.direction == "decrease" else 1.0 - below)


def _meets(value: float | None, target: float, direction: str) -> bool:
    return value is not None and (value <= target if direction == "decrease" else value >= target)


# ---- stability ----------------------------------------------------------------------------------------------

Bounds = Mapping[int, tuple[float | None, float | None]]


@dataclass(frozen=True)
class Stability:
    """``stable`` (None when the row has no class), ``reason_code`` when not stable, ``note`` what was checked."""

    stable: bool | None
    reason_code: str | None = None
    note: str | None = None


def verdict_stability(
    result: Assessment,
    observations: Mapping[int, float],
    bounds: Bounds,
    reassess: Callable[[Mapping[int, float], float | None], Assessment],
    *,
    relative_change: float | None = None,
    target_base_year: int | None = None,
) -> Stability:
    """Whether ``result.category`` survives the rounding corners and (unsd-2023) the 80 % interval.

    ``reassess(observations, target)`` must run the same method with the same arguments as ``result``;
    ``bounds`` maps a year to its (lower, upper) published-rounding bounds, None for an exact side.
    """
    if not result.assessed:
        return Stability(None)
    checked: list[str] = []
    corners = _rounding_corners(observations, bounds, result, relative_change, target_base_year)
    if corners:
        checked.append(f"rounding ({len(corners)} corners)")
    for corner in corners:
        target = result.target
        if relative_change is not None and target_base_year is not None and target_base_year in corner:
            target = corner[target_base_year] * (1.0 + relative_change)
        moved = reassess(corner, target)
        if moved.category != result.category:
            shown = ", ".join(
                f"{y}: {corner[y]:g}" for y in sorted(corner) if corner[y] != observations.get(y)
            )
            return Stability(False, "rounding", f"{moved.category} with {shown} (within published rounding)")
    if result.method in PROJECTING_METHODS and result.category != "target_met":
        flipped, note = _interval_check(result)
        if flipped:
            return Stability(False, "prediction_interval", note)
        checked.append(note)
    return Stability(True, None, "; ".join(checked) if checked else "inputs exact, nothing to vary")


def _rounding_corners(
    observations: Mapping[int, float],
    bounds: Bounds,
    result: Assessment,
    relative_change: float | None,
    target_base_year: int | None,
) -> list[dict[int, float]]:
    """Observation sets with the base, latest (and relative-target base) values at their rounding bounds."""
    years = {y for y in (result.base_year, result.latest_year) if y is not None}
    if relative_change is not None and target_base_year is not None:
        years.add(target_base_year)
    choices: list[list[tuple[int, float]]] = []
    for year in sorted(years):
        if year not in observations:
            continue
        value = observations[year]
        low, high = bounds.get(year, (None, None))
        options = {value if low is None else low, value if high is None else high}
        if options != {value}:
            choices.append([(year, v) for v in sorted(options)])
    corners = []
    for combo in itertools.product(*choices) if choices else []:
        corner = dict(observations)
        corner.update(combo)
        corners.append(corner)
    return corners


def _interval_check(result: Assessment) -> tuple[bool, str]:
    """unsd-2023 and fpb: the class of the projection at both ends of its 80 % interval."""
    projection = drift_projection(result.years, result.values, result.target_year)
    if projection.mean is None or projection.sd is None:
        return False, f"80 % interval not checked ({projection.reason_code})"
    assert result.base_value is not None and result.target is not None and result.cagr is not None
    span = abs(result.target - result.base_value)
    if span == 0 and result.method == "unsd-2023":
        return False, "80 % interval not checked (target equals the base value)"
    d = 1.0 if result.direction == "increase" else -1.0
    for end in (-Z80, Z80):
        projected = math.exp(projection.mean + end * projection.sd)
        if result.method == "fpb":
            category = fpb_class(projected, result.target, d * result.cagr, d)
        else:
            category = unsd2023_class(d * (projected - result.base_value) / span)
        if category != result.category:
            return (
                True,
                f"{category} at the {'lower' if end < 0 else 'upper'} end of the 80 % interval ({projected:.4g})",
            )
    return False, "80 % prediction interval"
