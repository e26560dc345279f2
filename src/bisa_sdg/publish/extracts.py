"""Extracts for reporting teams: tidy CSV and Parquet of every curated table, and an Excel workbook.

CSV and Parquet keep every column as in the warehouse (area codes stay text: '04000' keeps its zero), typed as
analysts expect (``analyst_types``): counts are integers in both, never decimals or '2015.0'. The
Parquet files also carry the table and column COMMENTs and the release label as schema metadata, so a file
that travels alone still says what it is. The workbook is for people: one sheet per indicator, with area
names, and a metadata sheet with the release, the definitions, the sources and the method notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.publish.snapshot import Snapshot

WORKBOOK_NAME = "bisa_sdg_indicators.xlsx"
INDICATOR_CSV_DIR = "indicators"  # one CSV per indicator (its rows of indicator_values), linked by the report
METADATA_SHEET = "metadata"
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SOURCE_COLUMNS = ("source_id", "title", "publisher", "licence", "url", "retrieved", "synthetic", "caveats")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")
_WARN = Font(bold=True, color="B91C1C")


def write_extracts(snapshot: Snapshot, out_dir: Path, *, vintage: str | None) -> list[Path]:
    """Write ``<table>.csv`` and ``<table>.parquet`` for every curated table, and the workbook."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    label = snapshot.label(vintage)
    for name, warehouse_table in sorted(snapshot.tables.items()):
        table = analyst_types(warehouse_table)
        parquet_path = out_dir / f"{name}.parquet"
        pq.write_table(_with_comments(snapshot, name, table, label), parquet_path, compression="zstd")
        csv_path = out_dir / f"{name}.csv"
        frame = table.to_pandas(types_mapper=_NULLABLE_INTEGERS.get)
        frame.to_csv(csv_path, index=False, lineterminator="\n", encoding="utf-8")
        written += [csv_path, parquet_path]
    if "indicator_values" in snapshot.tables:
        written += write_indicator_csvs(snapshot, out_dir / INDICATOR_CSV_DIR)
        written.append(write_workbook(snapshot, out_dir / WORKBOOK_NAME, vintage=vintage))
    return written


def indicator_file_name(indicator_id: str) -> str:
    """'11.6.2' -> '11.6.2.csv'; any character unsafe in a file name or an address becomes '_'."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", indicator_id) + ".csv"


def write_indicator_csvs(snapshot: Snapshot, out_dir: Path) -> list[Path]:
    """One CSV per indicator with its rows of indicator_values, full precision: what a reader downloads."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = analyst_types(snapshot.tables["indicator_values"])
    frame = table.to_pandas(types_mapper=_NULLABLE_INTEGERS.get)
    written = []
    for indicator_id, rows in frame.groupby("indicator_id", sort=True):
        path = out_dir / indicator_file_name(str(indicator_id))
        rows.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        written.append(path)
    return written


# pandas turns an integer column with a missing cell into float64 (2015 -> '2015.0' in the CSV); its nullable
# integer types keep integers and write the missing cell empty.
_NULLABLE_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def analyst_types(table: pa.Table) -> pa.Table:
    """Decimals as the numbers they stand for: DuckDB's HUGEINT (what SUM of integers gives, e.g.
    curated.population) arrives as decimal128(38, 0), which pandas reads as Python Decimal objects. Scale 0
    becomes int64, any other scale float64; a value beyond int64 (no count comes near) keeps the decimal."""
    fields = []
    for field in table.schema:
        if pa.types.is_decimal(field.type):
            target = pa.int64() if field.type.scale == 0 else pa.float64()
            try:
                table.column(field.name).cast(target)  # safe cast: refuses overflow and lost digits
            except pa.ArrowInvalid:
                target = field.type
            field = field.with_type(target)
        fields.append(field)
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def _with_comments(snapshot: Snapshot, name: str, table: pa.Table, label: str) -> pa.Table:
    fields = [
        field.with_metadata({"comment": snapshot.column_comments.get((name, field.name), "")})
        for field in table.schema
    ]
    metadata = {
        "bisa_sdg.table": f"curated.{name}",
        "bisa_sdg.comment": snapshot.table_comments.get(name, ""),
        "bisa_sdg.release": label,
        "bisa_sdg.run_id": snapshot.run.run_id,
    }
    return table.cast(pa.schema(fields, metadata=metadata))


