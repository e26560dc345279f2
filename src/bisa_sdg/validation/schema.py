"""Validate raw sources against their declarative schemas (schemas/<source>.yaml) with pandera.

A schema file lists columns with a dtype and named rules, the keys that must be unique, and dataset rules that
look across rows or across sources (every municipality present, municipal sum equal to the published total).
Validation is lazy: every failing row of every source is collected, so a statistician sees all problems at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import yaml
from pandera.engines import pandas_engine

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.parsing import load_yaml
from bisa_sdg.validation.issues import describe_issue

ISSUE_COLUMNS = ("source", "file", "row", "column", "rule", "severity", "value", "message")
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class _Text(pandas_engine.STRING):
    """pandera's string dtype, answering for the whole column when it already has a pandas string dtype.

    pandera checks a string column cell by cell and then reshapes the all-true result as if it held failures,
    which made it the costliest part of validating the sample; any other dtype (object columns, numbers) still
    gets pandera's own cell-by-cell check, so what passes and what fails is unchanged.
    """

    def check(self, pandera_dtype: Any, data_container: Any = None) -> Any:
        if data_container is not None and isinstance(data_container.dtype, pd.StringDtype):
            return True
        return super().check(pandera_dtype, data_container)


# Resolved to pandera data types once: a dtype given by name ("Int64") is looked up again for every column of every
# schema, and each lookup first tries to import geopandas.
_DTYPES = {
    "string": _Text(),
    "int": pandas_engine.Engine.dtype(pd.Int64Dtype()),
    "float": pandas_engine.Engine.dtype(float),
    "bool": pandas_engine.Engine.dtype(bool),
    "date": pandas_engine.Engine.dtype("datetime64[ns]"),
}


class SchemaFileError(ValueError):
    """A schema file that cannot be understood."""


class ValidationFailed(RuntimeError):
    """Raised when an error-severity rule fails: the run stops before anything is published."""

    def __init__(self, issues: pd.DataFrame):
        self.issues = issues
        errors = issues[issues["severity"] == "error"]
        lines = [f"validation failed: {len(errors)} error(s) in {errors['source'].nunique()} source(s)"]
        for issue in errors.head(20).itertuples(index=False):
            lines.append("  " + describe_issue(issue._asdict()))
        if len(errors) > 20:
            lines.append(f"  … and {len(errors) - 20} more (see audit.validation_issues)")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    params: dict[str, Any]
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class SourceSchema:
    source: str
    path: Path
    columns: dict[str, dict[str, Any]]
    column_rules: dict[str, tuple[Rule, ...]]
    unique: tuple[str, ...]
    dataset_rules: tuple[Rule, ...] = field(default_factory=tuple)


def _rule(raw: Mapping[str, Any], path: Path) -> Rule:
    try:
        params = {k: v for k, v in raw.items() if k not in ("rule", "check", "message", "severity")}
        rule = Rule(
            name=str(raw["rule"]),
            kind=str(raw.get("check", raw["rule"])),
            params=params,
            message=str(raw.get("message", raw["rule"])),
            severity=str(raw.get("severity", "error")),
        )
    except KeyError as exc:
        raise SchemaFileError(f"{path}: a rule lacks {exc}") from exc
    if rule.severity not in SEVERITIES:
        raise SchemaFileError(f"{path}: rule {rule.name}: severity must be one of {SEVERITIES}")
    return rule


def load_schema(path: Path) -> SourceSchema:
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaFileError(f"{path}: cannot read schema: {exc}") from exc
    columns = doc.get("columns") or {}
    for name, spec in columns.items():
        if spec.get("dtype", "string") not in _DTYPES:
            raise SchemaFileError(f"{path}: column {name}: dtype must be one of {sorted(_DTYPES)}")
    return SourceSchema(
        source=str(doc["source"]),
        path=path,
        columns={name: dict(spec) for name, spec in columns.items()},
        column_rules={
            name: tuple(_rule(r, path) for r in spec.get("rules") or []) for name, spec in columns.items()
        },
        unique=tuple(doc.get("unique") or ()),
        dataset_rules=tuple(_rule(r, path) for r in doc.get("dataset_rules") or []),
    )


# --- column rules -------------------------------------------------------------------------------------------


def _column_check(rule: Rule, profile: RegionProfile) -> pa.Check:
    p = rule.params
    builders: dict[str, Callable[[], pa.Check]] = {
        "matches": lambda: pa.Check.str_matches(p["pattern"], name=rule.name, error=rule.name),
        "between": lambda: pa.Check.in_range(p["min"], p["max"], name=rule.name, error=rule.name),
        "ge": lambda: pa.Check.ge(p["value"], name=rule.name, error=rule.name),
        "le": lambda: pa.Check.le(p["value"], name=rule.name, error=rule.name),
        "isin": lambda: pa.Check.isin(p["values"], name=rule.name, error=rule.name),
        "in_region_areas": lambda: pa.Check.isin(
            list(profile.municipalities), name=rule.name, error=rule.name
        ),
    }
    if rule.kind not in builders:
        raise SchemaFileError(f"rule {rule.name}: unknown check {rule.kind!r} (known: {sorted(builders)})")
    return builders[rule.kind]()


def _pandera_schema(schema: SourceSchema, profile: RegionProfile) -> dict[str, pa.DataFrameSchema]:
    """One pandera schema per severity, so warnings never stop a run and errors always do."""
    out = {}
    for severity in SEVERITIES:
        columns = {}
        for name, spec in schema.columns.items():
            checks = [
                _column_check(rule, profile)
                for rule in schema.column_rules[name]
                if rule.severity == severity and "when_label" not in rule.params
            ]
            if severity == "error":
                columns[name] = pa.Column(
                    _DTYPES[spec.get("dtype", "string")],
                    checks=checks,
                    nullable=bool(spec.get("nullable", False)),
                )
            elif checks:  # warnings: only the named rules, on whatever values are there
                columns[name] = pa.Column(None, checks=checks, nullable=True, required=False)
        unique = list(schema.unique) if severity == "error" and schema.unique else None
        if columns or unique:  # a severity with no rule is not validated at all
            out[severity] = _dataframe_schema(columns, unique)
    return out


def _dataframe_schema(columns: dict[str, pa.Column], unique: list[str] | None) -> pa.DataFrameSchema:
    """``pa.DataFrameSchema(columns, unique=unique)`` without its deep copy of every column (made to name each
    copy): these columns are built for this one schema and are named in place, as pandera's own
    ``add_columns`` hands columns over."""
    schema = pa.DataFrameSchema(unique=unique)
    schema.columns = {name: column.set_name(name) for name, column in columns.items()}
    return schema


def _issues_from_pandera(
    exc: pa.errors.SchemaErrors, frame: pd.DataFrame, schema: SourceSchema, severity: str
) -> list[dict[str, Any]]:
    messages = {rule.name: rule.message for rules in schema.column_rules.values() for rule in rules}
    messages["not_nullable"] = "a value is required here, and it must be readable as the column's type"
    messages["multiple_fields_uniqueness"] = f"the key ({', '.join(schema.unique)}) must be unique"
    issues = []
    for case in exc.failure_cases.itertuples(index=False):
        index = case.index
        has_row = index is not None and not pd.isna(index) and index in frame.index
        column = str(case.column) if case.column is not None else ""
        value = case.failure_case
        raw_column = f"{column}_raw"
        if has_row and raw_column in frame.columns:
            value = frame.at[index, raw_column]
        check = str(case.check)
        rule = check if check in messages else re.sub(r"\(.*\)$", "", check)
        issues.append(
            {
                "source": schema.source,
                "file": frame.at[index, "_file"] if has_row else None,
                "row": int(frame.at[index, "_line"]) if has_row else None,
                "column": column,
                "rule": rule,
                "severity": severity,
                "value": None
                if value is None or (not isinstance(value, str) and pd.isna(value))
                else str(value),
                "message": messages.get(rule, check),
            }
        )
    return issues


def _conditional_membership(
    frame: pd.DataFrame, schema: SourceSchema, profile: RegionProfile
) -> list[dict[str, Any]]:
    """Rows that call themselves part of the region must carry one of the region's area codes."""
    issues = []
    for column, rules in schema.column_rules.items():
        for rule in rules:
            if rule.kind != "in_region_areas" or "when_label" not in rule.params:
                continue
            label_column = rule.params["when_label"]
            label = profile.region_labels.get(schema.source)
            if label is None:
                continue
            claims = frame[label_column] == label
            bad = frame[claims & ~frame[column].isin(profile.municipalities)]
            issues += [_issue(schema, rule, row, column, row[column]) for _, row in bad.iterrows()]
    return issues


