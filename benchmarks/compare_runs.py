"""Compare two pipeline runs: every warehouse table and every output file, the run's own identity masked.

A regrouping or a clean-up must leave the data and the outputs as they were; this is the recorded check.

    # fingerprint a project folder that holds a run (data/curated/bisa_sdg.duckdb and reports/)
    .venv/bin/python benchmarks/compare_runs.py fingerprint <project root> > after.json
    # compare two fingerprints (exit status 1 when anything differs)
    .venv/bin/python benchmarks/compare_runs.py compare before.json after.json
    # both at once
    .venv/bin/python benchmarks/compare_runs.py compare <project root before> <project root after>

What a fingerprint holds: per table outside ``meta`` (whose rows record the run itself), a hash of its rows sorted,
its columns without the run's identity (run id, timestamps, durations, cache keys, pids) and with run ids,
timestamps, 64-hex hashes and the code version masked in every cell, and the row count; per file under
``reports/``, a hash of its content with the same masks (Parquet and Excel files as frames). Two runs of the same
code on the same inputs give the same fingerprint; so must a change that only moves code. ``--rename OLD=NEW`` (repeatable) replaces a path fragment in every cell and text before
hashing, so a run from before a file was renamed compares with one from after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")
VOLATILE_COLUMN = re.compile(r"run_id|_at$|seconds|started|finished|_key$|cached|duration|pid")
TEXT_MASKS = (
    RUN_ID,
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(\+00:00|Z| UTC)?"),
    re.compile(r"\b[0-9a-f]{64}\b"),
    re.compile(r"\b\d+\.\d+\.\d+\+[0-9a-f]{12}\b"),  # the code version: package version + commit
    re.compile(r"\b\d{8}T\d{6}Z\b"),  # a run's start in names (Prefect flow-run names)
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),  # Prefect's ids
    re.compile(r'"(seconds|cached)": [^,}\]]+'),  # per-step timings and cache hits in audit.runs' JSON
)
SUMMARY_VOLATILE = re.compile(r'"(build_key|cache_key|seconds|cached)": [^,\n]+')
BYTES = re.compile(r'"bytes": \d+')


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _renamed(text: str, renames: Sequence[tuple[str, str]]) -> str:
    for old, new in renames:
        text = text.replace(old, new)
    return text


def _masked(cell: object, renames: Sequence[tuple[str, str]]) -> object:
    """A cell's text with renamed paths replaced and the run's identity masked (see TEXT_MASKS).

    A JSON list (audit.runs' steps) is compared as a set: models that do not read each other run side by side,
    so the order they finish in changes from run to run.
    """
    if not isinstance(cell, str):
        return cell
    if cell.startswith("[{"):
        try:
            items = json.loads(cell)
        except ValueError:
            items = None
        if isinstance(items, list):
            return (
                "["
                + ", ".join(sorted(_masked_text(json.dumps(i, sort_keys=True), renames) for i in items))
                + "]"
            )
    return _masked_text(cell, renames)


def _masked_text(text: str, renames: Sequence[tuple[str, str]]) -> str:
    text = _renamed(text, renames)
    for mask in TEXT_MASKS:
        text = mask.sub("<masked>", text)
    return text


def frame_hash(frame: pd.DataFrame, renames: Sequence[tuple[str, str]] = ()) -> str:
    """Hash of the rows as text, the run's identity masked, sorted by every column; with the row count."""
    text = frame.astype(str).apply(lambda column: column.map(lambda cell: _masked(cell, renames)))
    text = text.sort_values(list(text.columns)).reset_index(drop=True)
    return _hash(text.to_csv(index=False).encode()) + f" rows={len(text)}"


def fingerprint(root: Path, renames: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """Table and file hashes of the run in project folder ``root``."""
    out: dict[str, str] = {}
    con = duckdb.connect(str(root / "data/curated/bisa_sdg.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('meta') order by 1, 2"
        ).fetchall()
        for schema, name in tables:
            frame = con.table(f'"{schema}"."{name}"').df()
            frame = frame[[c for c in frame.columns if not VOLATILE_COLUMN.search(c)]]
            out[f"table:{schema}.{name}"] = frame_hash(frame, renames)
    finally:
        con.close()
    for path in sorted((root / "reports").rglob("*")):
        if path.is_file():
            out["file:" + RUN_ID.sub("<run>", str(path.relative_to(root)))] = _file_hash(path, renames)
    return out


def _file_hash(path: Path, renames: Sequence[tuple[str, str]]) -> str:
    if path.suffix == ".parquet":
        return frame_hash(pd.read_parquet(path), renames)
    if path.suffix == ".xlsx":
        return "|".join(frame_hash(f, renames) for f in pd.read_excel(path, sheet_name=None).values())
    text = _renamed(path.read_bytes().decode("utf-8", errors="replace"), renames)
    if path.name == "run_summary.json":
        text = SUMMARY_VOLATILE.sub(r'"\1": <masked>', text)
    text = BYTES.sub('"bytes": <masked>', text)
    for mask in TEXT_MASKS:
        text = mask.sub("<masked>", text)
    return _hash(text.encode())


def differences(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The keys whose hash differs or that only one side has."""
    return [key for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def _load(argument: str, renames: Sequence[tuple[str, str]]) -> dict[str, str]:
    path = Path(argument)
    return fingerprint(path, renames) if path.is_dir() else json.loads(path.read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fp = commands.add_parser("fingerprint", help="print the fingerprint of a project folder with a run")
    fp.add_argument("root", type=Path)
    cmp = commands.add_parser("compare", help="compare two fingerprints (JSON files or project folders)")
    cmp.add_argument("before")
    cmp.add_argument("after")
    for sub in (fp, cmp):
        sub.add_argument("--rename", action="append", default=[], metavar="OLD=NEW")
    args = parser.parse_args(argv)
    renames = [tuple(item.split("=", 1)) for item in args.rename]
    if args.command == "fingerprint":
        print(json.dumps(fingerprint(args.root, renames), indent=1))
        return 0
    before, after = _load(args.before, renames), _load(args.after, ())
    diff = differences(before, after)
    print(f"{len(before)} vs {len(after)} entries; {len(diff)} differ")
    for key in diff:
        print(f"  {key}: {before.get(key)} | {after.get(key)}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
