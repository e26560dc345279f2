"""The YAML schema rules (schemas/*.yaml) run inside DuckDB, for inputs too big for pandera.

Why: pandera's pandas backend materialises the frame and builds a boolean Series per check and a Python dict per
failing row; at tens of millions of rows that is minutes and gigabytes. Here (benchmarks/bench_scale.py):

* ONE streaming scan decides every column rule. It is grouped by the few-valued columns that rules test
  (codes, categories, the period of a year rule), so a pattern or code list is tested once per distinct value
  (with Python's ``re.match``, exactly as pandera) and a year rule once per group from its min and max date;
  null counts and ranges come from ``count``/``min``/``max``; anything else is ``count(*) filter (where …)``.
  A rule the aggregates flag is counted exactly by one more scan, and its first failing rows are listed by
  another (top-k on file and row, no full sort) — scans that only run when something fails.
* Unique keys: a streaming pass over the key columns (pyarrow, run beside the DuckDB scan) proves uniqueness
  when the input is sorted the way time series are written (:func:`sorted_unique`); otherwise an exact hash
  aggregate finds the duplicates.
* Dataset rules (all areas present, region total, one value per group) are small aggregates.

Time is linear in the rows; memory is bounded by DuckDB's buffer manager (it spills to disk past
``memory_limit``) and one key batch, never by the input size.

The issues have the same columns, rule names, values and messages as :func:`bisa_sdg.validation.schema.validate_frame`
(tests check both paths find the same issues on the same bad frame). Differences by design:

* at most ``max_rows_per_rule`` failing rows per rule are listed (None: all); ``counts`` has every rule's full
  count and a listed issue's message says how many rows failed when the list is cut;
* a column whose type does not match the schema gives one column-level ``dtype`` issue (typed input such as
  Parquet has no row-level type errors; text that is not a number is the reader's job).

Identifiers (column names) pass :func:`bisa_sdg.validation.identifiers.checked_identifier` and are quoted; every value
(patterns, bounds, code lists, labels) is bound as a parameter.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.validation.identifiers import checked_identifier
from bisa_sdg.validation.schema import (
    ISSUE_COLUMNS,
    Rule,
    SchemaFileError,
    SourceSchema,
    validate_frame,
)

INPUT = "_bisa_validate_input"
REFERENCE = "_bisa_validate_reference"
# Frames at least this long are validated in DuckDB by validate_any (the pipeline's switch).
SQL_THRESHOLD_ROWS = 1_000_000
DEFAULT_MAX_ROWS_PER_RULE = 100
# Columns with at most this many distinct values (estimated on the first PROBE_ROWS rows) are GROUPED in the
# counting scan: a pattern is then tested once per distinct value (with Python's re, as pandera does) and a
# year rule once per group (its min and max date), instead of once per row.
GROUP_MAX_DISTINCT = 20_000
PROBE_ROWS = 100_000
BATCH_ROWS = 1 << 20
NOT_NULLABLE_MESSAGE = "a value is required here, and it must be readable as the column's type"
_TYPE_FAMILIES = {
    "string": ("VARCHAR",),
    "int": (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
    ),
    "float": ("FLOAT", "DOUBLE", "DECIMAL"),
    "bool": ("BOOLEAN",),
    "date": ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE"),
}
COUNT_COLUMNS = ("source", "column", "rule", "severity", "failing_rows")


@dataclass(frozen=True)
class SqlValidation:
    """Issues (ISSUE_COLUMNS, sampled per rule), the full count of failing rows per rule, and the scan size."""

    issues: pd.DataFrame
    counts: pd.DataFrame
    rows: int
    seconds: float


@dataclass(frozen=True)
class _Predicate:
    """One row-level rule: rows where ``sql`` is true fail it.

    ``kind`` says how the counting scan decides it: 'row' counts the rows (count(*) filter); 'notnull' and
    'range' compare cheap aggregates (count, min, max) and count exactly only when they show a failure;
    'pattern' and 'member' test each distinct value of a grouped column (per row when it is not grouped);
    'year' compares each group's min and max date with its period.
    """

    column: str
    rule: str
    severity: str
    message: str
    sql: str
    params: tuple[Any, ...]
    value_sql: str  # what the issue's value shows (the _raw text when the reader kept it)
    kind: str = "row"
    dtype: str = "string"
    low: Any = None  # range: inclusive bounds (None = open)
    high: Any = None
    pattern: str | None = None  # pattern: the Python pattern (re.match, as pandera)
    allowed: tuple[Any, ...] = ()  # member: the allowed values
    period: str | None = None  # year: the period column (``column`` is the date)


def _q(name: str) -> str:
    return f'"{checked_identifier(name)}"'


def _open_input(
    con: duckdb.DuckDBPyConnection, data: pd.DataFrame | str | Path | Sequence[str | Path]
) -> pd.DataFrame | list[str]:
    """Make the input visible as the view INPUT, with _file and _line (file name, 1-based row) if absent;
    returns the frame or the list of Parquet files (for the streaming key pass)."""
    if isinstance(data, pd.DataFrame):
        if not {"_file", "_line"} <= set(data.columns):
            raise ValueError("a frame to validate carries _file and _line, as every source reader's does")
        con.register(INPUT, data)
        return data
    paths = [str(p) for p in ([data] if isinstance(data, str | Path) else data)]
    relation = con.read_parquet(paths, filename=True, file_row_number=True)
    names = set(relation.columns)
    extra = []
    if "_file" not in names:
        extra.append("filename as _file")
    if "_line" not in names:
        extra.append("file_row_number + 1 as _line")
    keep = [_q(c) for c in relation.columns if c not in ("filename", "file_row_number")]
    relation.project(", ".join(keep + extra)).create_view(INPUT, replace=True)
    return paths


def _column_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    described = con.execute(f"describe select * from {INPUT}").fetchall()  # noqa: S608 - constant identifier
    return {str(row[0]): str(row[1]) for row in described}


def _null_sql(column: str, dtype: str) -> str:
    q = _q(column)
    return f"({q} is null or isnan({q}))" if dtype == "float" else f"{q} is null"


def _column_predicate(
    rule: Rule, column: str, dtype: str, profile: RegionProfile, value_sql: str
) -> _Predicate:
    """A column rule as a predicate: the SQL that is true when a (non-null) value FAILS it, and its kind."""
    q, p = _q(column), rule.params
    base = {
        "column": column,
        "rule": rule.name,
        "severity": rule.severity,
        "message": rule.message,
        "value_sql": value_sql,
        "dtype": dtype,
    }
    not_null = f"not {_null_sql(column, dtype)} and "
    if rule.kind == "matches":  # pandera str_matches is re.match: anchored at the start only
        pattern = str(p["pattern"])
        sql = f"{not_null}not regexp_matches({q}, ?)"
        return _Predicate(**base, sql=sql, params=(f"^(?:{pattern})",), kind="pattern", pattern=pattern)
    if rule.kind in ("between", "ge", "le"):
        low = p["min"] if rule.kind == "between" else p["value"] if rule.kind == "ge" else None
        high = p["max"] if rule.kind == "between" else p["value"] if rule.kind == "le" else None
        tests = ([f"{q} >= ?"] if low is not None else []) + ([f"{q} <= ?"] if high is not None else [])
        params = tuple(v for v in (low, high) if v is not None)
        sql = f"{not_null}not ({' and '.join(tests)})"
        return _Predicate(**base, sql=sql, params=params, kind="range", low=low, high=high)
    if rule.kind in ("isin", "in_region_areas"):
        allowed = tuple(p["values"]) if rule.kind == "isin" else tuple(profile.municipalities)
        sql = f"{not_null}not list_contains(?, {q})"
        return _Predicate(**base, sql=sql, params=(list(allowed),), kind="member", allowed=allowed)
    raise SchemaFileError(f"rule {rule.name}: unknown check {rule.kind!r}")


def _predicates(
    schema: SourceSchema, profile: RegionProfile, types: Mapping[str, str]
) -> tuple[list[_Predicate], list[dict[str, Any]]]:
    """Row-level predicates, and column-level issues (missing column, wrong type) found from the types alone."""
    predicates: list[_Predicate] = []
    column_issues: list[dict[str, Any]] = []
    for column, spec in schema.columns.items():
        dtype = str(spec.get("dtype", "string"))
        rules = schema.column_rules[column]
        if column not in types:
            # pandera: a schema column is required (a column with warning rules only is optional)
            if any(r.severity == "error" for r in rules) or not rules:
                column_issues.append(
                    _column_issue(schema, column, "column_in_dataframe", column, "column_in_dataframe")
                )
            continue
        actual = types[column]
        if not actual.upper().startswith(_TYPE_FAMILIES[dtype]):
            column_issues.append(_column_issue(schema, column, "dtype", actual, f"dtype('{dtype}')"))
            continue
        raw = f"{column}_raw"
        value_sql = _q(raw) if raw in types else _q(column)
        if not spec.get("nullable", False):
            predicates.append(
                _Predicate(
                    column,
                    "not_nullable",
                    "error",
                    NOT_NULLABLE_MESSAGE,
                    _null_sql(column, dtype),
                    (),
                    value_sql,
                    kind="notnull",
                    dtype=dtype,
                )
            )
        for rule in rules:
            if "when_label" not in rule.params:
                predicates.append(_column_predicate(rule, column, dtype, profile, value_sql))
                continue
            label = profile.region_labels.get(schema.source)
            label_column = str(rule.params["when_label"])
            if label is None or label_column not in types:
                continue
            # as the pandas path: a row claiming the region needs a region code (a missing code fails too)
            sql = f"{_q(label_column)} = ? and ({_q(column)} is null or not list_contains(?, {_q(column)}))"
            predicates.append(
                _Predicate(
                    column,
                    rule.name,
                    rule.severity,
                    rule.message,
                    sql,
                    (label, list(profile.municipalities)),
                    _q(column),
                )
            )
    for rule in schema.dataset_rules:
        if rule.kind != "year_matches_period":
            continue
        date, period = str(rule.params["column"]), str(rule.params["period"])
        dated = date in types and types[date].upper().startswith(_TYPE_FAMILIES["date"])
        if (
            dated and period in types
        ):  # a row-level rule, decided in the same single scan (a wrong type: dtype issue)
            predicates.append(
                _Predicate(
                    date,
                    rule.name,
                    rule.severity,
                    rule.message,
                    f"{_q(date)} is not null and year({_q(date)}) <> {_q(period)}",
                    (),
                    f"cast({_q(date)} as date)",
                    kind="year",
                    period=period,
                )
            )
    return predicates, column_issues


def _column_issue(schema: SourceSchema, column: str, rule: str, value: str, message: str) -> dict[str, Any]:
    return {
        "source": schema.source,
        "file": None,
        "row": None,
        "column": column,
        "rule": rule,
        "severity": "error",
        "value": value,
        "message": message,
    }


def _text(value: Any) -> str | None:
    """A fetched value as the pandas path writes it (str of the Python value; missing -> None)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return str(value)


