"""Progress assessment: how far a series has come since a base year, and whether its trend reaches the target.

Pure functions only (no I/O), so the same numbers can be checked by hand, in a test and in a report. Five
published methods are implemented side by side, because they answer slightly different questions and give
different verdicts on the same data (docs: METHODS.md "Progress assessment", research/progress-methods.md):

* ``unsd-2023`` — UN SDG Report since 2023: share P of the required base→target change that the current
  trend will have achieved in the target year ("anticipated value" method).
* ``unsd-2022`` — UN SDG Progress Chart 2020–2022: ratio CR of the actual to the required growth rate.
* ``eurostat`` — EU SDG monitoring report: the same ratio over a 5- or 15-year window; CAGR bands without
  a target.
* ``open-sdg`` — Statistics Canada method as implemented in open-sdg/sdg-build ``ProgressMeasure``, with its
  −5…+5 scores that are averaged per indicator.
* ``fpb`` — Belgium's Federal Planning Bureau (national SDG assessment, indicators.be): the trend extrapolated
  to the target year and compared with the target with a 10 % margin (details UNVERIFIED, see ``_fpb``).

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
* With-target ratios are signed by the desired direction: P = d·(v_Y − v_b)/|T − v_b| and
  CR = d·CAGR_a/|CAGR_required|. Whenever the target lies in the desired direction from the base — the
  only case the published formulas are written for — this is exactly the published formula. When the base
  had already met the target and the latest value no longer does, it keeps the sign meaningful (a move
  away is negative); sdg-build computes its ratio the same way (``sign * direction * cagr_o / abs(cagr_r)``).
* T == v_b and target not met: the required change is zero, so there is no ratio; the series has moved
  away from a target it sat on and gets the method's lowest class (the limit of the ratio as the required
  change tends to zero). ``ratio`` is None and ``note`` says why.
* Class boundaries are lower-inclusive (x >= cut belongs to the upper class), as in the sources
  ("0.5 <= CR < 0.95"), except where a source writes a strict ">" (UNSD 2022 and Eurostat without target:
  "> 1 %"). A value within 1e-9 of a cut point counts as on it, so that hand-built boundary cases are not
  decided by floating-point noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Direction = Literal["increase", "decrease"]

METHODS: tuple[str, ...] = ("unsd-2023", "unsd-2022", "eurostat", "open-sdg", "fpb")

# The source edition each method follows (stored with every assessment).
METHOD_VERSIONS: dict[str, str] = {
    "unsd-2023": "UNSD Progress Chart Technical Note 2023/2024 (cut points UNVERIFIED)",
    "unsd-2022": "UNSD Progress Chart Technical Note 2022 (primary text UNVERIFIED)",
    "eurostat": "Eurostat EU SDG monitoring report 2018-2025 (thresholds UNVERIFIED)",
    "open-sdg": "open-sdg/sdg-build sdg/ProgressMeasure.py @139fede7 (StatCan)",
    "fpb": "Federal Planning Bureau (Belgium) assessment of SDG indicators, as summarised on indicators.be and in "
    "the press (2022); extrapolation form, period and margin definition UNVERIFIED",
}

INSUFFICIENT = "insufficient_data"
NO_TARGET = "no_target"

# Ordered category codes per method, best first; the non-assessments come last.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "unsd-2023": (
        "target_met",
        "on_track",
        "moderate_progress",
        "marginal_progress",
        "stagnation",
        "regression",
        NO_TARGET,
        INSUFFICIENT,
    ),
    "unsd-2022": (
        "target_achieved",
        "substantial_progress",
        "fair_progress",
        "limited_progress",
        "deterioration",
        INSUFFICIENT,
    ),
    # With a target: significant, moderate, insufficient progress, movement_away (ratio 0.95 / 0.6 / 0).
    # Without: significant, moderate progress, moderate, significant movement away (CAGR 1 % / 0 / -1 %).
    "eurostat": (
        "target_met",
        "significant_progress",
        "moderate_progress",
        "insufficient_progress",
        "moderate_movement_away",
        "movement_away",
        "significant_movement_away",
        INSUFFICIENT,
    ),
    # sdg-build's own status codes (get_progress_status); its "not_available" is our insufficient_data.
    "open-sdg": (
        "target_achieved",
        "substantial_progress",
        "moderate_progress",
        "limited_progress",
        "deterioration",
        INSUFFICIENT,
    ),
    # FPB publishes favourable / unfavourable / impossible-undetermined; its "unfavourable" is split here by
    # the direction of the trend ("not moving fast enough or moving in the wrong direction", press summary).
    "fpb": ("favourable", "unfavourable_too_slow", "unfavourable_wrong_direction", NO_TARGET, INSUFFICIENT),
}

EUROSTAT_WINDOWS: tuple[int, ...] = (5, 15)

# Base year when nothing from the requested base year on precedes the latest value (e.g. a greenhouse-gas
# index published for 2005 and 2022 only): the latest observation before the base year is used, and ``note``
# starts with this code. Only when the latest value itself is from the base year on: a series that ends
# before 2015 says nothing about the period since and stays insufficient_data. Followed: EUSTAT's reading of the UNSD 2023 note ("if there is no 2015 value, use
# the first year after (or before) 2015 that still gives at least 2 points", EUSTAT-DES/site
# _pages/en/metodologia.md @74e6a315) and the UNDP implementation of the 2022 chart, which falls back to
# years before 2015 (UNDP-Data/SDG-Accelerator src/utils/getYearsAndValues.tsx). Not for eurostat: its
# window is its definition, so a window without data stays insufficient_data.
BASE_FALLBACK_CODE = "base_before_default"

# Lowest with-target class per method (used when T == v_b and the target is no longer met).
_WORST: dict[str, str] = {
    "unsd-2023": "regression",
    "unsd-2022": "deterioration",
    "eurostat": "movement_away",
    "open-sdg": "deterioration",
    "fpb": "unfavourable_wrong_direction",
}

_EPS = 1e-9

# ---- thresholds, with their standing ------------------------------------------------------------------
# UNSD 2023+: five classes on P. The cut points are UNVERIFIED: the 2023/2024 technical notes could not be
# read; 0.95 and 0.10 are confirmed by EUSTAT's 3-class implementation of the 2023 note, 0.5 and -0.1 are
# the research notes' inference.
_UNSD2023_CUTS = (
    (0.95, "on_track"),
    (0.5, "moderate_progress"),
    (0.1, "marginal_progress"),
    (-0.1, "stagnation"),
)
# UNSD 2020-22 chart, with target: CR cuts from two independent implementations (UNDP SDG-Accelerator
# getStatus.tsx; cwtravisyip/unsd_global_database int_func.py). Primary PDF wording UNVERIFIED.
_UNSD2022_CUTS = ((0.95, "substantial_progress"), (0.5, "fair_progress"), (-0.1, "limited_progress"))
# UNSD 2020-22 chart, without target: CAGR in the desired direction. UNVERIFIED: one third-party
# implementation, sign handling corrected in the research notes. "> 1 %" is strict; 0.5 % and -1 % belong
# to the upper class.
_UNSD2022_NT_HIGH, _UNSD2022_NT_MED, _UNSD2022_NT_LOW = 0.01, 0.005, -0.01
# Eurostat: methodological annex not read, thresholds UNVERIFIED (they match sdg-build's early
# Eurostat-inspired defaults). With target, ratio 0.95 / 0.60 / 0; without, CAGR > 1 % / 0 / -1 %, where
# "> 1 %" is strict and 0 and -1 % belong to the upper class.
_EUROSTAT_CUTS = ((0.95, "significant_progress"), (0.6, "moderate_progress"), (0.0, "insufficient_progress"))
_EUROSTAT_NT_HIGH, _EUROSTAT_NT_LOW = 0.01, -0.01
# open-sdg: read from open-sdg/sdg-build, sdg/ProgressMeasure.py at commit
# 139fede74ba534d2ed8b9eee4cd878b41f54cb67, SeriesProgress.get_progress_thresholds(): method 2 (target)
# {'high': 0.95, 'med': 0.6, 'low': 0}; method 1 (no target) {'high': 0.015, 'med': 0.005, 'low': 0}, the
# positive ones scaled by a coefficient C near a natural limit. Same as open-sdg docs/progress-methodology.md.
_OPENSDG_CUTS = ((0.95, "substantial_progress"), (0.6, "moderate_progress"), (0.0, "limited_progress"))
_OPENSDG_NT_HIGH, _OPENSDG_NT_MED = 0.015, 0.005
_OPENSDG_LIMIT_EXPONENT = 4.44  # `a = 4.44` in get_progress_thresholds()
# SeriesProgress.__init__: "Target is zero (invalid) ... Calculating progress with target = 0.001 instead."
_OPENSDG_ZERO_TARGET = 0.001


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """One series assessed by one method: the verdict and every number it rests on.

    ``ratio`` is P (unsd-2023), CR (unsd-2022) or the actual/required CAGR ratio (eurostat, open-sdg with
    a target); None without a target or when undefined. ``score`` is open-sdg's −5…+5 score (None for the
    other methods). ``reason`` is set when no class could be given; ``note`` records caveats of a class that
    was given. ``years``/``values`` are the observations from the base to the latest year that were looked at.
    """

    method: str
    method_version: str
    category: str
    direction: str
    target: float | None
    target_year: int
    ratio: float | None = None
    base_year: int | None = None
    latest_year: int | None = None
    base_value: float | None = None
    latest_value: float | None = None
    cagr: float | None = None
    cagr_required: float | None = None
    projected_value: float | None = None
    score: float | None = None
    window: int | None = None
    reason: str | None = None
    note: str | None = None
    years: tuple[int, ...] = ()
    values: tuple[float, ...] = ()
    base_fallback: bool = False  # base taken before the requested base year (BASE_FALLBACK_CODE)

    @property
    def assessed(self) -> bool:
        """True when a progress class was given (not insufficient_data / no_target)."""
        return self.category not in (INSUFFICIENT, NO_TARGET)


def cagr(x0: float, x1: float, years: float) -> float:
    """Compound annual growth rate from x0 to x1 over ``years`` years: (x1/x0)^(1/years) − 1."""
    return (x1 / x0) ** (1.0 / years) - 1.0


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
    ``insufficient_data`` with a reason.
    """
    if method not in METHODS:
        raise ValueError(f"unknown progress method {method!r}; known: {', '.join(METHODS)}")
    if direction not in ("increase", "decrease"):
        raise ValueError(f"direction must be 'increase' or 'decrease', not {direction!r}")
    if method == "eurostat":
        window = 5 if window is None else window
        if window not in EUROSTAT_WINDOWS:
            raise ValueError(f"eurostat window must be one of {EUROSTAT_WINDOWS}, not {window!r}")
    elif window is not None:
        raise ValueError(f"window applies to the eurostat method only, not {method!r}")
    if target is not None and not math.isfinite(target):
        raise ValueError(f"target must be a finite number or None, not {target!r}")
    if limit is not None and method != "open-sdg":
        raise ValueError(f"limit applies to the open-sdg method only, not {method!r}")

    d = 1.0 if direction == "increase" else -1.0
    notes: list[str] = []
    base = dict(
        method=method,
        method_version=METHOD_VERSIONS[method],
        direction=direction,
        target=target,
        target_year=target_year,
        window=window,
    )

    points = _usable_points(observations)
    if target is not None and points and points[-1][0] > target_year:
        dropped = [y for y, _ in points if y > target_year]
        points = [(y, v) for y, v in points if y <= target_year]
        notes.append(
            f"observations after the target year {target_year} ({dropped[0]}-{dropped[-1]}) not used"
        )
    if not points:
        reason = "no usable observation"
        if target is not None:
            reason += f" up to the target year {target_year}"
        return Assessment(category=INSUFFICIENT, reason=reason, note=_join(notes), **base)

    latest_year, latest_value = points[-1]
    start = latest_year - window if method == "eurostat" and window is not None else base_year
    trend = _Trend.build(points, start, fallback=method != "eurostat")
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
        **base,
    )
    met_code = CATEGORIES[method][0]
    if method == "fpb":
        return _fpb(trend, common, notes, target=target, target_year=target_year, d=d)

    # ---- no target ----------------------------------------------------------------------------------------
    if target is None:
        if trend.reason is not None:
            return Assessment(category=INSUFFICIENT, reason=trend.reason, note=_join(notes), **common)
        assert trend.cagr is not None
        signed = d * trend.cagr
        if method == "unsd-2023":
            # The anticipated-value method needs a numerical target. EUSTAT's 3-class no-target rule
            # (CAGR 2 % / 0.5 %) does not map onto UNSD's five classes, so none is invented here.
            return Assessment(
                category=NO_TARGET,
                reason="unsd-2023 (anticipated value P) needs a numerical target; none given",
                note=_join(notes),
                **common,
            )
        if method == "unsd-2022":
            category = _unsd2022_no_target(signed)
            return Assessment(category=category, note=_join(notes), **common)
        if method == "eurostat":
            category = _eurostat_no_target(signed)
            return Assessment(category=category, note=_join(notes), **common)
        # open-sdg
        coeff = 1.0
        if limit is not None:
            assert trend.base_value is not None
            coeff = _opensdg_limit_coefficient(trend.base_value, limit)
            notes.append(f"thresholds scaled by C = {coeff:.4f} for the natural limit {limit:g}")
        category = _opensdg_no_target(signed, coeff)
        score = _opensdg_score(signed, with_target=False, coeff=coeff)
        return Assessment(category=category, score=score, note=_join(notes), **common)

    # ---- with target --------------------------------------------------------------------------------------
    met = latest_value <= target if d < 0 else latest_value >= target
    effective_target = target
    if method == "open-sdg" and target == 0:
        effective_target = _OPENSDG_ZERO_TARGET
        notes.append("zero target replaced by 0.001 for the growth ratio, as sdg-build does")

    ratio: float | None = None
    required: float | None = None
    projected: float | None = None
    zero_change = False
    undefined: str | None = None
    if trend.reason is None:
        assert trend.base_year is not None and trend.base_value is not None and trend.cagr is not None
        b, vb = trend.base_year, trend.base_value
        if effective_target == vb:
            zero_change = True
        elif method == "unsd-2023":
            projected = latest_value * (1.0 + trend.cagr) ** (target_year - latest_year)
            ratio = d * (projected - vb) / abs(effective_target - vb)
        elif effective_target < 0:
            undefined = f"negative target ({target:g}): the required growth rate is undefined"
        else:
            required = cagr(vb, effective_target, target_year - b)
            ratio = d * trend.cagr / abs(required)
            if target == 0 and method != "open-sdg":
                notes.append("zero target: the required CAGR is -100 %/yr; growth ratios judge it harshly")

    with_ratio = dict(common, ratio=ratio, cagr_required=required, projected_value=projected)

    if met:
        if trend.reason is not None:
            notes.append(f"trend not assessed: {trend.reason}")
        # sdg-build get_score(): "If target is achieved, return 5 regardless of calculated progress value."
        score = 5.0 if method == "open-sdg" else None
        return Assessment(category=met_code, score=score, note=_join(notes), **with_ratio)
    if trend.reason is not None or undefined is not None:
        reason = trend.reason if trend.reason is not None else undefined
        return Assessment(category=INSUFFICIENT, reason=reason, note=_join(notes), **with_ratio)
    if zero_change:
        notes.append(
            "target equals the base value: the required change is zero, so there is no ratio; "
            "the latest value has moved away from the target (lowest class)"
        )
        score = -5.0 if method == "open-sdg" else None
        return Assessment(category=_WORST[method], score=score, note=_join(notes), **with_ratio)
    assert ratio is not None

    if method == "unsd-2023":
        category = _band(ratio, _UNSD2023_CUTS, "regression")
        return Assessment(category=category, note=_join(notes), **with_ratio)
    if method == "unsd-2022":
        category = _band(ratio, _UNSD2022_CUTS, "deterioration")
        return Assessment(category=category, note=_join(notes), **with_ratio)
    if method == "eurostat":
        category = _band(ratio, _EUROSTAT_CUTS, "movement_away")
        return Assessment(category=category, note=_join(notes), **with_ratio)
    category = _band(ratio, _OPENSDG_CUTS, "deterioration")
    if limit is not None:
        notes.append("limit ignored with a target, as sdg-build does")
    score = _opensdg_score(ratio, with_target=True, coeff=1.0)
    return Assessment(category=category, score=score, note=_join(notes), **with_ratio)