# --------------------------------------------------------------------------------------------- workbook


def sheet_names(indicator_ids: Iterable[str], reserved: Sequence[str] = (METADATA_SHEET,)) -> dict[str, str]:
    """A valid, unique Excel sheet name per indicator (≤ 31 characters, none of []:*?/\\, any case)."""
    taken = {r.lower() for r in reserved}
    names: dict[str, str] = {}
    for indicator_id in indicator_ids:
        base = _SHEET_FORBIDDEN.sub("_", str(indicator_id)).strip("'") or "indicator"
        base = base[:SHEET_NAME_MAX]
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f"~{n}"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.lower())
        names[str(indicator_id)] = name
    return names


def _cell(value: Any) -> Any:
    """A value openpyxl can store (NA -> empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def _append_table(ws, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A table under the sheet's last row: the header in bold on the header colour, then the rows."""
    ws.append(list(header))
    row_idx = ws.max_row
    for col, _ in enumerate(header, start=1):
        cell = ws.cell(row=row_idx, column=col)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    for record in rows:
        ws.append([_cell(v) for v in record])


def _frame_rows(frame: pd.DataFrame) -> tuple[list[str], list[tuple[Any, ...]]]:
    return list(frame.columns), list(frame.itertuples(index=False, name=None))


def _fit_columns(ws, columns: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 70) -> None:
    """Column widths from the longest text of each column (read from the rows written, not from the sheet:
    walking the sheet's cells costs more than writing them)."""
    widths: dict[int, int] = {}
    for row in (columns, *rows):
        for column, value in enumerate(row, start=1):
            if value is not None:
                widths[column] = max(widths.get(column, 0), min(max_width, len(str(value)) + 2))
    for column, width in sorted(widths.items()):
        ws.column_dimensions[get_column_letter(column)].width = max(8, width)


SHEET_FIRST = (
    "indicator_id",
    "series",
    "ref_area",
    "area_name_fr",
    "area_name_nl",
    "area_name_en",
    "area_level",
    "time_period",
    "obs_value",
    "unit_measure",
    "unit_mult",
    "obs_status",
    "nature",
)
SHEET_LAST = ("source", "synthetic", "comment")