def _limit(max_rows: int | None) -> str:
    return "" if max_rows is None else f" limit {int(max_rows)}"


def _cut_message(message: str, failing: int, max_rows: int | None) -> str:
    if max_rows is None or failing <= max_rows:
        return message
    return f"{message} ({failing} rows fail this rule; the first {max_rows} are listed)"


def _group_columns(con: duckdb.DuckDBPyConnection, predicates: list[_Predicate]) -> list[str]:
    """Columns worth grouping the counting scan by: pattern, member and period columns with few values
    (distinct values estimated on the first PROBE_ROWS rows, in one probe that stops there)."""
    candidates = list(
        dict.fromkeys(
            [p.column for p in predicates if p.kind in ("pattern", "member")]
            + [str(p.period) for p in predicates if p.kind == "year"]
        )
    )
    if not candidates:
        return []
    columns = ", ".join(_q(c) for c in candidates)
    estimates = ", ".join(f"approx_count_distinct({_q(c)})" for c in candidates)
    probe = f"select {estimates} from (select {columns} from {INPUT} limit {PROBE_ROWS})"  # noqa: S608 - identifiers pass checked_identifier
    found = con.execute(probe).fetchall()[0]
    chosen: list[str] = []
    product = 1
    for column, estimate in zip(candidates, found, strict=True):
        if product * max(1, int(estimate or 0)) <= GROUP_MAX_DISTINCT:
            chosen.append(column)
            product *= max(1, int(estimate or 0))
    return chosen


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _fails(p: _Predicate, value: Any) -> bool:
    """A column rule on one distinct value of a grouped column, in Python, as pandera decides it (checks skip
    missing values; not_nullable fails exactly on them; NaN counts as missing)."""
    missing = value is None or _is_nan(value)
    if p.kind == "notnull":
        return missing
    if missing:
        return False
    if p.kind == "pattern":
        return re.match(str(p.pattern), str(value)) is None
    if p.kind == "range":
        return (p.low is not None and value < p.low) or (p.high is not None and value > p.high)
    return value not in p.allowed


