"""SDMX publication: check ``curated.indicator_values`` against the global SDG DSD and write a UN submission.

Two files come out of one checked data set: SDMX-ML 2.1 structure-specific data (the form the UN SDG
data exchange reads) and SDMX-CSV 2.0 (for partners and for people). Nothing is written unless every
observation of a UN series passes every check, so a submission is never half-valid. Rows whose series is
not in the DSD's CL_SERIES (EU or own indicators) and rows resting on invented inputs are not UN
submissions: they are set aside and returned, never silently dropped and never written.

The REF_AREA codes below the country (``BE10``, ``BE_21001``…, config/sdmx_ref_area.csv) are not in the
global CL_AREA, so each data file travels with ``<name>.structure.xml``: an SDMX-ML 2.1 structure message
holding CL_AREA extended with those codes and a copy of the SDG DSD that uses it, both maintained by the
sender's agency (``BISA:CL_AREA(1.0)``, ``BISA:SDG(1.5)``), with every other codelist and concept of the global
DSD unchanged. The data files refer to that DSD. This is the route the SDG DSD guidelines leave to national
extensions: the global artefacts are never altered, the national agency maintains its own copies. Validators
(sdmxthon, pysdmx) check the data against that structure message.

COMMENT_OBS carries each observation's method note (curated.indicator_values.comment). The global DSD sets no
length on it; the extension declares ``maxLength`` ``COMMENT_OBS_MAX_LENGTH`` and a longer note is cut there,
ending with a pointer to the full text.

Why the post-processing of sdmx1's XML: sdmx1 (2.28) writes structure-specific data without the attributes
the SDMX 2.1 schemas require (header ``namespace`` and ``dimensionAtObservation``, a qualified
``ss:structureRef``, ``ss:dataScope`` and an ``xsi:type`` on the data set, and the header's Source last);
``_conform_structure_specific`` adds or moves them.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import logging
import math
import os
import pickle
import platform
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sdmx
from lxml import etree
from sdmx import message
from sdmx.model import common, v21

from bisa_sdg.parsing import finite_number
from bisa_sdg.publish.snapshot import present

log = logging.getLogger(__name__)

# SDMX 2.1 IDType: what an SDMX identifier (code, header ID, agency) may contain.
SDMX_ID_PATTERN = re.compile(r"^[A-Za-z0-9_@$\-]+$")
# Dataflow reference written as AGENCY:ID(VERSION), e.g. 'IAEG-SDGs:DF_SDG_GLH(1.5)'.
_FLOW_REF = re.compile(r"^(?P<agency>[A-Za-z0-9_@$\-.]+):(?P<id>[A-Za-z0-9_@$\-]+)\((?P<version>[0-9.]+)\)$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@$\-]{0,120}$")
_VINTAGE_DATE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?:$|[^0-9])")
_YEAR = re.compile(r"^\d{4}$")

# Observation-level attributes written besides the DSD's mandatory ones: the UN SDG database needs NATURE.
EXTRA_ATTRIBUTES: tuple[str, ...] = ("NATURE",)
REF_AREA = "REF_AREA"
TIME_PERIOD = "TIME_PERIOD"
REF_AREA_MAP_COLUMNS: tuple[str, ...] = ("local_code", "sdmx_code", "name_en", "parent_sdmx_code", "note")

# The method note (contract column ``comment``) as the DSD's observation footnote.
COMMENT_OBS = "COMMENT_OBS"
COMMENT_COLUMN = "comment"
# The length the extension DSD declares for COMMENT_OBS (the global DSD 1.5 declares none): room for the
# longest note of the sample (674 characters) with a margin; a longer note is cut, with COMMENT_POINTER.
COMMENT_OBS_MAX_LENGTH = 1000
COMMENT_POINTER = " […] (cut; full note: column comment of curated.indicator_values and of the extracts)"
EXTENSION_CODELIST_VERSION = "1.0"
STRUCTURE_SUFFIX = ".structure.xml"  # beside <name>.xml and <name>.csv

_NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NS_STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
_NS_COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
_NS_MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
_NS_SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"


class SdmxValidationError(ValueError):
    """The data cannot be submitted; ``problems`` lists every reason, not just the first."""

    MAX_LISTED = 50

    def __init__(self, problems: Iterable[Problem], headline: str = "SDMX submission refused") -> None:
        self.problems: list[Problem] = list(problems)
        lines = [f"{headline}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems[: self.MAX_LISTED]]
        if len(self.problems) > self.MAX_LISTED:
            lines.append(f"  ... and {len(self.problems) - self.MAX_LISTED} more")
        super().__init__("\n".join(lines))


class SdmxConfigError(ValueError):
    """A reference or configuration file (DSD, constraints, REF_AREA map) that cannot be used."""


@dataclass(frozen=True)
class Problem:
    """One failed check, named so a statistician can find the row and fix it."""

    series: str | None
    ref_area: str | None
    time_period: str | None
    column: str
    value: str | None
    rule: str
    row: int | None = None  # 0-based position in the frame given to the check

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        key = "/".join(str(x) for x in (self.series, self.ref_area, self.time_period) if x is not None)
        key = f"{key}: " if key else ""
        return f"{where}{key}{self.column}={self.value!r}: {self.rule}"


@dataclass(frozen=True, eq=False)
class SdgDsd:
    """A parsed DSD with its codelists flattened to code sets, so checks are set look-ups."""

    path: Path
    structure: v21.DataStructureDefinition
    codes: Mapping[str, frozenset[str]]  # component ID -> allowed code IDs
    codelist_ids: Mapping[str, str]  # component ID -> codelist ID, for messages
    parse_seconds: float

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        """Dimension IDs in key order, TIME_PERIOD last."""
        return tuple(d.id for d in self.structure.dimensions.components)

    @property
    def written_attribute_ids(self) -> tuple[str, ...]:
        """Mandatory attributes of the DSD plus NATURE, in DSD order."""
        return tuple(
            a.id
            for a in self.structure.attributes.components
            if a.usage_status == common.UsageStatus.mandatory or a.id in EXTRA_ATTRIBUTES
        )

    @property
    def series_codes(self) -> frozenset[str]:
        return self.codes["SERIES"]

    @property
    def ref(self) -> str:
        """'IAEG-SDGs:SDG(1.5)'."""
        s = self.structure
        return f"{s.maintainer.id}:{s.id}({s.version})"


@dataclass(frozen=True)
class SeriesConstraint:
    """Per-series allowed codes (global content constraint); a component absent here is unconstrained."""

    series: str
    allowed: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class RefAreaMap:
    """Local area codes (REFNIS) -> REF_AREA codes: the documented sub-national extension of CL_AREA."""

    path: Path
    table: pd.DataFrame  # every column as str

    @property
    def to_sdmx(self) -> dict[str, str]:
        return dict(zip(self.table["local_code"], self.table["sdmx_code"], strict=True))


# --------------------------------------------------------------------------------------------- loading


def _reject_dtd(data: bytes, path: Path) -> None:
    """Refuse any DTD: no DOCTYPE means no entity can be declared, so none can be expanded or fetched.

    sdmx1 parses with lxml's iterparse, whose defaults only became safe ('internal' entities) in lxml 6.1;
    refusing DTDs up front keeps the parse safe whatever lxml version is installed.
    """
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise SdmxConfigError(f"{path}: only UTF-8 SDMX-ML is accepted")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SdmxConfigError(f"{path}: SDMX-ML with a DTD/entity declaration is refused (unsafe XML)")


@functools.lru_cache(maxsize=4)
def _load_dsd_cached(path: str, mtime_ns: int, size: int, cache_dir: str | None = None) -> SdgDsd:
    """Parse once per (file, version of the file); the 1.5 MB structure message takes most of a second.

    With ``cache_dir``, the parsed DSD is also kept there between processes (:func:`_stored_dsd`).
    """
    started = time.perf_counter()
    p = Path(path)
    data = p.read_bytes()
    _reject_dtd(data, p)
    stored = _stored_dsd_path(Path(cache_dir), data) if cache_dir else None
    if stored is not None:
        found = _stored_dsd(stored, p)
        if found is not None:
            return found
    try:
        msg = sdmx.read_sdmx(io.BytesIO(data), format="XML")
    except Exception as exc:
        raise SdmxConfigError(f"{p}: not a readable SDMX-ML structure message: {exc}") from exc
    if not isinstance(msg, message.StructureMessage) or len(msg.structure) != 1:
        raise SdmxConfigError(f"{p}: expected a structure message with exactly one data structure definition")
    dsd = next(iter(msg.structure.values()))
    codes: dict[str, frozenset[str]] = {}
    codelist_ids: dict[str, str] = {}
    for comp in [*dsd.dimensions.components, *dsd.attributes.components]:
        rep = comp.local_representation
        enum = getattr(rep, "enumerated", None) if rep is not None else None
        if enum is None:
            continue
        if enum.is_external_reference or len(enum) == 0:
            raise SdmxConfigError(f"{p}: codelist {enum.id} of {comp.id} is not included in the file")
        codes[comp.id] = frozenset(code.id for code in enum)
        codelist_ids[comp.id] = enum.id
    for needed in ("SERIES", REF_AREA):
        if needed not in codes:
            raise SdmxConfigError(f"{p}: the DSD has no coded {needed} dimension; is this the SDG DSD?")
    seconds = time.perf_counter() - started
    log.info("parsed DSD %s:%s(%s) from %s in %.2f s", dsd.maintainer.id, dsd.id, dsd.version, p, seconds)
    parsed = SdgDsd(path=p, structure=dsd, codes=codes, codelist_ids=codelist_ids, parse_seconds=seconds)
    if stored is not None:
        _store_dsd(stored, parsed)
    return parsed


# Stored parsed DSDs: named by the file's sha256, the sdmx1 and Python versions and this layout's version, so a
# changed file, an upgraded sdmx1 or a changed SdgDsd is never served an old object.
_STORED_DSD_LAYOUT = 1


def _stored_dsd_path(cache_dir: Path, data: bytes) -> Path:
    from importlib import metadata

    key = hashlib.sha256(data)
    key.update(f"|{metadata.version('sdmx1')}|{platform.python_version()}|{_STORED_DSD_LAYOUT}".encode())
    return cache_dir / f"sdmx-dsd-{key.hexdigest()}.pickle"


def _stored_dsd(stored: Path, source: Path) -> SdgDsd | None:
    """The DSD parsed by an earlier run (0.15 s against 0.9-1.5 s to parse), or None.

    The folder is the pipeline's own cache, which already holds Prefect's pickled task results: the same trust
    as those. An unreadable or foreign entry is parsed again and replaced.
    """
    started = time.perf_counter()
    try:
        with stored.open("rb") as handle:
            found = pickle.load(handle)  # the pipeline's own cache folder: see the docstring
        if not isinstance(found, SdgDsd):
            return None
        os.utime(stored)  # in use: the cache pruning keeps what a run used in the last 30 days
    except Exception:  # a truncated or stale entry is not an error: parse the file
        return None
    log.info("read parsed DSD %s from %s in %.2f s", found.ref, stored, time.perf_counter() - started)
    return dataclasses.replace(found, path=source)


def _store_dsd(stored: Path, dsd: SdgDsd) -> None:
    """Keep the parsed DSD for the next process; best effort, written whole or not at all."""
    tmp: Path | None = None
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        tmp = _atomic_tmp(stored.parent, stored)
        tmp.write_bytes(pickle.dumps(dsd, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, stored)
    except Exception as exc:  # a cache that cannot be written costs the next run a parse, nothing more
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        log.warning("could not keep the parsed DSD in %s: %s", stored.parent, exc)


def load_dsd(path: Path | str, cache_dir: Path | str | None = None) -> SdgDsd:
    """Read the SDG DSD structure message (with all codelists), cached per process and file version.

    ``cache_dir`` (the pipeline passes its cache folder beside the warehouse) also keeps the parsed DSD between
    processes, keyed by the file's content.
    """
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError as exc:
        raise SdmxConfigError(f"{p}: cannot read DSD: {exc}") from exc
    return _load_dsd_cached(str(p), st.st_mtime_ns, st.st_size, str(cache_dir) if cache_dir else None)


def load_constraints(path: Path | str) -> dict[str, SeriesConstraint]:
    """Read the per-series content constraints CSV (open-sdg/sdg-build layout), cached per file version.

    Cells hold codes separated by ';'. 'ALL' and empty cells mean "no constraint" (five series in the 2021
    file have no constraint at all); codes are stripped, because the file has at least one with a stray space.
    """
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError as exc:
        raise SdmxConfigError(f"{p}: cannot read content constraints: {exc}") from exc
    return dict(_load_constraints_cached(str(p), st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=4)
def _load_constraints_cached(path: str, mtime_ns: int, size: int) -> dict[str, SeriesConstraint]:
    p = Path(path)
    try:
        with p.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SdmxConfigError(f"{p}: cannot read content constraints: {exc}") from exc
    if "SERIES" not in header:
        raise SdmxConfigError(f"{p}: no SERIES column")
    component_cols = [c for c in header if c not in ("SERIES", "Name")]
    bad_cols = [c for c in component_cols if not SDMX_ID_PATTERN.match(c)]
    if bad_cols:
        raise SdmxConfigError(f"{p}: column names are not SDMX component IDs: {bad_cols}")
    result: dict[str, SeriesConstraint] = {}
    for line, rec in enumerate(records, start=2):
        series = (rec["SERIES"] or "").strip()
        if not series:
            raise SdmxConfigError(f"{p}:{line}: empty SERIES")
        if series in result:
            raise SdmxConfigError(f"{p}:{line}: SERIES {series} listed twice")
        allowed: dict[str, frozenset[str]] = {}
        for col in component_cols:
            cell = (rec.get(col) or "").strip()
            if cell in ("", "ALL"):
                continue
            allowed[col] = frozenset(code.strip() for code in cell.split(";") if code.strip())
        result[series] = SeriesConstraint(series=series, allowed=allowed)
    return result


def load_ref_area_map(path: Path | str) -> RefAreaMap:
    """Read the REF_AREA extension (config/sdmx_ref_area.csv); codes stay text, so '04000' keeps its zero."""
    p = Path(path)
    try:
        table = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SdmxConfigError(f"{p}: cannot read REF_AREA map: {exc}") from exc
    missing = [c for c in REF_AREA_MAP_COLUMNS if c not in table.columns]
    if missing:
        raise SdmxConfigError(f"{p}: missing columns {missing} (needs {list(REF_AREA_MAP_COLUMNS)})")
    table = table.apply(lambda col: col.str.strip())
    errors: list[str] = []
    for line, rec in enumerate(table.to_dict("records"), start=2):
        if not rec["local_code"]:
            errors.append(f"{p}:{line}: empty local_code")
        for col in ("sdmx_code", "parent_sdmx_code"):
            value = rec[col]
            if (value or col == "sdmx_code") and not SDMX_ID_PATTERN.match(value):
                errors.append(f"{p}:{line}: {col}={value!r} is not an SDMX ID (A-Z a-z 0-9 _ @ $ -)")
    for col in ("local_code", "sdmx_code"):
        dupes = sorted(set(table.loc[table[col].duplicated(), col]))
        if dupes:
            errors.append(f"{p}: {col} listed more than once: {dupes}")
    if errors:
        raise SdmxConfigError("\n".join(errors))
    return RefAreaMap(path=p, table=table.reset_index(drop=True))


# --------------------------------------------------------------------------------------------- checking


def _code(value: Any) -> str | None:
    """A cell as an SDMX code string: 0 and 0.0 -> '0', blanks and NA -> None."""
    if type(value) is str:  # the common case first: this runs for every cell of every row
        return value.strip() or None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return _code(value.item())
    text = str(value).strip()
    return text or None


def _truthy(value: Any) -> bool:
    code = _code(value)
    return code is not None and code.lower() in ("true", "1", "yes", "t")


def _records(df: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values; column-wise ``tolist`` is far faster than ``to_dict`` here."""
    data = {col: df[col].tolist() for col in columns}
    return [dict(zip(columns, values, strict=True)) for values in zip(*data.values(), strict=True)]