# ---- fpb (Federal Planning Bureau, Belgium) ---------------------------------------------------------------------
# What is confirmed (read in stored pages): for indicators with a quantified 2030 target the FPB "extends the
# current trend to see whether it reaches its target in 2030", "with a margin of 10 %"; the others "are not
# moving fast enough or are moving in the wrong direction", and one "could not be evaluated due to large
# fluctuations"; indicators without a target are judged on the direction of the trend, some "not evaluated for
# lack of significant development"; results are favourable / undetermined (impossible) / unfavourable
# (L'Avenir and The Bulletin, 2-3 Feb 2022, on the FPB report Sustainable Development Indicators 2022:
# https://www.lavenir.net/cnt/dmf20220202_01659752/la-belgique-en-retard-sur-ses-objectifs-de-developpement-durable ;
# http://www.xpats.com/belgium-struggling-achieve-sustainable-development-goals ; summary tables at
# https://indicators.be/en/a/SDG/en, which points to the method in the report Sustainable Development
# Indicators 2025, annex 7.5, not readable here).
# UNVERIFIED, chosen here: (1) the extrapolation is exponential at the CAGR from base to latest year, as for
# unsd-2023 (the FPB may fit a linear or other trend); (2) the base is the caller's base year (the table uses
# 2000, the start of the period the FPB assessed in 2022, or the first later year with data); (3) the margin
# is 10 % of the target value: favourable when v_Y <= 1.1·T (decrease) or v_Y >= 0.9·T (increase); (4) the
# "large fluctuations" test and the no-target rule with its significance test are NOT implemented (no rule
# could be confirmed): without a target the method says no_target.
FPB_MARGIN = 0.10