class _Scan:
    """The single counting scan: which aggregates each predicate adds, and what they say afterwards.

    A rule on a grouped column costs nothing in the scan: it is decided once per distinct value.
    """

    GROUPED_KINDS = ("notnull", "range", "pattern", "member")

    def __init__(self, predicates: list[_Predicate], groups: list[str]):
        self.groups = groups
        self.selects = [_q(g) for g in groups] + ["count(*)"]
        self.params: list[Any] = []
        self.slots: dict[int, int] = {}  # predicate -> position of its first aggregate
        for p in predicates:
            self.slots[id(p)] = len(self.selects)
            if p.kind in self.GROUPED_KINDS and p.column in groups:
                continue
            if p.kind == "notnull":
                self.selects += [
                    f"count({_q(p.column)})",
                    f"max({_q(p.column)})" if p.dtype == "float" else "null",
                ]
            elif p.kind == "range" or (p.kind == "year" and p.period in groups):
                self.selects += [f"min({_q(p.column)})", f"max({_q(p.column)})"]
            else:
                self.selects.append(f"count(*) filter (where {p.sql})")
                self.params += list(p.params)

    def sql(self) -> str:
        group_by = f" group by {', '.join(_q(g) for g in self.groups)}" if self.groups else ""
        return f"select {', '.join(self.selects)} from {INPUT}{group_by}"  # noqa: S608 - identifiers pass checked_identifier, values are bound

    def decide(self, p: _Predicate, result: list[tuple[Any, ...]]) -> tuple[_Predicate, int | None]:
        """(predicate to list failing rows with, exact failing count or None = 'possibly failing, count it')."""
        at, n = self.slots[id(p)], len(self.groups)
        if p.kind in self.GROUPED_KINDS and p.column in self.groups:
            index = self.groups.index(p.column)
            bad: dict[Any, int] = {}
            for r in result:
                if _fails(p, r[index]):
                    bad[r[index]] = bad.get(r[index], 0) + int(r[n])
            if p.kind == "notnull":
                return p, sum(bad.values())
            exact = replace(p, sql=f"list_contains(?, {_q(p.column)})", params=(sorted(bad, key=str),))
            return exact, sum(bad.values())
        if p.kind == "notnull":
            nulls = sum(int(r[n]) - int(r[at]) for r in result)
            return p, None if nulls or any(_is_nan(r[at + 1]) for r in result) else 0
        if p.kind == "range":
            lows, highs = (
                [r[at] for r in result if r[at] is not None],
                [r[at + 1] for r in result if r[at + 1] is not None],
            )
            suspect = any(_is_nan(v) for v in lows + highs)
            suspect |= p.low is not None and bool(lows) and min(lows) < p.low
            suspect |= p.high is not None and bool(highs) and max(highs) > p.high
            return p, None if suspect else 0
        if p.kind == "year" and p.period in self.groups:
            index = self.groups.index(str(p.period))
            periods = sorted(
                {
                    r[index]
                    for r in result
                    if r[index] is not None
                    and r[at] is not None
                    and not (r[at].year == r[index] == r[at + 1].year)
                }
            )
            exact = replace(p, sql=f"list_contains(?, {_q(str(p.period))}) and {p.sql}", params=(periods,))
            return exact, None if periods else 0
        return p, sum(int(r[at]) for r in result)


