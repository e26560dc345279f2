"""The rows of ``curated.progress``: every series × area × applicable target × method, as a pure function.

Why a separate module: the choices below (which areas a target applies to, which base year, which row is the
headline) are the statistics of the table and are tested on hand-made frames; the model in
``bisa_sdg.warehouse.models.progress_model`` only reads the warehouse, calls :func:`progress_frame` and writes the result.

Choices (each written down so it can be argued with):

* Observations: the totals of a series (every breakdown '_T') in ``curated.indicator_values``, per indicator,
  series, unit and area. Breakdowns (sex, age …) are not assessed.
* Which areas a target applies to (``applies_to`` in config/targets.md): ``all`` (WHO guidelines, air-quality
  limit values, UN and New Urban Agenda commitments) holds for any place, so it is assessed for the region
  and for each municipality; ``eu`` and ``member_state`` targets are set for the EU or Belgium as a whole and
  ``region`` targets for the region: they are assessed for the region only, as a benchmark, never as an
  obligation of a municipality. A target is always reported for the region (as not assessable, ``no_data``,
  when the series has no value there) and for the municipalities when the series is produced for
  municipalities, so a missing municipality shows as ``no_data`` rather than vanishing.
* Base year: 2015 (the SDG baseline of the UN progress charts,
  UNSD Progress Chart Technical Note 2022) for absolute targets and commitments; the target's own base
  year for relative targets (−50 % vs 2019 is measured from 2019, as in tests/test_targets.py). Eurostat uses
  its 5- and 15-year windows whatever the target.
* Relative targets are resolved with ``targets.resolve_target_value`` from the series' value in the target's
  base year; when the catalog gives no base year or the series has no value then, the row says so
  (``target_unresolved``) instead of guessing.
* Commitments without a number are assessed for their direction only: every method's no-target rule
  (unsd-2023 has none and says ``no_target``).
* Series without any target row are assessed only when the indicator registry gives a desired direction,
  and only by the methods that have a no-target rule.
* fpb (Federal Planning Bureau): base year 2000 (first later year with data) for absolute targets, the
  target's base year for relative ones; no rows for series without a target (its no-target rule is not
  implemented). Details UNVERIFIED in ``bisa_sdg.progress.methods``.
* Beside each class (bisa_sdg.progress.verdicts): ``probability_target_met`` from a log-scale random walk with drift,
  ``verdict_stable`` under the published rounding (``obs_lower``/``obs_upper`` when indicator_values has them;
  absent or NULL = exact) and the 80 % interval of projecting methods, ``light`` and ``methods_agree`` across the
  methods of one series × area × target, ``window_years_used`` for eurostat. The EU air-quality limit rows are
  judged on the worst station and every row names its ``statistic`` (targets.csv).
* Headline: one row per target × area is marked ``headline`` for the scorecard: ``unsd-2023`` (UN anticipated
  value) for targets with a number, and for targets without a number the UN's own no-target rule, the
  ``unsd-2022`` CAGR classes, because the 2023+ method has no no-target rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import pandas as pd

from bisa_sdg.config.targets import resolve_target_value
from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.parsing import finite_number
from bisa_sdg.progress.methods import INSUFFICIENT, METHOD_VERSIONS, METHODS, Assessment, Direction, assess
from bisa_sdg.progress.reasons import REASONS, Reason, given, reason
from bisa_sdg.progress.verdicts import (
    PROBABILITY_METHOD,
    PROBABILITY_REASONS,
    light,
    probability_target_met,
    verdict_stability,
)

# (method, eurostat window) pairs, in the order rows are written.
VARIANTS: tuple[tuple[str, int | None], ...] = (
    ("unsd-2023", None),
    ("unsd-2022", None),
    ("eurostat", 5),
    ("eurostat", 15),
    ("open-sdg", None),
    ("fpb", None),
)
# Methods with a rule for series without a numeric target (progress.assess gives a class without one).
NO_TARGET_VARIANTS: tuple[tuple[str, int | None], ...] = tuple(
    v for v in VARIANTS if v[0] not in ("unsd-2023", "fpb")
)
HEADLINE_METHOD = "unsd-2023"
HEADLINE_DIRECTION_METHOD = "unsd-2022"
DEFAULT_BASE_YEAR = 2015
DEFAULT_TARGET_YEAR = 2030
# fpb: the Federal Planning Bureau assessed the period 2000-2020 in 2022 (press summary; UNVERIFIED for other
# editions), so its trend starts in 2000 or the first later year with data; relative targets keep their base.
FPB_BASE_YEAR = 2000
AREA_WIDE_APPLIES_TO = ("all",)
# Natural limit of a share (sdg-build's ``limit``, progress.assess(limit=...)): a percentage (SDMX unit PT)
# that should increase cannot pass 100. For commitments without a number, open-sdg scales its growth
# thresholds down near it (sdg-build get_progress_thresholds), so a share held at 100 % is "substantial
# progress" there. The other methods have no such rule: their class is kept as published (a CAGR of 0 at
# 100 % reads "limited progress"), and the note says the value is at the limit, so no verdict is invented.
PERCENT_UNIT = "PT"
NATURAL_LIMIT = 100.0
AT_LIMIT_NOTE = (
    "at_natural_limit: the latest value is at 100 %, the most a share can reach; a growth rate cannot show "
    "progress from there (open-sdg scales its thresholds to the limit, the other methods have no such rule)"
)
# What a row is judged on when targets.csv names no statistic (and for series without a target).
DEFAULT_STATISTIC = "the series total for the area, as published"

COLUMNS: dict[str, str] = {
    "ref_area": "string",
    "area_level": "string",
    "indicator_id": "string",
    "series": "string",
    "unit_measure": "string",
    "target_id": "string",
    "agenda": "string",
    "kind": "string",
    "applies_to": "string",
    "statistic": "string",
    "target_type": "string",
    "direction": "string",
    "direction_source": "string",
    "target_value": "float64",
    "target_relative_change": "float64",
    "target_base_year": "Int64",
    "target_base_value": "float64",
    "target_year": "Int64",
    "method": "string",
    "eurostat_window": "Int64",
    "method_version": "string",
    "headline": "boolean",
    "base_year": "Int64",
    "base_value": "float64",
    "base_fallback": "boolean",
    "latest_year": "Int64",
    "latest_value": "float64",
    "n_obs": "Int64",
    "obs_years": "string",
    "obs_values": "string",
    "cagr": "float64",
    "cagr_required": "float64",
    "projected_value": "float64",
    "ratio": "float64",
    "score": "float64",
    "category": "string",
    "assessed": "boolean",
    "reason_code": "string",
    "reason_label": "string",
    "reason": "string",
    "note": "string",
    "window_years_used": "Int64",
    "light": "string",
    "methods_agree": "boolean",
    "probability_target_met": "float64",
    "probability_reason_code": "string",
    "probability_reason": "string",
    "probability_method": "string",
    "verdict_stable": "boolean",
    "stability_reason_code": "string",
    "stability_note": "string",
    "synthetic": "boolean",
}


@dataclass(frozen=True)
class _Series:
    """The totals of one series in one area: year → value, and whether any value rests on invented data."""

    observations: dict[int, float]
    synthetic: bool
    # year → (lower, upper) bounds from the published rounding (obs_lower/obs_upper); absent or None = exact
    bounds: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)


def progress_frame(
    values: pd.DataFrame,
    targets: pd.DataFrame,
    areas: pd.DataFrame,
    directions: Mapping[str, str] | None = None,
    no_trend: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """All assessments as a frame with :data:`COLUMNS`, sorted (headline rows first within a series × area).

    ``values``: curated.indicator_values; ``targets``: meta.targets (targets.load_targets); ``areas``:
    meta.profile_areas (ref_area, level); ``directions``: series code → desired direction from the registry.
    """
    directions = dict(directions or {})
    no_trend = dict(no_trend or {})
    level = dict(zip(areas["ref_area"].astype(str), areas["level"].astype(str), strict=True))
    region = [code for code, lvl in level.items() if lvl == "region"]
    municipalities = sorted(code for code, lvl in level.items() if lvl == "municipality")
    grouped = _grouped(values)

    keys_by_series: dict[str, list[tuple[str, str, str | None]]] = {}
    for indicator_id, series, unit, _area in grouped:
        key = (indicator_id, series, unit)
        if key not in keys_by_series.setdefault(series, []):
            keys_by_series[series].append(key)

    rows: list[dict[str, Any]] = []
    for target in targets.sort_values("target_id").to_dict("records"):
        series = str(target["series"])
        keys = keys_by_series.get(series) or [(str(target["indicator_id"]), series, None)]
        for key in keys:
            produced_for = {area for (i, s, u, area) in grouped if (i, s, u) == key}
            scope = list(region)
            if target["applies_to"] in AREA_WIDE_APPLIES_TO and produced_for & set(municipalities):
                scope += municipalities
            for area in scope:
                data = grouped.get((*key, area))
                rows += _target_rows(target, key, area, level.get(area), data, directions, no_trend)

    rows += _direction_rows(grouped, level, set(targets["series"].astype(str)), directions, no_trend)
    _add_agreement(rows)
    return _frame(rows)


def _direction_rows(
    grouped: Mapping[tuple[str, str, str, str], _Series],
    level: Mapping[str, str],
    targeted: set[str],
    directions: Mapping[str, str],
    no_trend: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Rows of series without any target: the methods with a no-target rule, on the registry's direction."""
    rows: list[dict[str, Any]] = []
    for (indicator_id, series, unit, area), data in sorted(grouped.items(), key=lambda item: item[0]):
        if area not in level or series in targeted or directions.get(series) not in ("increase", "decrease"):
            continue
        if series in no_trend:
            continue
        for method, window in NO_TARGET_VARIANTS:
            run = partial(
                assess,
                direction=cast(Direction, directions[series]),
                method=method,
                base_year=DEFAULT_BASE_YEAR,
                window=window,
                limit=_natural_limit(unit, directions[series], method, numeric=False),
            )
            row = _base_row((indicator_id, series, unit), area, level.get(area), data)
            row.update(
                target_type="none",
                statistic=DEFAULT_STATISTIC,
                direction=directions[series],
                direction_source="registry",
                headline=method == HEADLINE_DIRECTION_METHOD,
                method=method,
                eurostat_window=window,
            )
            rows.append(_assessed_row(row, data, run, None))
    return rows


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a typed frame, headline rows first within a series × area.

    Sorted as plain rows, then one typed array per column (docs/performance.md): missing keys sort first and
    the sort is stable.
    """
    method_order = {m: i for i, m in enumerate(METHODS)}

    def missing_first(value: Any) -> tuple:
        return (0,) if value is None else (1, value)

    rows.sort(
        key=lambda row: (
            row["series"],
            row["ref_area"],
            not row["headline"],
            missing_first(row.get("target_id")),
            method_order[row["method"]],
            missing_first(row.get("eurostat_window")),
            missing_first(row.get("indicator_id")),
        )
    )
    return pd.DataFrame(
        {
            column: pd.array([row.get(column) for row in rows], dtype=dtype)
            for column, dtype in COLUMNS.items()
        }
    )


# ---- helpers --------------------------------------------------------------------------------------------


def _grouped(values: pd.DataFrame) -> dict[tuple[str, str, str, str], _Series]:
    """Totals (every breakdown '_T') per (indicator_id, series, unit_measure, ref_area)."""
    if values.empty:
        return {}
    is_total = pd.to_numeric(values["obs_value"], errors="coerce").notna().to_numpy().copy()
    for column in BREAKDOWN_COLUMNS:  # one mask, one filter, not a filtered copy per breakdown
        if column in values.columns:
            is_total &= (values[column].astype(str) == "_T").to_numpy()
    totals = values[is_total]
    keys = ["indicator_id", "series", "unit_measure", "ref_area"]
    totals = totals.dropna(subset=keys)  # as groupby would: a total without a full key belongs to no series
    synthetic = (
        totals["synthetic"].fillna(False).astype(bool).tolist()
        if "synthetic" in totals
        else [False] * len(totals)
    )
    lower, upper = (_bound_column(totals, column) for column in ("obs_lower", "obs_upper"))
    # Plain lists, one pass: a pandas groupby over ~60 small groups cost more than the assessments themselves.
    collected: dict[tuple[str, ...], tuple[dict[int, float], list[bool], dict]] = {}
    for key, year, value, is_synthetic, low, high in zip(
        zip(*(totals[column].astype(str).tolist() for column in keys), strict=True),
        totals["time_period"].astype(int).tolist(),
        totals["obs_value"].astype(float).tolist(),
        synthetic,
        lower,
        upper,
        strict=True,
    ):
        observations, flags, bounds = collected.setdefault(key, ({}, [], {}))
        if year in observations:
            raise ValueError(f"curated.indicator_values: several totals for one year in {key}")
        observations[year] = value
        flags.append(is_synthetic)
        if low is not None or high is not None:
            bounds[year] = (low, high)
    out: dict[tuple[str, str, str, str], _Series] = {}
    for key in sorted(collected):
        observations, flags, bounds = collected[key]
        out[key] = _Series(dict(sorted(observations.items())), any(flags), bounds)
    return out


def _bound_column(totals: pd.DataFrame, column: str) -> list[float | None]:
    """obs_lower / obs_upper as floats, None where NULL or when the column is absent (= exact)."""
    if column not in totals.columns:
        return [None] * len(totals)
    return [finite_number(v) for v in totals[column].tolist()]


def _statistic(target: Mapping[str, Any]) -> str:
    """The target's statistic (targets.csv), or the default when the catalog names none."""
    text = target.get("statistic")
    return text.strip() if isinstance(text, str) and text.strip() else DEFAULT_STATISTIC