def indicator_sheet_rows(
    values: list[dict[str, Any]], areas: dict[str, dict[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    """An indicator's rows for people: area names beside the code, the region first; breakdown columns that
    are '_T' in every row dropped (the CSV and Parquet extracts keep every column)."""
    breakdowns = [c for c in BREAKDOWN_COLUMNS if any(str(r.get(c) or "_T") != "_T" for r in values)]
    columns = [*SHEET_FIRST, *breakdowns, *SHEET_LAST]

    def cell(rec: dict[str, Any], column: str) -> Any:
        if column == "area_level":
            return areas.get(str(rec["ref_area"]), {}).get("level")
        if column.startswith("area_name_"):
            return areas.get(str(rec["ref_area"]), {}).get(column.removeprefix("area_"))
        return rec.get(column)

    def order(rec: dict[str, Any]) -> tuple:
        level = areas.get(str(rec["ref_area"]), {}).get("level") or ""
        return (
            str(rec["series"]),
            level != "region",
            level != "municipality",
            str(rec["ref_area"]),
            rec.get("time_period") or 0,
            *(str(rec.get(c)) for c in breakdowns),
        )

    return columns, [[_cell(cell(rec, c)) for c in columns] for rec in sorted(values, key=order)]


def write_workbook(snapshot: Snapshot, path: Path, *, vintage: str | None) -> Path:
    """The reporting teams' workbook: metadata first (it names the release), then a sheet per indicator."""
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for rec in snapshot.value_records:
        by_indicator.setdefault(str(rec["indicator_id"]), []).append(rec)
    names = sheet_names(sorted(by_indicator))
    wb = Workbook()
    meta = wb.active
    meta.title = METADATA_SHEET
    _metadata_sheet(meta, snapshot, vintage=vintage, sheets=names)
    for indicator_id, sheet in names.items():
        ws = wb.create_sheet(sheet)
        columns, rows = indicator_sheet_rows(by_indicator[indicator_id], snapshot.area_records)
        ws.append(columns)
        for col in range(1, len(columns) + 1):
            ws.cell(row=1, column=col).font = _BOLD
            ws.cell(row=1, column=col).fill = _HEADER_FILL
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        _fit_columns(ws, columns, rows)
    stamp = snapshot.run.started
    wb.properties.creator = "bisa-sdg"
    wb.properties.title = f"SDG 11 indicators — {snapshot.label(vintage)}"
    wb.properties.created = stamp.replace(tzinfo=None)
    wb.properties.modified = stamp.replace(tzinfo=None)
    wb.save(path)
    return path


def _section(ws, title: str) -> None:
    if ws.max_row > 1 or ws.cell(1, 1).value is not None:
        ws.append([])
    ws.append([title])
    ws.cell(row=ws.max_row, column=1).font = _TITLE


def _metadata_sheet(ws, snapshot: Snapshot, *, vintage: str | None, sheets: dict[str, str]) -> None:
    values = snapshot.indicator_values
    _section(ws, "Release")
    rows = [
        ("release", vintage or "UNRELEASED"),
        ("label", snapshot.label(vintage)),
        ("run_id", snapshot.run.run_id),
        ("run_started_at", snapshot.run.started_at),
        ("code_version", snapshot.run.code_version),
        ("profile", snapshot.run.profile),
        ("how to cite", f"SDG 11 indicators, {snapshot.label(vintage)}"),
        (
            "note",
            "Breakdown columns that are '_T' (total) in every row of an indicator are left out of its sheet; "
            "the CSV and Parquet extracts have every column.",
        ),
    ]
    for key, value in rows:
        ws.append([key, value])
        ws.cell(row=ws.max_row, column=1).font = _BOLD
    if not vintage:
        ws.append(
            ["warning", "Not a dated release: do not quote these figures before a release is published."]
        )
        ws.cell(row=ws.max_row, column=2).font = _WARN
    if bool(values["synthetic"].any()):
        ws.append(
            ["warning", "Some values rest on invented sample data (synthetic = TRUE): not official figures."]
        )
        ws.cell(row=ws.max_row, column=2).font = _WARN
    _section(ws, "Sheets")
    _append_table(ws, ["indicator_id", "sheet"], sheets.items())

    _section(ws, "Definitions (COMMENTs of the warehouse tables and columns)")
    defs = [(f"curated.{t}", "", c) for t, c in sorted(snapshot.table_comments.items())]
    defs += [(f"curated.{t}", col, c) for (t, col), c in snapshot.column_comments.items()]
    _append_table(ws, ["table", "column", "definition"], defs)

    _section(ws, "Sources (meta.sources)")
    sources = snapshot.sources
    if sources.empty:
        sources = pd.DataFrame(columns=list(SOURCE_COLUMNS))
    _append_table(ws, *_frame_rows(sources[[c for c in SOURCE_COLUMNS if c in sources.columns]]))

    _section(ws, "Method notes (the comment column)")
    _append_table(ws, ["indicator_id", "series", "areas", "years", "comment"], method_notes(snapshot))
    _align(ws)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 50
    for col in ("C", "D", "E", "F", "G", "H"):
        ws.column_dimensions[col].width = 40


def method_notes(snapshot: Snapshot) -> list[tuple[str, str, str, str, str]]:
    """(indicator_id, series, areas, years, comment) per distinct method note, sorted: where each note applies."""
    groups: dict[tuple[str, str, str], tuple[set[str], set[Any]]] = {}
    for rec in snapshot.value_records:
        comment, indicator_id, series = rec["comment"], rec["indicator_id"], rec["series"]
        if comment is None or not str(comment).strip() or indicator_id is None or series is None:
            continue
        areas, years = groups.setdefault((indicator_id, series, comment), (set(), set()))
        areas.add(str(rec["ref_area"]))
        years.add(rec["time_period"])
    return [
        (*key[:2], ", ".join(sorted(areas)), ", ".join(str(y) for y in sorted(years)), key[2])
        for key, (areas, years) in sorted(groups.items())
    ]


def _align(ws) -> None:
    """Every filled cell aligned to the top, wrapped from column B. The alignment's index is looked up once:
    openpyxl hashes the whole style object on each ``cell.alignment =``, which costs more than the cell."""
    top, wrapped = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
    ids = [ws.parent._alignments.add(a) for a in (top, wrapped)]  # in this order, as A1 comes first
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                if not cell._style:  # what openpyxl's own setter does first
                    cell._style = StyleArray()
                cell._style.alignmentId = ids[cell.column >= 2]