def _row_issues(
    con: duckdb.DuckDBPyConnection,
    schema: SourceSchema,
    predicates: list[_Predicate],
    max_rows: int | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """ONE scan decides every predicate (see _Scan); rules it flags are counted exactly, and their first
    failing rows listed, by further scans that only run when something fails."""
    scan = _Scan(predicates, _group_columns(con, predicates))
    result = con.execute(scan.sql(), scan.params).fetchall()
    rows = sum(int(r[len(scan.groups)]) for r in result)
    issues: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for original in predicates:
        predicate, count = scan.decide(original, result)
        if count is None:
            exact_sql = f"select count(*) from {INPUT} where {predicate.sql}"  # noqa: S608 - identifiers pass checked_identifier, values are bound
            count = int(con.execute(exact_sql, list(predicate.params)).fetchall()[0][0])
        counts.append(
            {
                "source": schema.source,
                "column": predicate.column,
                "rule": predicate.rule,
                "severity": predicate.severity,
                "failing_rows": count,
            }
        )
        if not count:
            continue
        listed = con.execute(
            f"select _file, _line, {predicate.value_sql} from {INPUT} where {predicate.sql} "  # noqa: S608 - identifiers pass checked_identifier, values are bound
            f"order by _file, _line{_limit(max_rows)}",
            list(predicate.params),
        ).fetchall()
        message = _cut_message(predicate.message, count, max_rows)
        issues += [
            {
                "source": schema.source,
                "file": file,
                "row": int(line),
                "column": predicate.column,
                "rule": predicate.rule,
                "severity": predicate.severity,
                "value": _text(value),
                "message": message,
            }
            for file, line, value in listed
        ]
    return issues, counts, rows


def _key_batches(data: pd.DataFrame | list[str], keys: list[str]) -> Iterator[pa.RecordBatch]:
    """The key columns in input order, a bounded batch at a time (text keys dictionary-encoded from Parquet)."""
    if isinstance(data, pd.DataFrame):
        yield from pa.Table.from_pandas(data[keys], preserve_index=False).to_batches(max_chunksize=BATCH_ROWS)
        return
    for path in data:
        parquet = pq.ParquetFile(path)
        text = [f.name for f in parquet.schema_arrow if f.name in keys and pa.types.is_string(f.type)]
        parquet = pq.ParquetFile(path, read_dictionary=text)
        yield from parquet.iter_batches(batch_size=BATCH_ROWS, columns=keys)


def _comparable(column: pa.Array) -> pa.Array:
    """Dictionary-encoded columns compare by their indices (one dictionary per batch): no string compares."""
    return column.indices if pa.types.is_dictionary(column.type) else column


def sorted_unique(batches: Iterator[pa.RecordBatch], max_blocks: int = 1_000_000) -> bool:
    """True when the rows are PROVEN unique in one streaming pass: each block of equal leading key columns
    appears once, and within it the last key column strictly increases (how time series are written).

    False means "not proven" (unsorted input, a null key, or a real duplicate): the caller then runs the exact
    hash check. Memory: one batch plus one tuple per block.
    """
    seen: set[tuple[Any, ...]] = set()
    previous: tuple[Any, ...] | None = None
    for batch in batches:
        n = batch.num_rows
        if n == 0:
            continue
        columns = batch.columns
        if any(column.null_count for column in columns):
            return False

        def row(i: int, cols: list[pa.Array] = columns) -> tuple[Any, ...]:
            return tuple(column[i].as_py() for column in cols)

        if previous is not None and not _advances(previous, row(0), seen):
            return False
        if n > 1:
            same: pa.Array | None = None
            for column in map(_comparable, columns[:-1]):
                equal = pc.equal(column.slice(1), column.slice(0, n - 1))
                same = equal if same is None else pc.and_(same, equal)
            rising = pc.greater(columns[-1].slice(1), columns[-1].slice(0, n - 1))
            if not pc.all(rising if same is None else pc.or_(pc.invert(same), rising)).as_py():
                return False
            boundaries = [] if same is None else pc.indices_nonzero(pc.invert(same)).to_pylist()
            for i in boundaries:
                seen.add(row(i)[:-1])
                if row(i + 1)[:-1] in seen:
                    return False
            if len(seen) > max_blocks:
                return False
        previous = row(n - 1)
    return True


def _advances(previous: tuple[Any, ...], current: tuple[Any, ...], seen: set[tuple[Any, ...]]) -> bool:
    if current[:-1] == previous[:-1]:
        return bool(current[-1] > previous[-1])
    seen.add(previous[:-1])
    return current[:-1] not in seen


def _unique_issues(
    con: duckdb.DuckDBPyConnection,
    schema: SourceSchema,
    types: Mapping[str, str],
    max_rows: int | None,
    proven_unique: bool,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row whose key occurs more than once: one issue per key column (as pandera reports it).

    Sorted input is proven unique by a streaming pass (:func:`sorted_unique`); otherwise an exact hash
    aggregate over the keys finds the duplicates (DuckDB spills it to disk beyond memory_limit).
    """
    keys = list(schema.unique)
    if not keys or any(key not in types for key in keys):
        return [], []
    rule, message = "multiple_fields_uniqueness", f"the key ({', '.join(keys)}) must be unique"
    if proven_unique:
        return [], [
            {
                "source": schema.source,
                "column": ", ".join(keys),
                "rule": rule,
                "severity": "error",
                "failing_rows": 0,
            }
        ]
    key_list = ", ".join(_q(k) for k in keys)
    duplicated = f"select {key_list} from {INPUT} group by {key_list} having count(*) > 1"  # noqa: S608 - identifiers pass checked_identifier
    failing = con.execute(
        f"select coalesce(sum(n), 0) from (select count(*) as n from {INPUT} group by {key_list} having n > 1)"  # noqa: S608 - identifiers pass checked_identifier
    ).fetchall()[0][0]
    counts = [
        {
            "source": schema.source,
            "column": ", ".join(keys),
            "rule": rule,
            "severity": "error",
            "failing_rows": int(failing),
        }
    ]
    if not failing:
        return [], counts
    listed = con.execute(
        f"select _file, _line, {key_list} from {INPUT} semi join ({duplicated}) as d using ({key_list}) "  # noqa: S608 - identifiers pass checked_identifier
        f"order by _file, _line{_limit(max_rows)}"
    ).fetchall()
    text = _cut_message(message, int(failing), max_rows)
    issues = [
        {
            "source": schema.source,
            "file": row[0],
            "row": int(row[1]),
            "column": key,
            "rule": rule,
            "severity": "error",
            "value": _text(value),
            "message": text,
        }
        for row in listed
        for key, value in zip(keys, row[2:], strict=True)
    ]
    return issues, counts


# --- dataset rules ------------------------------------------------------------------------------------------


def _dataset_issue(
    schema: SourceSchema,
    rule: Rule,
    column: str,
    value: Any,
    file: str | None,
    message: str | None = None,
    row: int | None = None,
) -> dict[str, Any]:
    return {
        "source": schema.source,
        "file": file,
        "row": row,
        "column": column,
        "rule": rule.name,
        "severity": rule.severity,
        "value": _text(value),
        "message": message or rule.message,
    }


def _all_region_areas_present(
    con, schema, rule, profile, others, max_rows
) -> tuple[list[dict[str, Any]], int]:
    code, by = str(rule.params["column"]), rule.params.get("by")
    if by is None:
        missing = con.execute(
            f"select code from unnest(?::varchar[]) as t(code) where code not in "  # noqa: S608 - identifiers pass checked_identifier
            f"(select {_q(code)} from {INPUT} where {_q(code)} is not null) order by code",
            [list(profile.municipalities)],
        ).fetchall()
        files = con.execute(f"select string_agg(distinct _file, ', ' order by _file) from {INPUT}").fetchall()  # noqa: S608 - constant identifiers
        return [_dataset_issue(schema, rule, code, m[0], files[0][0]) for m in missing], len(missing)
    by_q = _q(str(by))
    rows = con.execute(
        f"""with periods as (
                select {by_q} as period, string_agg(distinct _file, ', ' order by _file) as files
                from {INPUT} where {by_q} is not null group by {by_q}
            ),
            present as (select distinct {by_q} as period, {_q(code)} as code from {INPUT})
            select periods.period, periods.files, areas.code
            from periods cross join unnest(?::varchar[]) as areas(code)
            anti join present on present.period = periods.period and present.code = areas.code
            order by periods.period, areas.code""",  # noqa: S608 - identifiers pass checked_identifier, values are bound
        [list(profile.municipalities)],
    ).fetchall()
    found = [
        _dataset_issue(schema, rule, code, area, files, f"{rule.message} ({by} {period})")
        for period, files, area in rows
    ]
    return found, len(found)


def _region_total_matches(con, schema, rule, profile, others, max_rows) -> tuple[list[dict[str, Any]], int]:
    p = rule.params
    reference = others.get(p["reference"])
    if reference is None:
        return [], 0  # the reference source is not part of the region's profile: nothing to check against
    by, code, value = str(p["by"]), str(p["column"]), str(p["value_column"])
    ref_name = REFERENCE
    if isinstance(reference, pd.DataFrame):
        con.register(ref_name, reference)
    else:
        con.read_parquet(str(reference)).create_view(ref_name, replace=True)
    rows = con.execute(
        f"""with sums as (
                select {_q(by)} as period, coalesce(sum({_q(value)}), 0) as total,
                    string_agg(distinct _file, ', ' order by _file) as files
                from {INPUT} where list_contains(?, {_q(code)}) and {_q(by)} is not null
                group by {_q(by)}
            ),
            totals as (
                select {_q(by)} as period, any_value({_q(str(p["reference_value_column"]))}) as expected
                from {ref_name} where {_q(str(p["reference_area_column"]))} = ? group by {_q(by)}
            )
            select sums.period, sums.total, totals.expected, sums.files
            from sums join totals using (period)
            where totals.expected is not null and cast(sums.total as bigint) <> cast(totals.expected as bigint)
            order by sums.period""",  # noqa: S608 - identifiers pass checked_identifier, values are bound
        [list(profile.municipalities), profile.region_code],
    ).fetchall()
    found = [
        _dataset_issue(
            schema,
            rule,
            value,
            int(total),
            files,
            f"{rule.message}: {by} {period}: municipalities sum to {int(total)}, "
            f"{p['reference']} gives {int(expected)}",
        )
        for period, total, expected, files in rows
    ]
    return found, len(found)


def _constant_within(con, schema, rule, profile, others, max_rows) -> tuple[list[dict[str, Any]], int]:
    column, by = str(rule.params["column"]), [str(b) for b in rule.params["by"]]
    keys = ", ".join(_q(b) for b in by)
    # null-safe join: pandas groups with dropna=False, so a missing key is a group of its own
    on = " and ".join(f"i.{_q(b)} is not distinct from g.{_q(b)}" for b in by)
    failing = f"""with groups as (
            select {keys} from {INPUT} group by {keys} having count(distinct {_q(column)}) > 1
        )
        select i._file, i._line, i.{_q(column)} from {INPUT} as i semi join groups as g on {on}"""  # noqa: S608 - identifiers pass checked_identifier
    count = con.execute(f"select count(*) from ({failing})").fetchall()[0][0]  # noqa: S608 - built above from checked identifiers
    rows = con.execute(f"{failing} order by i._file, i._line{_limit(max_rows)}").fetchall()
    message = _cut_message(rule.message, int(count), max_rows)
    return [_dataset_issue(schema, rule, column, v, f, message, int(line)) for f, line, v in rows], int(count)


DATASET_RULES = {
    "all_region_areas_present": _all_region_areas_present,
    "region_total_matches": _region_total_matches,
    "constant_within": _constant_within,
}
ROW_DATASET_RULES = ("year_matches_period",)  # checked row by row in the counting scan (see _predicates)


def validate_sql(
    data: pd.DataFrame | str | Path | Sequence[str | Path],
    schema: SourceSchema,
    profile: RegionProfile,
    others: Mapping[str, pd.DataFrame | str | Path] | None = None,
    *,
    max_rows_per_rule: int | None = DEFAULT_MAX_ROWS_PER_RULE,
    con: duckdb.DuckDBPyConnection | None = None,
) -> SqlValidation:
    """Validate a frame or Parquet file(s) against a source schema inside DuckDB (see the module docstring)."""
    started = time.perf_counter()
    own = con is None
    con = con or duckdb.connect()
    try:
        opened = _open_input(con, data)
        types = _column_types(con)
        predicates, issues = _predicates(schema, profile, types)
        keys = list(schema.unique)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The streaming key pass (pyarrow) runs beside DuckDB's counting scan; both release the GIL.
            proof = (
                pool.submit(lambda: sorted_unique(_key_batches(opened, keys)))
                if keys and all(k in types for k in keys)
                else None
            )
            row_issues, counts, rows = _row_issues(con, schema, predicates, max_rows_per_rule)
            proven = bool(proof and proof.result())
        unique_issues, unique_counts = _unique_issues(con, schema, types, max_rows_per_rule, proven)
        issues += row_issues + unique_issues
        counts += unique_counts
        for rule in schema.dataset_rules:
            if rule.kind in ROW_DATASET_RULES:
                continue
            if rule.kind not in DATASET_RULES:
                known = sorted([*DATASET_RULES, *ROW_DATASET_RULES])
                raise SchemaFileError(f"{schema.path}: unknown dataset rule {rule.kind!r} (known: {known})")
            found, failing = DATASET_RULES[rule.kind](
                con, schema, rule, profile, others or {}, max_rows_per_rule
            )
            issues += found
            counts.append(
                {
                    "source": schema.source,
                    "column": str(rule.params.get("column", "")),
                    "rule": rule.name,
                    "severity": rule.severity,
                    "failing_rows": failing,
                }
            )
    finally:
        if own:
            con.close()
        else:
            for name in (INPUT, REFERENCE):
                with contextlib.suppress(duckdb.Error):
                    con.unregister(name)  # a registered frame
                con.execute(f"drop view if exists {name}")  # a Parquet view
    result = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS))
    result["row"] = result["row"].astype("Int64")
    result = result.sort_values(
        ["source", "file", "row", "column", "rule"], na_position="last", kind="stable"
    )
    return SqlValidation(
        issues=result.reset_index(drop=True),
        counts=pd.DataFrame(counts, columns=list(COUNT_COLUMNS)),
        rows=rows,
        seconds=round(time.perf_counter() - started, 3),
    )


def validate_any(
    frame: pd.DataFrame,
    schema: SourceSchema,
    profile: RegionProfile,
    others: Mapping[str, pd.DataFrame] | None = None,
    *,
    threshold: int = SQL_THRESHOLD_ROWS,
) -> pd.DataFrame:
    """pandera for ordinary frames; DuckDB from ``threshold`` rows on, where pandera gets slow and large."""
    if len(frame) < threshold:
        return name_broken_bounds(validate_frame(frame, schema, profile, others), schema)
    return name_broken_bounds(validate_sql(frame, schema, profile, others).issues, schema)


_BOUND_CHECKS = {"ge": lambda x, p: x >= p["value"], "gt": lambda x, p: x > p["value"]}


def name_broken_bounds(issues: pd.DataFrame, schema: SourceSchema) -> pd.DataFrame:
    """A value left empty because the reader refused it as out of bounds is reported under the bound it breaks.

    Why: readers turn a count such as '-185103' into a missing value, so it failed as ``not_nullable`` ("a value
    is required"), which sends the statistician looking for an empty cell; the column's ``ge``/``gt`` rule
    (``count_non_negative``: "a population count cannot be negative") says what is wrong.
    """
    if issues.empty:
        return issues
    issues = issues.copy()
    for position in issues.index[issues["rule"] == "not_nullable"]:
        try:
            number = float(str(issues.at[position, "value"]).replace(",", "."))
        except ValueError:
            continue
        for rule in schema.column_rules.get(str(issues.at[position, "column"]), ()):
            check = _BOUND_CHECKS.get(rule.kind)
            if check and rule.severity == "error" and not check(number, rule.params):
                issues.at[position, "rule"] = rule.name
                issues.at[position, "message"] = rule.message
                break
    return issues


__all__ = ["SqlValidation", "validate_any", "validate_sql"]