def fpb_class(projected: float, target: float, signed_cagr: float, d: float) -> str:
    """The fpb class of a projected value: within 10 % of the target, else by the trend's direction."""
    bound = target * (1.0 + FPB_MARGIN) if d < 0 else target * (1.0 - FPB_MARGIN)
    if (projected <= bound + _EPS) if d < 0 else (projected >= bound - _EPS):
        return "favourable"
    return "unfavourable_too_slow" if signed_cagr > 0 else "unfavourable_wrong_direction"


def _fpb(
    trend: _Trend,
    common: dict,
    notes: list[str],
    *,
    target: float | None,
    target_year: int,
    d: float,
) -> Assessment:
    """The FPB verdict: favourable when the extrapolated value is within 10 % of the target (UNVERIFIED)."""
    if target is None:
        reason = "fpb needs a numerical target: its direction rule and significance test are not implemented"
        return Assessment(category=NO_TARGET, reason=reason, note=_join(notes), **common)
    if trend.reason is not None or trend.cagr is None:
        return Assessment(category=INSUFFICIENT, reason=trend.reason, note=_join(notes), **common)
    latest_year, latest_value = common["latest_year"], common["latest_value"]
    projected = latest_value * (1.0 + trend.cagr) ** (target_year - latest_year)
    bound = target * (1.0 + FPB_MARGIN) if d < 0 else target * (1.0 - FPB_MARGIN)
    category = fpb_class(projected, target, d * trend.cagr, d)
    notes.append(
        f"extrapolated {target_year} value {projected:.4g} against the target with a 10 % margin ({bound:.4g})"
    )
    return Assessment(category=category, projected_value=projected, note=_join(notes), **common)