def _issue(schema: SourceSchema, rule: Rule, row: Any, column: str, value: Any) -> dict[str, Any]:
    return {
        "source": schema.source,
        "file": None if row is None else row["_file"],
        "row": None if row is None else int(row["_line"]),
        "column": column,
        "rule": rule.name,
        "severity": rule.severity,
        "value": None if value is None else str(value),
        "message": rule.message,
    }


# --- dataset rules ------------------------------------------------------------------------------------------


def _all_region_areas_present(
    frame: pd.DataFrame, schema: SourceSchema, rule: Rule, profile: RegionProfile, others: Mapping[str, Any]
) -> list[dict[str, Any]]:
    code_column, period_column = rule.params["column"], rule.params.get("by")
    groups = frame.groupby(period_column) if period_column else [(None, frame)]
    issues = []
    for period, group in groups:
        missing = sorted(set(profile.municipalities) - set(group[code_column].unique()))
        files = sorted(group["_file"].unique())
        for code in missing:
            issue = _issue(schema, rule, None, code_column, code)
            issue["file"] = ", ".join(files)
            if period is not None:
                issue["message"] = f"{rule.message} ({period_column} {period})"
            issues.append(issue)
    return issues


def _region_total_matches(
    frame: pd.DataFrame, schema: SourceSchema, rule: Rule, profile: RegionProfile, others: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Sum of the region's municipalities equals the region total published in another source."""
    p = rule.params
    reference = others.get(p["reference"])
    if reference is None:
        return []
    totals = reference[reference[p["reference_area_column"]] == profile.region_code]
    totals = totals.set_index(p["by"])[p["reference_value_column"]]
    region_rows = frame[frame[p["column"]].isin(profile.municipalities)]
    sums = region_rows.groupby(p["by"])[p["value_column"]].sum()
    issues = []
    for period, total in sums.items():
        if period not in totals.index or pd.isna(totals[period]):
            continue
        expected = int(totals[period])
        if int(total) != expected:
            issue = _issue(schema, rule, None, p["value_column"], int(total))
            issue["file"] = ", ".join(sorted(set(region_rows.loc[region_rows[p["by"]] == period, "_file"])))
            issue["message"] = (
                f"{rule.message}: {p['by']} {period}: municipalities sum to {int(total)}, "
                f"{p['reference']} gives {expected}"
            )
            issues.append(issue)
    return issues


def _year_matches_period(
    frame: pd.DataFrame, schema: SourceSchema, rule: Rule, profile: RegionProfile, others: Mapping[str, Any]
) -> list[dict[str, Any]]:
    date_column, period_column = rule.params["column"], rule.params["period"]
    bad = frame[frame[date_column].notna() & (frame[date_column].dt.year != frame[period_column])]
    return [_issue(schema, rule, row, date_column, row[date_column].date()) for _, row in bad.iterrows()]


def _constant_within(
    frame: pd.DataFrame, schema: SourceSchema, rule: Rule, profile: RegionProfile, others: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A value that must be the same on every row of a group (one conversion factor per area and year)."""
    column, by = rule.params["column"], list(rule.params["by"])
    if frame.empty:
        return []
    counts = frame.groupby(by, dropna=False)[column].transform("nunique")
    return [_issue(schema, rule, row, column, row[column]) for _, row in frame[counts > 1].iterrows()]


DATASET_RULES: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "all_region_areas_present": _all_region_areas_present,
    "region_total_matches": _region_total_matches,
    "year_matches_period": _year_matches_period,
    "constant_within": _constant_within,
}


def file_row_issues(source: Source, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """An error for each catalogued file with ``min_rows`` that gave the reader fewer rows.

    Why: a file that lost rows (cut short, or refreshed with a partial extract) still passes the schema when the
    rows it lost are ones no rule looks for. A file the reader did not read at all (a landed vintage supersedes
    it) is not counted; a CSV with no data row is refused when it is read.
    """
    if "_file" not in frame.columns:
        return []
    counts = frame["_file"].value_counts()
    issues = []
    for item in source.files:
        expected = item.attrs.get("min_rows")
        if expected is None or item.path not in counts.index or int(counts[item.path]) >= int(expected):
            continue
        issues.append(
            {
                "source": source.id,
                "file": item.path,
                "row": None,
                "column": None,
                "rule": "min_rows",
                "severity": "error",
                "value": int(counts[item.path]),
                "message": f"{int(counts[item.path])} rows read, but the catalog expects at least {int(expected)}: "
                "the file looks incomplete — download it again, or correct min_rows if the publisher dropped rows",
            }
        )
    return issues


def validate_frame(
    frame: pd.DataFrame,
    schema: SourceSchema,
    profile: RegionProfile,
    others: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Every issue of one source as a frame with ISSUE_COLUMNS; empty when the source is clean."""
    others = others or {}
    issues: list[dict[str, Any]] = []
    for severity, pandera_schema in _pandera_schema(schema, profile).items():
        try:
            pandera_schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            issues += _issues_from_pandera(exc, frame, schema, severity)
    issues += _conditional_membership(frame, schema, profile)
    for rule in schema.dataset_rules:
        if rule.kind not in DATASET_RULES:
            raise SchemaFileError(
                f"{schema.path}: unknown dataset rule {rule.kind!r} (known: {sorted(DATASET_RULES)})"
            )
        issues += DATASET_RULES[rule.kind](frame, schema, rule, profile, others)
    result = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS))
    result["row"] = result["row"].astype("Int64")
    if result.empty:
        return result
    return result.sort_values(["source", "file", "row", "column", "rule"], na_position="last", kind="stable")