def _year(value: Any) -> int | None:
    number = finite_number(value)
    return None if number is None else int(number)


def _base_row(
    key: tuple[str, str, str | None], area: str, area_level: str | None, data: _Series | None
) -> dict:
    indicator_id, series, unit = key
    return {
        "ref_area": area,
        "area_level": area_level,
        "indicator_id": indicator_id,
        "series": series,
        "unit_measure": unit,
        "synthetic": data.synthetic if data is not None else False,
    }


def _target_rows(
    target: Mapping[str, Any],
    key: tuple[str, str, str | None],
    area: str,
    area_level: str | None,
    data: _Series | None,
    directions: Mapping[str, str],
    no_trend: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The five method rows of one target in one area."""
    value = finite_number(target.get("target_value"))
    change = finite_number(target.get("target_relative_change"))
    numeric = value is not None or change is not None
    target_base_year = _year(target.get("base_year"))
    target_year = _year(target.get("target_year"))
    direction = str(target.get("direction") or "")
    direction_source = "target"
    if direction not in ("increase", "decrease") and directions.get(key[1]) in ("increase", "decrease"):
        direction, direction_source = directions[key[1]], "registry"
    common = _base_row(key, area, area_level, data)
    common.update(
        target_id=target["target_id"],
        agenda=target["agenda"],
        kind=target["kind"],
        applies_to=target["applies_to"],
        statistic=_statistic(target),
        target_type="numeric" if numeric else "direction",
        direction=direction or None,
        direction_source=direction_source if direction else None,
        target_relative_change=change,
        target_base_year=target_base_year,
        target_year=target_year,
    )
    headline_method = HEADLINE_METHOD if numeric else HEADLINE_DIRECTION_METHOD
    observations = data.observations if data is not None else {}

    resolved: float | None = None
    unresolved: str | None = None
    if numeric:
        base_value = observations.get(target_base_year) if target_base_year is not None else None
        common["target_base_value"] = base_value
        try:
            resolved = resolve_target_value(dict(target), base_value)
        except ValueError as exc:
            unresolved = str(exc)
    common["target_value"] = resolved

    rows = []
    for method, window in VARIANTS:
        row = dict(common, method=method, eurostat_window=window, headline=method == headline_method)
        if not observations:
            rows.append(_not_assessed(row, method, reason("no_data"), observations))
        elif direction not in ("increase", "decrease"):
            rows.append(_not_assessed(row, method, reason("no_direction"), observations))
        elif unresolved is not None:
            rows.append(_not_assessed(row, method, given("target_unresolved", unresolved), observations))
        elif no_trend and key[1] in no_trend:
            rows.append(_not_assessed(row, method, given("no_trend", no_trend[key[1]]), observations))
        else:
            base_year = target_base_year if change is not None and target_base_year else DEFAULT_BASE_YEAR
            if method == "fpb" and change is None:
                base_year = FPB_BASE_YEAR
            run = partial(
                assess,
                target_year=target_year or DEFAULT_TARGET_YEAR,
                direction=cast(Direction, direction),
                method=method,
                base_year=base_year,
                window=window,
                limit=_natural_limit(key[2], direction, method, numeric=numeric),
            )
            relative = (change, target_base_year) if change is not None else (None, None)
            rows.append(_assessed_row(row, data, run, resolved, relative))
    return rows


def _assessed_row(
    row: dict[str, Any],
    data: _Series | None,
    run: Callable[..., Assessment],
    target: float | None,
    relative: tuple[float | None, int | None] = (None, None),
) -> dict[str, Any]:
    """Assess with ``run`` (assess with every argument but the observations and the target bound) and add
    how far the verdict holds up: probability, stability under rounding and the 80 % interval."""
    observations = data.observations if data is not None else {}
    result = run(observations, target=target)
    probability = probability_target_met(result)
    stability = verdict_stability(
        result,
        observations,
        data.bounds if data is not None else {},
        lambda obs, t: run(obs, target=t),
        relative_change=relative[0],
        target_base_year=relative[1],
    )
    out = _with_result(row, result)
    if _at_natural_limit(row, result):
        out["note"] = _join_notes(out["note"], AT_LIMIT_NOTE)
    out.update(
        probability_target_met=probability.value,
        probability_reason_code=probability.reason_code,
        probability_reason=PROBABILITY_REASONS.get(probability.reason_code or ""),
        probability_method=PROBABILITY_METHOD if probability.value is not None else None,
        verdict_stable=stability.stable,
        stability_reason_code=stability.reason_code,
        stability_note=stability.note,
    )
    return out


def _not_assessed(
    row: dict[str, Any], method: str, why: Reason, observations: Mapping[int, float]
) -> dict[str, Any]:
    """A row without a class, with the observations that were there (so a reader sees what was missing)."""
    years = sorted(observations)
    return dict(
        row,
        method_version=METHOD_VERSIONS[method],
        category=INSUFFICIENT,
        assessed=False,
        reason_code=why.code,
        reason_label=REASONS[why.code],
        reason=why.text,
        n_obs=len(years),
        obs_years=json.dumps(years),
        obs_values=json.dumps([observations[y] for y in years]),
    )


def _with_result(row: dict[str, Any], result: Assessment) -> dict[str, Any]:
    code = (result.reason_code or "other") if not result.assessed else None
    return dict(
        row,
        method=result.method,
        eurostat_window=result.window,
        method_version=result.method_version,
        base_year=result.base_year,
        base_value=result.base_value,
        base_fallback=result.base_fallback,
        latest_year=result.latest_year,
        latest_value=result.latest_value,
        n_obs=len(result.years),
        obs_years=json.dumps(list(result.years)),
        obs_values=json.dumps(list(result.values)),
        cagr=result.cagr,
        cagr_required=result.cagr_required,
        projected_value=result.projected_value,
        ratio=result.ratio,
        score=result.score,
        category=result.category,
        assessed=result.assessed,
        reason_code=code,
        reason_label=REASONS[code] if code else None,
        reason=result.reason,
        note=_join_notes(result.note, _window_note(result)),
        window_years_used=_window_years(result),
        light=light(result.method, result.category),
    )


def _natural_limit(unit: str | None, direction: str, method: str, *, numeric: bool) -> float | None:
    """100 for open-sdg on a percentage that should increase and has no numeric target (NATURAL_LIMIT)."""
    if method == "open-sdg" and not numeric and unit == PERCENT_UNIT and direction == "increase":
        return NATURAL_LIMIT
    return None


def _at_natural_limit(row: Mapping[str, Any], result: Assessment) -> bool:
    """A row without a numeric target whose percentage, to be increased, is already at 100."""
    return (
        row.get("target_type") in ("direction", "none")
        and row.get("unit_measure") == PERCENT_UNIT
        and result.direction == "increase"
        and result.latest_value is not None
        and result.latest_value >= NATURAL_LIMIT
    )


def _window_years(result: Assessment) -> int | None:
    """Years between base and latest observation of a eurostat row (its window may be longer)."""
    if result.window is None or result.base_year is None or result.latest_year is None:
        return None
    return result.latest_year - result.base_year


def _window_note(result: Assessment) -> str | None:
    """'window_short: …' when a eurostat 5- or 15-year assessment rests on fewer years than its window."""
    used = _window_years(result)
    if used is None or result.window is None or used >= result.window:
        return None
    return (
        f"window_short: the {result.window}-year window rests on {used} years "
        f"({result.base_year}-{result.latest_year}), the data available in it"
    )


def _join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return "; ".join(kept) if kept else None


def _add_agreement(rows: list[dict[str, Any]]) -> None:
    """methods_agree on every row of a series × area × target: whether the assessed rows of at least two
    methods give one light; None when fewer than two methods gave a class."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        key = tuple(row.get(c) for c in ("indicator_id", "series", "unit_measure", "ref_area", "target_id"))
        groups.setdefault(key, []).append(row)
    for members in groups.values():
        lit = [r for r in members if r.get("light") is not None]
        agree = None
        if len({r["method"] for r in lit}) >= 2:
            agree = len({r["light"] for r in lit}) == 1
        for row in members:
            row["methods_agree"] = agree