# ---- helpers --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Trend:
    """Base point, latest point and CAGR between them, or the reason why there is no trend."""

    base_year: int | None
    base_value: float | None
    cagr: float | None
    reason: str | None
    years: tuple[int, ...]
    values: tuple[float, ...]

    note: str | None = None

    @classmethod
    def build(cls, points: list[tuple[int, float]], start: int, *, fallback: bool = False) -> _Trend:
        """The trend from the first point at or after ``start``; with ``fallback``, from the latest point
        before ``start`` when the latest point is from ``start`` on and nothing else is (BASE_FALLBACK_CODE)."""
        latest_year, latest_value = points[-1]
        if len(points) < 2:
            reason = f"only one usable observation ({latest_year}); a trend needs two"
            return cls(None, None, None, reason, (), ())
        candidates = [(y, v) for y, v in points if start <= y < latest_year]
        note = None
        if not candidates and fallback and latest_year >= start:
            candidates = [(y, v) for y, v in points if y < start][-1:]
            if candidates:
                note = (
                    f"{BASE_FALLBACK_CODE}: no observation from the base year {start} on before the latest "
                    f"year {latest_year}; base falls back to {candidates[0][0]}, the latest observation before it"
                )
        if not candidates:
            return cls(
                None,
                None,
                None,
                f"no observation from the base year {start} onwards before the latest year {latest_year}",
                (),
                (),
            )
        b, vb = candidates[0]
        used = [(y, v) for y, v in points if y >= b]
        years = tuple(y for y, _ in used)
        values = tuple(v for _, v in used)
        if vb == 0:
            reason = f"base value is zero ({b}): growth rates from a zero base are undefined"
            return cls(b, vb, None, reason, years, values, note)
        if (vb > 0 > latest_value) or (vb < 0 < latest_value):
            reason = f"sign change between {b} ({vb:g}) and {latest_year} ({latest_value:g}): CAGR undefined"
            return cls(b, vb, None, reason, years, values, note)
        if vb < 0:
            reason = f"negative values ({b}: {vb:g}, {latest_year}: {latest_value:g}): CAGR undefined"
            return cls(b, vb, None, reason, years, values, note)
        return cls(b, vb, cagr(vb, latest_value, latest_year - b), None, years, values, note)


