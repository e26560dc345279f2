"""What a region profile selects: the catalog sources that apply, empty stand-ins for the others, its targets.

Why stand-ins: the SQL models are shared by every region. A model that reads ``raw.stib_stops`` must still bind
when the region has no STIB (its profile leaves the source out): the source's table is then created empty, with
the columns and types its schema (``schemas/<id>.yaml``) declares, so the model runs and writes no row. Nothing
of a source the profile leaves out is read, validated or listed in ``meta.sources``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

from bisa_sdg.config.catalog import Catalog
from bisa_sdg.config.paths import OutsideFolderError, confined
from bisa_sdg.config.profile import ProfileError, RegionProfile
from bisa_sdg.warehouse import database as wh

# Schema dtypes (bisa_sdg.validation.schema) as the pandas dtypes the readers return, so a stand-in has the same
# DuckDB types as a loaded table (string -> VARCHAR, int -> BIGINT, date -> TIMESTAMP_NS).
_EMPTY_DTYPES = {
    "string": "string",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
}
STAND_IN_COMMENT = "EMPTY STAND-IN: this source is not part of the region profile (see meta.sources)"


def select_sources(catalog: Catalog, profile: RegionProfile) -> Catalog:
    """The catalog restricted to the profile's sources; an unknown id is an error, never silently dropped."""
    known = {source.id for source in catalog.sources}
    wanted = set(profile.sources) if profile.sources is not None else known
    unknown = sorted(wanted - known)
    if profile.region_total_reference is not None and profile.region_total_reference not in known:
        unknown.append(profile.region_total_reference)
    if unknown:
        raise ProfileError(
            f"{profile.path}: sources not in the catalog {catalog.path}: {', '.join(sorted(set(unknown)))}"
        )
    return replace(catalog, sources=tuple(s for s in catalog.sources if s.id in wanted))


def raw_tables_read(models: Iterable[wh.Model]) -> set[str]:
    """Names of the raw.* tables the SQL models read."""
    return {ref.split(".", 1)[1] for model in models for ref in model.depends_on if ref.startswith("raw.")}


def empty_frame(schema_path: Path) -> pd.DataFrame:
    """A frame with no row and the columns (and types) a source's schema declares, plus _file and _line."""
    from bisa_sdg.validation.schema import load_schema  # pandera: imported only when a stand-in is needed

    schema = load_schema(schema_path)
    columns: dict[str, pd.Series] = {
        "_file": pd.Series(dtype="string"),
        "_line": pd.Series(dtype="Int64"),
    }
    for name, spec in schema.columns.items():
        columns[name] = pd.Series(dtype=_EMPTY_DTYPES[str(spec.get("dtype", "string"))])
    return pd.DataFrame(columns)


def load_stand_ins(
    con: duckdb.DuckDBPyConnection,
    models: Iterable[wh.Model],
    loaded: Mapping[str, object],
    schemas_dir: Path,
) -> dict[str, int]:
    """Create an empty raw table for every raw table a model reads that no source of the profile loaded."""
    created: dict[str, int] = {}
    for table in sorted(raw_tables_read(models) - set(loaded)):
        try:
            schema_path = confined(schemas_dir, f"{wh.checked_identifier(table)}.yaml", "stand-in schema")
        except OutsideFolderError as exc:
            raise wh.ModelError(str(exc)) from exc
        if not schema_path.exists():
            raise wh.ModelError(
                f"a SQL model reads raw.{table}, which no source of the profile loads and no schema "
                f"({schema_path}) describes; add the source to the catalog or a schema for the stand-in"
            )
        created[table] = wh.load_frame(con, "raw", table, empty_frame(schema_path))
        con.execute(f"comment on table raw.{wh.checked_identifier(table)} is '{STAND_IN_COMMENT}'")
    return created


def profile_targets(profile: RegionProfile) -> pd.DataFrame:
    """The targets catalog rows that bind this region (its applies_to codes); empty without a targets file."""
    from bisa_sdg.warehouse.assessment_tables import region_targets

    if profile.targets_path is None:
        return pd.DataFrame()
    return region_targets(profile.targets_path, profile.targets_applies_to)
