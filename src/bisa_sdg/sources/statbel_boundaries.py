"""Municipal boundaries (Statbel, via BelgiumMaps.StatBel), turned at ingest into a population grid.

The GeoJSON holds one WGS84 (Multi)Polygon per municipality. The SQL models cannot handle polygons, so the
reader projects each polygon to Lambert 72 and lays the grid of ``bisa_sdg.sources.geo.grid_cells`` over it: the raw
table has one row per grid cell (refnis, cell_id, x, y, weight), with the municipality's attributes and
geometry checks repeated on each of its cells so validation can name the feature that is wrong.

``_line`` is the feature's position in the FeatureCollection (1-based): the file is a single line of JSON.
The cell size comes from the catalog (``grid_cell_m`` on the file entry, default 100 m).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import shapely.geometry

from bisa_sdg.config.catalog import Source
from bisa_sdg.config.profile import RegionProfile
from bisa_sdg.sources import SourceFileError
from bisa_sdg.sources.geo import GeometryLimitError, check_geometry_limits, grid_cells, project_to_lambert72

DEFAULT_CELL_M = 100.0
COLUMNS = (
    "_file",
    "_line",
    "refnis",
    "name_fr",
    "name_nl",
    "surface_gis_km2",
    "polygon_area_km2",
    "area_ratio",
    "geometry_valid",
    "cell_id",
    "x",
    "y",
    "weight",
)


def _attributes(path: str, position: int, feature: dict[str, Any]) -> dict[str, Any]:
    properties = feature.get("properties") or {}
    surface = pd.to_numeric(properties.get("surface_gis_km2"), errors="coerce")
    return {
        "_file": path,
        "_line": position,
        "refnis": str(properties.get("nis") or "").strip() or None,
        "name_fr": properties.get("name_fr"),
        "name_nl": properties.get("name_nl"),
        "surface_gis_km2": float(surface) if pd.notna(surface) else float("nan"),
    }


def _polygon(feature: dict[str, Any]) -> Any:
    """The feature's geometry in Lambert 72, or None when there is no usable (Multi)Polygon."""
    geometry = feature.get("geometry")
    if not geometry:
        return None
    try:
        # From the parsed dict directly: writing it back to JSON for shapely.from_geojson took twice as long.
        parsed = shapely.geometry.shape(geometry)
    except (shapely.errors.ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # a malformed geometry: the feature keeps a row that validation reports
    if parsed is None or parsed.is_empty or parsed.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return project_to_lambert72(parsed)


def _read_file(path: Path, relative: str, cell_size: float) -> pd.DataFrame:
    document = json.loads(path.read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = []
    polygons: dict[str, Any] = {}
    for position, feature in enumerate(document.get("features") or [], start=1):
        attributes = _attributes(relative, position, feature)
        polygon = _polygon(feature)
        if polygon is not None:
            try:
                check_geometry_limits(polygon)
            except GeometryLimitError as exc:
                raise SourceFileError(
                    f"{relative}: feature {position} (nis {attributes['refnis']}): {exc}; nothing was gridded"
                ) from exc
        area_km2 = polygon.area / 1e6 if polygon is not None else float("nan")
        features.append(
            {
                **attributes,
                "geometry_valid": polygon is not None and bool(shapely.is_valid(polygon)),
                "polygon_area_km2": area_km2,
                # Planar Lambert 72 area / the publisher's GIS area: ≈ 1 unless geometry or projection is wrong.
                "area_ratio": area_km2 / attributes["surface_gis_km2"],
            }
        )
        if polygon is not None:
            polygons[str(position)] = polygon
    # One grid call for the whole file; features are keyed by position because a code may be missing.
    try:
        cells = grid_cells(polygons, cell_size).rename(columns={"ref_area": "position"})
    except GeometryLimitError as exc:  # the area is the feature's position in the file
        raise SourceFileError(f"{relative}: {exc} (areas are numbered by feature position)") from exc
    cells["_line"] = cells.pop("position").astype(int)
    # A feature without a usable polygon keeps one row (empty cell fields) so validation reports it.
    feature_columns = [c for c in COLUMNS if c not in ("cell_id", "x", "y", "weight")]
    return pd.DataFrame(features, columns=feature_columns).merge(cells, on="_line", how="left")


def read(source: Source, raw_dir: Path, profile: RegionProfile) -> pd.DataFrame:
    frames = [
        _read_file(raw_dir / item.path, item.path, float(item.attrs.get("grid_cell_m", DEFAULT_CELL_M)))
        for item in source.files
    ]
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]