def unsd2023_class(p: float) -> str:
    """The unsd-2023 trend class of an anticipated share P (no target_met: that is a statement on the level)."""
    return _band(p, _UNSD2023_CUTS, "regression")


def _usable_points(observations: Mapping[int, float | None]) -> list[tuple[int, float]]:
    """Sorted (year, value) pairs with a finite value."""
    points = []
    for year, value in observations.items():
        if value is None:
            continue
        v = float(value)
        if math.isfinite(v):
            points.append((int(year), v))
    return sorted(points)


def _join(notes: list[str]) -> str | None:
    return "; ".join(notes) if notes else None


def _ge(x: float, cut: float) -> bool:
    return x >= cut - _EPS


def _gt(x: float, cut: float) -> bool:
    return x > cut + _EPS


def _band(x: float, cuts: tuple[tuple[float, str], ...], below: str) -> str:
    """First class whose lower cut x reaches (cuts ordered high to low); ``below`` under the last cut."""
    for cut, name in cuts:
        if _ge(x, cut):
            return name
    return below


def _unsd2022_no_target(signed: float) -> str:
    if _gt(signed, _UNSD2022_NT_HIGH):
        return "substantial_progress"
    if _ge(signed, _UNSD2022_NT_MED):
        return "fair_progress"
    if _ge(signed, _UNSD2022_NT_LOW):
        return "limited_progress"
    return "deterioration"


