"""Progress assessment: how far a series has come since a base year, and whether its trend reaches the target.

Pure functions only (no I/O), so the same numbers can be checked by hand, in a test and in a report. Five
published methods are implemented side by side, one module each behind one interface
(:class:`~bisa_sdg.progress.methods.base.ProgressMethod`, registered in :data:`REGISTRY`), because they answer
slightly different questions and give different verdicts on the same data; each module names its source:

* ``unsd-2023`` (:mod:`.unsd2023`) — UN SDG Report since 2023: share P of the required base→target change that
  the current trend will have achieved in the target year ("anticipated value" method).
* ``unsd-2022`` (:mod:`.unsd2022`) — UN SDG Progress Chart 2020–2022: ratio CR of the actual to the required
  growth rate.
* ``eurostat`` (:mod:`.eurostat`) — EU SDG monitoring report: the same ratio over a 5- or 15-year window; CAGR
  bands without a target.
* ``open-sdg`` (:mod:`.opensdg`) — Statistics Canada method as implemented in open-sdg/sdg-build
  ``ProgressMeasure``, with its −5…+5 scores that are averaged per indicator.
* ``fpb`` (:mod:`.fpb`) — Belgium's Federal Planning Bureau (national SDG assessment, indicators.be): the trend
  extrapolated to the target year and compared with the target with a 10 % margin (details UNVERIFIED).

A new method: a module with a :class:`ProgressMethod` subclass decorated with ``@register``, imported below.

Notation: base year b, latest year t, values v_b and v_t, target T for target year Y,
CAGR(x0, x1, n) = (x1 / x0) ** (1 / n) − 1, d = +1 if an increase is desired and −1 if a decrease is.

Conventions common to all methods (each a design choice, written down so it can be argued with):

* Usable points are finite numbers; None and NaN are skipped.
* The base is the requested base year, or the first later year with data (eurostat: the window start
  t − window, or the first later year with data). Years before the base are not used, except when no
  observation from the base year on precedes the latest one (itself from the base year on): then the latest
  observation before the base year is the base (not for eurostat; ``BASE_FALLBACK_CODE`` in ``note``).
* With a target, observations after the target year are not used: the assessment is made at the target
  year (EUSTAT's reading of the UNSD 2023 note: "if the target year is already past, assess up to it").
* "Target met" is a statement about the level: the latest value reaches or passes T in the desired
  direction (v_t <= T for a decrease, v_t >= T for an increase). It needs one observation only and takes
  precedence over the trend classes. (The UNDP implementation of the 2022 chart uses strict inequalities;
  sdg-build uses <= / >= as here.)
* A trend needs two points, a positive base value and a non-negative latest value. A zero base, negative
  values or a sign change make the CAGR undefined: ``insufficient_data`` with a reason. (sdg-build replaces
  a zero base by 0.001 and handles two negative values with a sign factor; neither is done here, so that no
  class rests on an invented value.) A latest value of zero is allowed: CAGR = −100 %.
* With-target ratios are signed by the desired direction (see :class:`.ratio.RatioMethod`).
* T == v_b and target not met: the required change is zero, so there is no ratio; the series has moved
  away from a target it sat on and gets the method's lowest class (the limit of the ratio as the required
  change tends to zero). ``ratio`` is None and ``note`` says why.
* Class boundaries are lower-inclusive (x >= cut belongs to the upper class), as in the sources
  ("0.5 <= CR < 0.95"), except where a source writes a strict ">" (UNSD 2022 and Eurostat without target:
  "> 1 %"). A value within 1e-9 of a cut point counts as on it, so that hand-built boundary cases are not
  decided by floating-point noise.
* A row without a class carries a reason code (``bisa_sdg.progress.reasons.REASONS``) and its sentence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from bisa_sdg.progress.methods import eurostat, fpb, opensdg, unsd2022, unsd2023
from bisa_sdg.progress.methods.base import (
    BASE_FALLBACK_CODE,
    INSUFFICIENT,
    NO_TARGET,
    REGISTRY,
    Assessment,
    Case,
    Direction,
    ProgressMethod,
    Trend,
    cagr,
    join,
    register,
    usable_points,
)
from bisa_sdg.progress.methods.fpb import fpb_class
from bisa_sdg.progress.methods.unsd2023 import unsd2023_class
from bisa_sdg.progress.reasons import reason

__all__ = [
    "BASE_FALLBACK_CODE",
    "CATEGORIES",
    "EUROSTAT_WINDOWS",
    "INSUFFICIENT",
    "METHODS",
    "METHOD_VERSIONS",
    "NO_TARGET",
    "REGISTRY",
    "Assessment",
    "Direction",
    "ProgressMethod",
    "assess",
    "cagr",
    "fpb_class",
    "register",
    "unsd2023_class",
]

# The methods in the order rows are written and reports list them (the registry holds what the modules imported
# above registered, in import order).
METHODS: tuple[str, ...] = (
    unsd2023.UNSD2023.code,
    unsd2022.UNSD2022.code,
    eurostat.Eurostat.code,
    opensdg.OpenSDG.code,
    fpb.FPB.code,
)
if set(METHODS) != set(REGISTRY):
    raise ImportError(f"progress methods registered {sorted(REGISTRY)} but ordered {sorted(METHODS)}")
# The source edition each method follows (stored with every assessment).
METHOD_VERSIONS: dict[str, str] = {code: REGISTRY[code].version for code in METHODS}
# Ordered category codes per method, best first; the non-assessments come last.
CATEGORIES: dict[str, tuple[str, ...]] = {code: REGISTRY[code].categories for code in METHODS}
EUROSTAT_WINDOWS: tuple[int, ...] = eurostat.WINDOWS


def assess(
    observations: Mapping[int, float | None],
    *,
    target: float | None,
    target_year: int = 2030,
    direction: Direction,
    method: str = "unsd-2023",
    base_year: int = 2015,
    window: int | None = None,
    limit: float | None = None,
) -> Assessment:
    """Assess one series (year → value) against a target with one method; never raises on data problems.

    ``window`` applies to eurostat only (5 or 15 years, default 5). ``limit`` is sdg-build's natural limit
    (e.g. 100 for a percentage): open-sdg without a target scales its growth thresholds down near it.
    Invalid arguments (unknown method, bad direction or window) raise ValueError; problems in the data give
    ``insufficient_data`` with a reason code and sentence.
    """
    if method not in REGISTRY:
        raise ValueError(f"unknown progress method {method!r}; known: {', '.join(METHODS)}")
    rule = REGISTRY[method]
    if direction not in ("increase", "decrease"):
        raise ValueError(f"direction must be 'increase' or 'decrease', not {direction!r}")
    window = rule.window_for(window)
    if target is not None and not math.isfinite(target):
        raise ValueError(f"target must be a finite number or None, not {target!r}")
    if limit is not None and not rule.accepts_limit:
        raise ValueError(f"limit applies to the open-sdg method only, not {method!r}")

    notes: list[str] = []
    fields = dict(
        method=method,
        method_version=rule.version,
        direction=direction,
        target=target,
        target_year=target_year,
        window=window,
    )
    points = usable_points(observations)
    if target is not None and points and points[-1][0] > target_year:
        dropped = [y for y, _ in points if y > target_year]
        points = [(y, v) for y, v in points if y <= target_year]
        notes.append(
            f"observations after the target year {target_year} ({dropped[0]}-{dropped[-1]}) not used"
        )
    if not points:
        why = (
            reason("no_usable_observation")
            if target is None
            else reason("no_usable_observation_to_target", target_year=target_year)
        )
        return Assessment(
            category=INSUFFICIENT, reason_code=why.code, reason=why.text, note=join(notes), **fields
        )

    latest_year, latest_value = points[-1]
    start = rule.start_year(latest_year, base_year, window)
    trend = Trend.build(points, start, fallback=rule.base_fallback)
    notes += [trend.note] if trend.note else []
    common = dict(
        latest_year=latest_year,
        latest_value=latest_value,
        base_year=trend.base_year,
        base_value=trend.base_value,
        cagr=trend.cagr,
        base_fallback=trend.note is not None,
        years=trend.years or (latest_year,),
        values=trend.values or (latest_value,),
        **fields,
    )
    d = 1.0 if direction == "increase" else -1.0
    case = Case(
        trend=trend, target=target, target_year=target_year, d=d, limit=limit, common=common, notes=notes
    )
    return rule.judge(case)
