"""The indicator registry (config/indicators.yaml): every SDG 11 indicator the observatory answers for.

Why a registry: the coverage table must list every indicator of the framework — computed or not — and say in
plain words why one has no value. The registry is where that knowledge lives (titles in three languages, series
and units, the inputs and the SQL model, applicability to a European city-region), so it is data a statistician
edits, loaded into ``meta.indicator_registry`` and ``meta.indicator_registry_series`` for the SQL models.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from bisa_sdg.config.catalog import Catalog
from bisa_sdg.parsing import load_yaml
from bisa_sdg.warehouse import database as wh

# The current global framework for goal 11 (after the 2020 comprehensive review; 11.c has no indicator).
REQUIRED_UN_INDICATORS: tuple[str, ...] = (
    "11.1.1",
    "11.2.1",
    "11.3.1",
    "11.3.2",
    "11.4.1",
    "11.5.1",
    "11.5.2",
    "11.5.3",
    "11.6.1",
    "11.6.2",
    "11.7.1",
    "11.7.2",
    "11.a.1",
    "11.b.1",
    "11.b.2",
)
FRAMEWORKS: tuple[str, ...] = ("UN", "EU")
STATUSES_WHEN_EMPTY: tuple[str, ...] = ("no_data", "not_applicable")
LANGUAGES: tuple[str, ...] = ("en", "fr", "nl")


class RegistryError(ValueError):
    """The registry file cannot be used as it stands."""


@dataclass(frozen=True)
class RegistrySeries:
    code: str
    unit: str
    in_dsd: bool  # an official UN series (CL_SERIES) rather than an own or EU code
    computed: bool  # produced by this pipeline when its inputs exist
    description: str = ""
    decimals: int | None = None  # digits shown to readers (report); full precision stays in the extracts


@dataclass(frozen=True)
class Indicator:
    id: str
    framework: str
    target: str
    titles: dict[str, str]
    title_sources: dict[str, str]
    series: tuple[RegistrySeries, ...]
    status_when_empty: str
    reason_when_empty: str
    applicability: str
    tier: str = ""
    custodian: str = ""
    un_metadata_version: str = ""
    eurostat_code: str | None = None
    eurostat_code_verified: bool = True
    related: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    input_folders: tuple[str, ...] = ()
    model: str | None = None
    breakdowns: tuple[str, ...] = ()
    note_when_computed: str = ""
    # Set when the values cannot show a trend (e.g. one vintage of inputs applied to every year): progress
    # tables then say so instead of reading a trend into an artefact.
    no_trend_reason: str = ""
    reader_note: dict[str, str] = field(default_factory=dict)  # for the report's readers, by language
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Registry:
    path: Path
    indicators: tuple[Indicator, ...]

    def get(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise RegistryError(f"{self.path}: no indicator {indicator_id!r}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(indicator.id for indicator in self.indicators)


_KNOWN_KEYS = {
    "id",
    "framework",
    "target",
    "title",
    "title_source",
    "series",
    "status_when_empty",
    "reason_when_empty",
    "applicability",
    "tier",
    "custodian",
    "un_metadata_version",
    "eurostat_code",
    "eurostat_code_verified",
    "related",
    "inputs",
    "input_folders",
    "model",
    "breakdowns",
    "note_when_computed",
    "no_trend_reason",
    "reader_note",
}


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _series(raw: Any, where: str) -> tuple[RegistrySeries, ...]:
    out = []
    for item in raw or []:
        if not isinstance(item, dict) or "code" not in item or "unit" not in item:
            raise RegistryError(f"{where}: each series needs a code and a unit")
        out.append(
            RegistrySeries(
                code=str(item["code"]),
                unit=str(item["unit"]),
                in_dsd=bool(item.get("in_dsd", False)),
                computed=bool(item.get("computed", False)),
                description=_text(item.get("description")),
                decimals=int(item["decimals"]) if item.get("decimals") is not None else None,
            )
        )
    return tuple(out)


def _indicator(raw: dict[str, Any], path: Path, position: int) -> Indicator:
    where = f"{path}: indicator #{position} ({raw.get('id', '?')})"
    for key in (
        "id",
        "framework",
        "title",
        "title_source",
        "status_when_empty",
        "reason_when_empty",
        "applicability",
    ):
        if key not in raw:
            raise RegistryError(f"{where}: lacks {key!r}")
    titles, sources = raw["title"], raw["title_source"]
    if not isinstance(titles, dict) or not isinstance(sources, dict):
        raise RegistryError(f"{where}: title and title_source are mappings by language")
    return Indicator(
        id=str(raw["id"]),
        framework=str(raw["framework"]),
        target=str(raw.get("target", "")),
        titles={str(k): _text(v) for k, v in titles.items()},
        title_sources={str(k): _text(v) for k, v in sources.items()},
        series=_series(raw.get("series"), where),
        status_when_empty=str(raw["status_when_empty"]),
        reason_when_empty=_text(raw["reason_when_empty"]),
        applicability=_text(raw["applicability"]),
        tier=str(raw.get("tier") or ""),
        custodian=_text(raw.get("custodian")),
        un_metadata_version=_text(raw.get("un_metadata_version")),
        eurostat_code=str(raw["eurostat_code"]) if raw.get("eurostat_code") else None,
        eurostat_code_verified=bool(raw.get("eurostat_code_verified", True)),
        related=_strings(raw.get("related")),
        inputs=_strings(raw.get("inputs")),
        input_folders=_strings(raw.get("input_folders")),
        model=str(raw["model"]) if raw.get("model") else None,
        breakdowns=_strings(raw.get("breakdowns")),
        note_when_computed=_text(raw.get("note_when_computed")),
        no_trend_reason=_text(raw.get("no_trend_reason")),
        reader_note={str(k): _text(v) for k, v in (raw.get("reader_note") or {}).items()},
        extra={k: v for k, v in raw.items() if k not in _KNOWN_KEYS},
    )


def load_registry(path: Path) -> Registry:
    """Read the registry and refuse a malformed one (missing keys, unknown values, duplicated ids)."""
    try:
        doc = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: cannot read the indicator registry: {exc}") from exc
    entries = (doc or {}).get("indicators")
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: expected a top-level 'indicators' list")
    registry = Registry(
        path=Path(path),
        indicators=tuple(_indicator(e, Path(path), i) for i, e in enumerate(entries, start=1)),
    )
    problems = structural_problems(registry)
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return registry


def structural_problems(registry: Registry) -> list[str]:
    """What makes the registry unusable on its own: the coverage table could not be honest with it."""
    problems: list[str] = []
    ids = registry.ids
    problems += [f"indicator {i} is listed twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"UN indicator {i} is missing" for i in REQUIRED_UN_INDICATORS if i not in ids]
    for ind in registry.indicators:
        if ind.framework not in FRAMEWORKS:
            problems.append(f"{ind.id}: framework must be one of {FRAMEWORKS}")
        if ind.status_when_empty not in STATUSES_WHEN_EMPTY:
            problems.append(f"{ind.id}: status_when_empty must be one of {STATUSES_WHEN_EMPTY}")
        if not ind.reason_when_empty:
            problems.append(f"{ind.id}: reason_when_empty must say why there is no value")
        for lang in LANGUAGES:
            if not ind.titles.get(lang):
                problems.append(f"{ind.id}: title in {lang!r} is missing")
            if not ind.title_sources.get(lang):
                problems.append(f"{ind.id}: title_source for {lang!r} is missing")
        if ind.framework == "EU" and not ind.eurostat_code:
            problems.append(f"{ind.id}: an EU indicator needs its eurostat_code")
        if ind.framework == "UN" and not ind.series:
            problems.append(f"{ind.id}: a UN indicator lists at least its UN series")
        if ind.series and not any(s.in_dsd for s in ind.series) and ind.framework == "UN":
            problems.append(f"{ind.id}: none of its series is marked in_dsd (official UN series)")
    return problems


def un_series_codes(cl_series_csv: Path) -> frozenset[str]:
    """Series codes of the global SDG DSD (CL_SERIES, CSV with a series_code column)."""
    with Path(cl_series_csv).open(encoding="utf-8", newline="") as handle:
        return frozenset(row["series_code"].strip() for row in csv.DictReader(handle))


def consistency_problems(
    registry: Registry,
    *,
    catalog: Catalog | None = None,
    sql_root: Path | None = None,
    raw_dir: Path | None = None,
    un_series: Iterable[str] | None = None,
) -> list[str]:
    """Cross-checks against the rest of the project: inputs catalogued, models and input READMEs present."""
    problems: list[str] = []
    known_sources = {s.id for s in catalog.sources} if catalog is not None else None
    codes = frozenset(un_series) if un_series is not None else None
    for ind in registry.indicators:
        if known_sources is not None:
            problems += [
                f"{ind.id}: input {s!r} is not a catalog source" for s in ind.inputs if s not in known_sources
            ]
        if sql_root is not None and ind.model and not (sql_root / ind.model).is_file():
            problems.append(f"{ind.id}: model {ind.model} not found under {sql_root}")
        if raw_dir is not None:
            problems += [
                f"{ind.id}: input folder {folder} has no README.md"
                for folder in ind.input_folders
                if not (raw_dir / folder / "README.md").is_file()
            ]
        if codes is not None:
            problems += [
                f"{ind.id}: series {s.code} is marked in_dsd but is not in CL_SERIES"
                for s in ind.series
                if s.in_dsd and s.code not in codes
            ]
            problems += [
                f"{ind.id}: own series {s.code} collides with a UN CL_SERIES code; mark it in_dsd"
                for s in ind.series
                if not s.in_dsd and s.code in codes
            ]
    return problems


def registry_frames(registry: Registry) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per indicator, one row per indicator × series: what the meta tables hold."""
    indicators = pd.DataFrame(
        [
            {
                "indicator_id": ind.id,
                "framework": ind.framework,
                "target": ind.target,
                "title_en": ind.titles.get("en"),
                "title_fr": ind.titles.get("fr"),
                "title_nl": ind.titles.get("nl"),
                "title_source_en": ind.title_sources.get("en"),
                "title_source_fr": ind.title_sources.get("fr"),
                "title_source_nl": ind.title_sources.get("nl"),
                "tier": ind.tier or None,
                "custodian": ind.custodian or None,
                "un_metadata_version": ind.un_metadata_version or None,
                "eurostat_code": ind.eurostat_code,
                "eurostat_code_verified": ind.eurostat_code_verified if ind.eurostat_code else None,
                "related": ",".join(ind.related) or None,
                "series_expected": ",".join(s.code for s in ind.series) or None,
                "inputs": ",".join(ind.inputs) or None,
                "input_folders": ",".join(ind.input_folders) or None,
                "model": ind.model,
                "breakdowns": ", ".join(ind.breakdowns) or None,
                "applicability": ind.applicability,
                "status_when_empty": ind.status_when_empty,
                "reason_when_empty": ind.reason_when_empty,
                "note_when_computed": ind.note_when_computed or None,
                **{f"reader_note_{lang}": ind.reader_note.get(lang) for lang in LANGUAGES},
                "no_trend_reason": ind.no_trend_reason or None,
                "position": position,
            }
            for position, ind in enumerate(registry.indicators, start=1)
        ]
    )
    series = pd.DataFrame(
        [
            {
                "indicator_id": ind.id,
                "series": s.code,
                "unit_measure": s.unit,
                "in_dsd": s.in_dsd,
                "computed": s.computed,
                "description": s.description or None,
                "decimals": s.decimals,
            }
            for ind in registry.indicators
            for s in ind.series
        ],
        columns=["indicator_id", "series", "unit_measure", "in_dsd", "computed", "description", "decimals"],
    )
    series["decimals"] = series["decimals"].astype("Int64")
    return indicators.astype({"eurostat_code_verified": "boolean"}), series


def load_registry_tables(con: duckdb.DuckDBPyConnection, path: Path) -> Registry:
    """Load the registry as meta.indicator_registry and meta.indicator_registry_series (for the coverage model)."""
    registry = load_registry(path)
    indicators, series = registry_frames(registry)
    wh.load_frame(con, "meta", "indicator_registry", indicators)
    wh.load_frame(con, "meta", "indicator_registry_series", series)
    con.execute(
        "comment on table meta.indicator_registry is 'The indicator registry (config/indicators.yaml)'"
    )
    con.execute(
        "comment on table meta.indicator_registry_series is 'Series of each registry indicator, with units'"
    )
    return registry