def _eurostat_no_target(signed: float) -> str:
    if _gt(signed, _EUROSTAT_NT_HIGH):
        return "significant_progress"
    if _ge(signed, 0.0):
        return "moderate_progress"
    if _ge(signed, _EUROSTAT_NT_LOW):
        return "moderate_movement_away"
    return "significant_movement_away"


def _opensdg_no_target(signed: float, coeff: float) -> str:
    # sdg-build get_progress_status() with thresholds already multiplied by the coefficient.
    if _ge(signed, _OPENSDG_NT_HIGH * coeff):
        return "substantial_progress"
    if _ge(signed, _OPENSDG_NT_MED * coeff):
        return "moderate_progress"
    if _ge(signed, 0.0):
        return "limited_progress"
    return "deterioration"


def _opensdg_limit_coefficient(base_value: float, limit: float) -> float:
    """sdg-build's scaling factor C in [0, 1] near a natural limit (get_progress_thresholds, a = 4.44)."""
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1.0 - (b / lim) ** _OPENSDG_LIMIT_EXPONENT
    return 1.0 - ((2 * lim - b) / lim) ** _OPENSDG_LIMIT_EXPONENT


def _opensdg_score(value: float, *, with_target: bool, coeff: float) -> float:
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
    if v >= _OPENSDG_NT_HIGH:
        return min(500.0 * v - 5.0, 5.0)
    if v >= _OPENSDG_NT_MED:
        return 250.0 * v - 1.25
    return 500.0 * v - 2.5
