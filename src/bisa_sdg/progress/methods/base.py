"""What every progress method shares: the result type, the trend, the class bands and the method interface.

A method is a :class:`ProgressMethod` subclass registered under its code with :func:`register`; ``assess``
(``bisa_sdg.progress.methods``) does the checks common to all and hands the method a :class:`Case`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from bisa_sdg.progress.reasons import Reason, reason

Direction = Literal["increase", "decrease"]

INSUFFICIENT = "insufficient_data"
NO_TARGET = "no_target"

# Base year when nothing from the requested base year on precedes the latest value (e.g. a greenhouse-gas
# index published for 2005 and 2022 only): the latest observation before the base year is used, and ``note``
# starts with this code. Only when the latest value itself is from the base year on: a series that ends
# before 2015 says nothing about the period since and stays insufficient_data. Followed: EUSTAT's reading of
# the UNSD 2023 note ("if there is no 2015 value, use the first year after (or before) 2015 that still gives
# at least 2 points", EUSTAT-DES/site _pages/en/metodologia.md @74e6a315) and the UNDP implementation of the
# 2022 chart, which falls back to years before 2015 (UNDP-Data/SDG-Accelerator src/utils/getYearsAndValues.tsx).
# Not for eurostat: its window is its definition, so a window without data stays insufficient_data.
BASE_FALLBACK_CODE = "base_before_default"

EPS = 1e-9


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """One series assessed by one method: the verdict and every number it rests on.

    ``ratio`` is P (unsd-2023), CR (unsd-2022) or the actual/required CAGR ratio (eurostat, open-sdg with
    a target); None without a target or when undefined. ``score`` is open-sdg's −5…+5 score (None for the
    other methods). ``reason_code`` (bisa_sdg.progress.reasons.REASONS) and the sentence ``reason`` are set
    when no class could be given; ``note`` records caveats of a class that was given. ``years``/``values`` are
    the observations from the base to the latest year that were looked at.
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
    reason_code: str | None = None
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


@dataclass(frozen=True)
class Trend:
    """Base point, latest point and CAGR between them, or the reason why there is no trend."""

    base_year: int | None
    base_value: float | None
    cagr: float | None
    why: Reason | None
    years: tuple[int, ...]
    values: tuple[float, ...]

    note: str | None = None

    @classmethod
    def build(cls, points: list[tuple[int, float]], start: int, *, fallback: bool = False) -> Trend:
        """The trend from the first point at or after ``start``; with ``fallback``, from the latest point
        before ``start`` when the latest point is from ``start`` on and nothing else is (BASE_FALLBACK_CODE)."""
        latest_year, latest_value = points[-1]
        if len(points) < 2:
            return cls(None, None, None, reason("one_observation", latest_year=latest_year), (), ())
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
            why = reason("no_base_observation", start=start, latest_year=latest_year)
            return cls(None, None, None, why, (), ())
        b, vb = candidates[0]
        used = [(y, v) for y, v in points if y >= b]
        years = tuple(y for y, _ in used)
        values = tuple(v for _, v in used)
        numbers = dict(base_year=b, base_value=vb, latest_year=latest_year, latest_value=latest_value)
        if vb == 0:
            return cls(b, vb, None, reason("zero_base", **numbers), years, values, note)
        if (vb > 0 > latest_value) or (vb < 0 < latest_value):
            return cls(b, vb, None, reason("sign_change", **numbers), years, values, note)
        if vb < 0:
            return cls(b, vb, None, reason("negative_values", **numbers), years, values, note)
        return cls(b, vb, cagr(vb, latest_value, latest_year - b), None, years, values, note)


@dataclass
class Case:
    """One series as a method sees it: the trend, the arguments and the fields every result carries.

    ``notes`` collects caveats in order; a method appends to it and :meth:`result` joins them.
    """

    trend: Trend
    target: float | None
    target_year: int
    d: float  # +1 when an increase is desired, −1 for a decrease
    limit: float | None
    common: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def latest_year(self) -> int:
        return self.common["latest_year"]

    @property
    def latest_value(self) -> float:
        return self.common["latest_value"]

    def result(self, category: str, why: Reason | None = None, **fields: Any) -> Assessment:
        """The assessment with ``category``, the notes so far and ``fields`` over the common ones."""
        return Assessment(
            category=category,
            reason_code=why.code if why else None,
            reason=why.text if why else None,
            note=join(self.notes),
            **{**self.common, **fields},
        )


class ProgressMethod:
    """One published progress method: its code, edition, classes and how it judges a :class:`Case`.

    Subclasses set the class attributes and implement :meth:`judge`; :meth:`window_for` and ``accepts_limit``
    say which optional arguments of ``assess`` the method takes (eurostat the window, open-sdg the limit).
    """

    code: ClassVar[str]
    version: ClassVar[str]
    categories: ClassVar[tuple[str, ...]]  # best first; the non-assessments last
    worst: ClassVar[str]  # the lowest with-target class (T == v_b and the target is no longer met)
    accepts_limit: ClassVar[bool] = False
    base_fallback: ClassVar[bool] = True  # may take its base before the base year (BASE_FALLBACK_CODE)

    def window_for(self, window: int | None) -> int | None:
        """The window to use, or ValueError: only eurostat has one."""
        if window is not None:
            raise ValueError(f"window applies to the eurostat method only, not {self.code!r}")
        return None

    def start_year(self, latest_year: int, base_year: int, window: int | None) -> int:
        """The year the trend starts from (at or after; see BASE_FALLBACK_CODE)."""
        return base_year

    def judge(self, case: Case) -> Assessment:
        raise NotImplementedError


REGISTRY: dict[str, ProgressMethod] = {}


def register(cls: type[ProgressMethod]) -> type[ProgressMethod]:
    """Class decorator: make the method known to ``assess`` under its code ."""
    if cls.code in REGISTRY:
        raise ValueError(f"progress method {cls.code!r} registered twice")
    REGISTRY[cls.code] = cls()
    return cls


# ---- helpers shared by the methods ------------------------------------------------------------------------


def usable_points(observations: Mapping[int, float | None]) -> list[tuple[int, float]]:
    """Sorted (year, value) pairs with a finite value."""
    points = []
    for year, value in observations.items():
        if value is None:
            continue
        v = float(value)
        if math.isfinite(v):
            points.append((int(year), v))
    return sorted(points)


def join(notes: list[str]) -> str | None:
    return "; ".join(notes) if notes else None


def ge(x: float, cut: float) -> bool:
    """x >= cut, with a value within 1e-9 of the cut counted as on it (hand-built boundary cases)."""
    return x >= cut - EPS


def gt(x: float, cut: float) -> bool:
    """x > cut, a value within 1e-9 of the cut counted as on it (so not above it)."""
    return x > cut + EPS


def band(x: float, cuts: tuple[tuple[float, str], ...], below: str) -> str:
    """First class whose lower cut x reaches (cuts ordered high to low); ``below`` under the last cut."""
    for cut, name in cuts:
        if ge(x, cut):
            return name
    return below