def _skip_reason(series: str | None, synthetic: Any, dsd: SdgDsd) -> str | None:
    if series not in dsd.series_codes:
        return f"series not in CL_SERIES of {dsd.ref}: not a UN SDG series"
    if _truthy(synthetic):
        return "synthetic input: not submittable to the UN"
    return None


def partition_observations(df: pd.DataFrame, dsd: SdgDsd) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into (UN submission candidates, set-aside rows with a ``skip_reason``).

    Set aside: series not in the DSD's CL_SERIES (EU or own indicators), and rows flagged ``synthetic``
    (an invented input must never reach the UN). Both frames keep the caller's index.
    """
    series = df["series"] if "series" in df.columns else [None] * len(df)
    synthetic = df["synthetic"] if "synthetic" in df.columns else [False] * len(df)
    reasons = [_skip_reason(_code(s), syn, dsd) for s, syn in zip(series, synthetic, strict=True)]
    skip = pd.Series([r is not None for r in reasons], index=df.index, dtype=bool)
    skipped = df.loc[skip].assign(skip_reason=[r for r in reasons if r is not None])
    return df.loc[~skip], skipped


def _columns(dsd: SdgDsd) -> dict[str, str]:
    """DSD component ID -> contract column: the contract names columns after the DSD, lower-cased."""
    ids = [*dsd.dimension_ids, *dsd.written_attribute_ids]
    return {cid: cid.lower() for cid in ids}


def check_ref_area_map(ref_area_map: RefAreaMap, dsd: SdgDsd) -> list[Problem]:
    """A parent must be a CL_AREA code or another mapped code, so the extension hangs off the global tree."""
    known = dsd.codes[REF_AREA] | set(ref_area_map.table["sdmx_code"])
    problems = []
    for rec in ref_area_map.table.to_dict("records"):
        parent = rec["parent_sdmx_code"]
        if parent and parent not in known:
            problems.append(
                Problem(
                    None,
                    rec["local_code"],
                    None,
                    "parent_sdmx_code",
                    parent,
                    f"{ref_area_map.path}: parent is not in {dsd.codelist_ids[REF_AREA]} nor a mapped code",
                )
            )
    return problems


def _row_findings(
    code: Mapping[str, str | None],
    obs_value: Any,
    dsd: SdgDsd,
    constraint: SeriesConstraint | None,
    shown: dict[str, str],
) -> list[tuple[str, str | None, str]]:
    """(column, value, rule) for each failed check of one UN row, except REF_AREA mapping and duplicates."""
    found: list[tuple[str, str | None, str]] = []
    # Codes of every coded dimension and written attribute must be in the DSD's codelists.
    for cid, value in code.items():
        if cid in (REF_AREA, TIME_PERIOD):
            continue
        if value is None:
            found.append((cid.lower(), None, f"{cid} is required"))
        elif cid in dsd.codes and value not in dsd.codes[cid]:
            found.append((cid.lower(), value, f"not a code of {dsd.codelist_ids[cid]} ({dsd.ref})"))

    # TIME_PERIOD: the contract holds integer years, which is annual data.
    period, freq = code[TIME_PERIOD], code["FREQ"]
    if period is None or not _YEAR.match(period):
        found.append(("time_period", period, "must be a four-digit year"))
    elif freq is not None and freq != "A":
        found.append(("time_period", period, f"a year is annual data but FREQ is {freq!r} (expected 'A')"))

    if finite_number(obs_value, from_text=False) is None:
        found.append(("obs_value", _code(obs_value), "must be a finite number"))

    # Global content constraint: the series' allowed units and breakdown codes. Only valid codes are
    # looked at; an invalid one is reported above already.
    for cid, allowed in constraint.allowed.items() if constraint else ():
        if cid not in code:
            if cid in dsd.codes:
                continue  # a constrained component the contract does not carry (none in DSD 1.5)
            raise SdmxConfigError(f"content constraint column {cid} is not a component of {dsd.ref}")
        value = code[cid]
        if value is not None and value in dsd.codes.get(cid, {value}) and value not in allowed:
            listed = shown.get(f"{constraint.series}.{cid}")
            if listed is None:
                listed = ", ".join(sorted(allowed)[:12]) + (" ..." if len(allowed) > 12 else "")
                shown[f"{constraint.series}.{cid}"] = listed
            rule = f"not allowed for series {constraint.series} by the content constraint ({listed})"
            found.append((cid.lower(), value, rule))
    return found


def check_observations(
    df: pd.DataFrame,
    dsd: SdgDsd,
    constraints: Mapping[str, SeriesConstraint],
    ref_area_map: RefAreaMap,
) -> list[Problem]:
    """Every check a UN submission must pass; an empty list means the UN rows can be written.

    Only rows of UN series are checked (see ``partition_observations`` for the rows set aside).
    ``row`` in a Problem is the row's position in ``df``. Row by row with set look-ups: codelists have up to
    a thousand codes and pandas' Arrow-backed ``isin`` would rebuild them for every column.
    """
    cols = _columns(dsd)
    missing = [c for c in [*cols.values(), "obs_value"] if c not in df.columns]
    if missing:
        return [Problem(None, None, None, c, None, "column missing from the input frame") for c in missing]

    problems = check_ref_area_map(ref_area_map, dsd)
    to_sdmx = ref_area_map.to_sdmx
    synthetic = df["synthetic"] if "synthetic" in df.columns else [False] * len(df)
    seen: set[tuple[str | None, ...]] = set()
    shown: dict[str, str] = {}  # constraint code lists, formatted once per series and component
    howto = "add it there; see config/sdmx_ref_area.md"

    records = _records(df, [*cols.values(), "obs_value"])
    for pos, (rec, syn) in enumerate(zip(records, synthetic, strict=True)):
        code = {cid: _code(rec[col]) for cid, col in cols.items()}
        series, local_area, period = code["SERIES"], code[REF_AREA], code[TIME_PERIOD]
        if _skip_reason(series, syn, dsd) is not None:
            continue
        mapped = to_sdmx.get(local_area) if local_area is not None else None
        findings = _row_findings(code, rec["obs_value"], dsd, constraints.get(series or ""), shown)
        if mapped is None:
            findings.append(
                ("ref_area", local_area, f"area not in the REF_AREA map {ref_area_map.path} ({howto})")
            )
        else:  # one observation per key: SDMX cannot carry two values for the same key
            key = tuple(mapped if d == REF_AREA else code[d] for d in dsd.dimension_ids)
            if key in seen:
                findings.append(
                    ("series", series, "duplicate observation: another row has the same SDMX key")
                )
            seen.add(key)
        problems += [Problem(series, local_area, period, col, val, rule, pos) for col, val, rule in findings]

    return sorted(problems, key=lambda p: (p.row if p.row is not None else -1, p.column, p.rule))


# --------------------------------------------------------------------------------------------- writing


def _prepared(vintage: str, prepared: datetime | None) -> datetime:
    """Deterministic header timestamp: the one given, or the date the vintage starts with."""
    if prepared is not None:
        if prepared.tzinfo is None:
            raise ValueError("prepared must be timezone-aware (e.g. datetime(..., tzinfo=UTC))")
        return prepared.astimezone(UTC).replace(microsecond=0)
    m = _VINTAGE_DATE.match(vintage)
    if not m:
        raise ValueError(f"vintage {vintage!r} does not start with a date (YYYY[-MM[-DD]]): pass prepared=")
    return datetime(int(m["y"]), int(m["m"] or 1), int(m["d"] or 1), tzinfo=UTC)


def _dataflow(dsd: SdgDsd, dataflow: str | None) -> v21.DataflowDefinition | None:
    if dataflow is None:
        return None
    m = _FLOW_REF.match(dataflow)
    if not m:
        raise ValueError(
            f"dataflow {dataflow!r} must read AGENCY:ID(VERSION), e.g. IAEG-SDGs:DF_SDG_GLH(1.5)"
        )
    return v21.DataflowDefinition(
        id=m["id"], version=m["version"], maintainer=common.Agency(id=m["agency"]), structure=dsd.structure
    )


def comment_obs(note: Any, max_length: int = COMMENT_OBS_MAX_LENGTH) -> str | None:
    """A method note as COMMENT_OBS: on one line, and cut to ``max_length`` characters with a pointer to the
    full text when longer (the structure message declares that length)."""
    text = " ".join(str(note).split()) if present(note) else ""
    if not text:
        return None
    if len(text) <= max_length:
        return text
    return text[: max_length - len(COMMENT_POINTER)].rstrip() + COMMENT_POINTER


def _build_dataset(
    un: pd.DataFrame, dsd: SdgDsd, ref_area_map: RefAreaMap, flow: v21.DataflowDefinition | None
) -> v21.StructureSpecificDataSet:
    """One flat data set (all dimensions at observation level), observations sorted by SDMX key."""
    structure = dsd.structure
    cols = _columns(dsd)
    area = ref_area_map.to_sdmx
    dims = structure.dimensions.components
    notes = un[COMMENT_COLUMN].tolist() if COMMENT_COLUMN in un.columns else [None] * len(un)
    rows = []
    for rec, note in zip(_records(un, [*cols.values(), "obs_value"]), notes, strict=True):
        key = tuple(
            area[str(_code(rec["ref_area"]))] if d.id == REF_AREA else _code(rec[cols[d.id]]) for d in dims
        )
        attrs = {aid: _code(rec[cols[aid]]) for aid in dsd.written_attribute_ids}
        attrs[COMMENT_OBS] = comment_obs(note)
        rows.append((key, attrs, finite_number(rec["obs_value"], from_text=False)))
    rows.sort(key=lambda r: r[0])

    measure = structure.measures.components[0]
    attribute = {aid: structure.attributes.get(aid) for aid in [*dsd.written_attribute_ids, COMMENT_OBS]}
    # Keys built from KeyValues in DSD order: DataStructureDefinition.make_key() is quadratic in the number
    # of components (docs/performance.md).
    observations = [
        v21.Observation(
            dimension=common.Key(
                [common.KeyValue(id=d.id, value=v, value_for=d) for d, v in zip(dims, key, strict=True)],
                described_by=structure.dimensions,
            ),
            value=value,
            value_for=measure,
            attached_attribute={
                aid: v21.AttributeValue(value_for=attribute[aid], value=val)
                for aid, val in attrs.items()
                if val is not None
            },
        )
        for key, attrs, value in rows
    ]
    # Without a dataflow the DSD stands in, so that sdmx1's SDMX-CSV writer can name the structure.
    ds = v21.StructureSpecificDataSet(structured_by=structure, described_by=flow or structure)
    ds.add_obs(observations)
    return ds


def extension_ref(dsd: SdgDsd, agency: str) -> tuple[str, str]:
    """The reference ('BISA:SDG(1.5)') and URN of the sender's copy of the DSD, which uses the extended
    CL_AREA."""
    ref = f"{agency}:{dsd.structure.id}({dsd.structure.version})"
    return ref, f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={ref}"


def structure_message(
    dsd: SdgDsd, ref_area_map: RefAreaMap, *, agency: str, header_id: str, prepared: datetime
) -> bytes:
    """The structure the data files refer to: the global DSD message with CL_AREA replaced by the agency's
    extension of it (every CL_AREA code, then the mapped sub-national codes with their parents) and the DSD
    copied under the agency, its REF_AREA using that codelist and its COMMENT_OBS given a maximum length.

    Built from the DSD file itself rather than re-serialised by sdmx1, so every other codelist, concept and
    annotation reaches the receiver exactly as IAEG-SDGs published it.
    """
    data = dsd.path.read_bytes()
    _reject_dtd(data, dsd.path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    root = etree.fromstring(data, parser=parser)
    ns = {"mes": _NS_MES, "str": _NS_STR, "com": _NS_COM}
    header = root.find("mes:Header", ns)
    for child in list(header):
        header.remove(child)
    for tag, text in (("ID", header_id), ("Test", "false"), ("Prepared", prepared.isoformat())):
        etree.SubElement(header, f"{{{_NS_MES}}}{tag}").text = text
    etree.SubElement(header, f"{{{_NS_MES}}}Sender", id=agency)

    structure = root.find("mes:Structures/str:DataStructures/str:DataStructure", ns)
    area_ref = structure.find(
        f"str:DataStructureComponents/str:DimensionList/str:Dimension[@id='{REF_AREA}']"
        "/str:LocalRepresentation/str:Enumeration/Ref",
        ns,
    )
    codelist = next(
        cl
        for cl in root.iterfind("mes:Structures/str:Codelists/str:Codelist", ns)
        if (cl.get("agencyID"), cl.get("id"), cl.get("version"))
        == (area_ref.get("agencyID"), area_ref.get("id"), area_ref.get("version"))
    )
    global_cl = f"{codelist.get('agencyID')}:{codelist.get('id')}({codelist.get('version')})"
    _rename(codelist, agency, EXTENSION_CODELIST_VERSION)
    codelist.set("isFinal", "false")
    codelist.find("com:Name", ns).text = f"{global_cl} extended with the sub-national areas of {agency}"
    for rec in ref_area_map.table.to_dict("records"):
        code = etree.SubElement(
            codelist,
            f"{{{_NS_STR}}}Code",
            urn=f"urn:sdmx:org.sdmx.infomodel.codelist.Code={_ref(codelist)}.{rec['sdmx_code']}",
            id=rec["sdmx_code"],
        )
        for lang in ("en", "fr", "nl"):
            if rec.get(f"name_{lang}"):
                name = etree.SubElement(code, f"{{{_NS_COM}}}Name")
                name.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
                name.text = rec[f"name_{lang}"]
        if rec.get("note"):
            description = etree.SubElement(code, f"{{{_NS_COM}}}Description")
            description.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
            description.text = rec["note"]
        if rec["parent_sdmx_code"]:
            etree.SubElement(
                etree.SubElement(code, f"{{{_NS_STR}}}Parent"), "Ref", id=rec["parent_sdmx_code"]
            )

    global_dsd = _ref(structure)
    _rename(structure, agency, structure.get("version"))
    structure.find("com:Name", ns).text = f"{global_dsd} with REF_AREA from {_ref(codelist)}"
    area_ref.set("agencyID", agency)
    area_ref.set("version", EXTENSION_CODELIST_VERSION)
    comment = structure.find(
        f"str:DataStructureComponents/str:AttributeList/str:Attribute[@id='{COMMENT_OBS}']", ns
    )
    if comment is not None and comment.find("str:LocalRepresentation", ns) is None:
        representation = etree.Element(f"{{{_NS_STR}}}LocalRepresentation")
        etree.SubElement(
            representation,
            f"{{{_NS_STR}}}TextFormat",
            textType="String",
            maxLength=str(COMMENT_OBS_MAX_LENGTH),
        )
        comment.find("str:ConceptIdentity", ns).addnext(representation)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _ref(artefact: etree._Element) -> str:
    return f"{artefact.get('agencyID')}:{artefact.get('id')}({artefact.get('version')})"


def _rename(artefact: etree._Element, agency: str, version: str) -> None:
    """Give a maintainable artefact (and the URNs of everything inside it) a new agency and version."""
    old = f"={_ref(artefact)}"
    artefact.set("agencyID", agency)
    artefact.set("version", version)
    new = f"={_ref(artefact)}"
    for element in artefact.iter():
        urn = element.get("urn")
        if urn and old in urn:
            element.set("urn", urn.replace(old, new, 1))


def _conform_structure_specific(xml: bytes, dsd: SdgDsd, structure_urn: str | None = None) -> bytes:
    """Add what SDMX-ML 2.1 requires of structure-specific data but sdmx1 leaves out (module docstring); with
    ``structure_urn``, refer to that DSD (the extension) instead of the global one."""
    ss_namespace = f"{structure_urn or dsd.structure.urn}:ObsLevelDim:AllDimensions"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    root = etree.fromstring(xml, parser=parser)
    header = root.find(f"{{{_NS_MES}}}Header")
    for structure in header.iterfind(f"{{{_NS_MES}}}Structure"):
        structure.set("namespace", ss_namespace)
        structure.set("dimensionAtObservation", "AllDimensions")
        urn = structure.find(f"{{{_NS_COM}}}Structure/URN")
        if structure_urn and urn is not None:
            urn.text = structure_urn
    # The header's sequence ends with Source; sdmx1 writes it before Structure.
    for source in header.findall(f"{{{_NS_MES}}}Source"):
        header.append(source)
    for ds in root.iterfind(f"{{{_NS_MES}}}DataSet"):
        ref = ds.attrib.pop("structureRef", None)  # sdmx1 writes it unqualified; the schema wants ss:
        ds.set(f"{{{_NS_SS}}}structureRef", ref or dsd.structure.id)
        ds.set(f"{{{_NS_SS}}}dataScope", "DataStructure")  # required; the ns1 schema derives from the DSD
        ds.set(f"{{{_NS_XSI}}}type", "ns1:DataSetType")
    # Declare ns1 on the root (for the xsi:type value) and drop the namespaces sdmx1 declares but never uses.
    etree.cleanup_namespaces(root, top_nsmap={"ns1": ss_namespace}, keep_ns_prefixes=["ns1"])
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _atomic_tmp(out_dir: Path, final: Path) -> Path:
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{final.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; published files are meant to be read
    return Path(tmp)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def write_sdmx(
    df: pd.DataFrame,
    out_dir: Path | str,
    *,
    vintage: str,
    dsd_path: Path | str,
    constraints_path: Path | str,
    ref_area_map_path: Path | str,
    sender_id: str = "BISA",
    prepared: datetime | None = None,
    dataflow: str | None = None,
    name: str | None = None,
    dsd_cache_dir: Path | str | None = None,
) -> list[Path]:
    """Check, then write ``<name>.xml`` (SDMX-ML 2.1 structure-specific) and ``<name>.csv`` (SDMX-CSV 2.0).

    Refuses with ``SdmxValidationError`` listing every problem. The UN rows go into one data set; rows set
    aside (non-UN series, synthetic inputs) are logged and can be listed with ``partition_observations``.
    ``name`` defaults to ``<sender>_<flow or DSD id>_<vintage>``. The header ID carries the vintage; Prepared
    is ``prepared`` or the date the vintage starts with, so the same input gives byte-identical files.
    Without ``dataflow`` both files refer to the sender's extension of the DSD (SDMX-CSV:
    STRUCTURE=datastructure, STRUCTURE_ID=BISA:SDG(1.5)), written beside them as ``<name>.structure.xml``
    (:func:`structure_message`); with a ``dataflow`` they refer to it and no structure is written.
    ``dsd_cache_dir`` keeps the parsed DSD between processes (:func:`load_dsd`).
    Returns the paths written (data XML, CSV, then the structure), or [] when there is no UN observation.
    """
    for label, value in (("vintage", vintage), ("sender_id", sender_id)):
        if not SDMX_ID_PATTERN.match(value or ""):
            raise ValueError(f"{label} {value!r} must be an SDMX ID (A-Z a-z 0-9 _ @ $ -)")
    dsd = load_dsd(dsd_path, dsd_cache_dir)
    constraints = load_constraints(constraints_path)
    ref_area_map = load_ref_area_map(ref_area_map_path)
    flow = _dataflow(dsd, dataflow)
    stamp = _prepared(vintage, prepared)
    name = name or f"{sender_id}_{flow.id if flow else dsd.structure.id}_{vintage}"
    if not _FILE_NAME.match(name):
        raise ValueError(f"file name {name!r} must match {_FILE_NAME.pattern}")

    problems = check_observations(df, dsd, constraints, ref_area_map)
    if problems:
        raise SdmxValidationError(problems)
    un, skipped = partition_observations(df, dsd)
    _log_set_aside(skipped)
    if un.empty:
        log.warning("SDMX: no observation of a UN series to write; nothing written to %s", out_dir)
        return []

    ds = _build_dataset(un, dsd, ref_area_map, flow)
    header = message.Header(
        id=f"{sender_id}_{dsd.structure.id}_{vintage}",
        test=False,
        prepared=stamp,
        sender=common.Agency(id=sender_id),
        source={"en": f"{sender_id} SDG indicators, release {vintage}"},
    )
    msg = message.DataMessage(
        header=header,
        data=[ds],
        dataflow=flow or v21.DataflowDefinition(structure=dsd.structure),
        observation_dimension=common.AllDimensions,
    )
    # A named dataflow is the receiver's own and is referred to as given; otherwise the data refer to the
    # extension DSD written beside them.
    ext_ref, ext_urn = extension_ref(dsd, sender_id)
    xml = _conform_structure_specific(sdmx.to_xml(msg), dsd, None if flow else ext_urn)
    structure = (
        None
        if flow
        else structure_message(
            dsd, ref_area_map, agency=sender_id, header_id=f"{header.id}_STRUCTURE", prepared=stamp
        )
    )

    written = _write_files(Path(out_dir), name, xml, ds, structure, None if flow else ext_ref)
    log.info("SDMX: wrote %d observations to %s and %s", len(ds.obs), written[0], written[1])
    return written


def _log_set_aside(skipped: pd.DataFrame) -> None:
    """Log the series of the rows not written (non-UN series, synthetic inputs), one line per reason."""
    if skipped.empty:
        return
    counts = skipped.groupby("skip_reason")["series"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    for reason, series in counts.items():
        log.warning("SDMX: set aside rows (%s): %s", reason, series)


def _write_files(
    out: Path, name: str, xml: bytes, ds: Any, structure: bytes | None, dsd_ref: str | None
) -> list[Path]:
    """Write the data XML, the SDMX-CSV and the structure (when given) all or nothing: temporary files, fsync,
    then renames. ``dsd_ref``: the CSV must refer to this DSD (no dataflow named)."""
    out.mkdir(parents=True, exist_ok=True)
    xml_path, csv_path = out / f"{name}.xml", out / f"{name}.csv"
    structure_path = out / f"{name}{STRUCTURE_SUFFIX}"
    tmp_xml, tmp_csv = _atomic_tmp(out, xml_path), _atomic_tmp(out, csv_path)
    tmp_structure = _atomic_tmp(out, structure_path)
    try:
        tmp_xml.write_bytes(xml)
        # sdmx1's SDMX-CSV writer: with path= it writes CSV; without it returns a fixed-width *table*.
        sdmx.to_csv(ds, path=tmp_csv, attributes="o")
        if dsd_ref is not None:
            _structure_is_dsd(tmp_csv, dsd_ref)
        written = [(tmp_xml, xml_path), (tmp_csv, csv_path)]
        if structure is not None:
            tmp_structure.write_bytes(structure)
            written.append((tmp_structure, structure_path))
        for tmp, _ in written:
            _fsync(tmp)
        for tmp, final in written:
            os.replace(tmp, final)
    finally:
        for tmp in (tmp_xml, tmp_csv, tmp_structure):
            tmp.unlink(missing_ok=True)
    return [final for _, final in written]


def _structure_is_dsd(csv_path: Path, dsd_ref: str) -> None:
    """sdmx1 always writes STRUCTURE=dataflow; without a dataflow the file must say it refers to the DSD."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    if header[:2] != ["STRUCTURE", "STRUCTURE_ID"]:
        raise RuntimeError(f"unexpected SDMX-CSV header from sdmx1: {header[:3]}")
    for values in rows[1:]:
        values[0], values[1] = "datastructure", dsd_ref
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
