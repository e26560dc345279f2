"""Small geometry helpers: WGS84 → Belgian Lambert 72, and a regular population grid over municipal polygons.

Why a grid: the pipeline has municipal population counts only. To estimate how many people live near a stop
(SDG 11.2.1) each municipality's population is spread uniformly over its territory: the polygon is covered by
a regular grid of square cells (cell centroid inside the polygon) and every cell gets the same share (weight)
of the municipal population. Distances are then measured in metres between cell centroids and stops, in
Lambert 72 (EPSG:31370), the Belgian metric projection.

Everything here is pure (no files, no database): readers and tests call it with plain values.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
LAMBERT72 = "EPSG:31370"
GRID_COLUMNS: tuple[str, ...] = ("ref_area", "cell_id", "x", "y", "weight")

# The operation PROJ ranks first from EPSG:4326 to EPSG:31370 over Belgium, pinned: the inverse of EPSG:15929
# "BD72 to WGS 84 (3)" (7-parameter Helmert, 1 m, Belgium onshore), then the EPSG:19961 Belgian Lambert 72
# conversion; input (lon, lat) in degrees. Pinned so a machine with other PROJ grids installed projects the
# same way, and because searching proj.db for it took 0.08 s of every run. tests/test_geo.py checks that it
# still equals PROJ's own choice.
WGS84_TO_LAMBERT72_PIPELINE = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=push +v_3 "
    "+step +proj=cart +ellps=WGS84 "
    "+step +inv +proj=helmert +x=-106.8686 +y=52.2978 +z=-103.7239 +rx=-0.3366 +ry=0.457 +rz=-1.8422 "
    "+s=-1.2747 +convention=coordinate_frame "
    "+step +inv +proj=cart +ellps=intl +step +proj=pop +v_3 "
    "+step +proj=lcc +lat_0=90 +lon_0=4.36748666666667 +lat_1=51.1666672333333 +lat_2=49.8333339 "
    "+x_0=150000.013 +y_0=5400088.438 +ellps=intl"
)


@functools.cache
def _wgs84_to_lambert72() -> pyproj.Transformer:
    return pyproj.Transformer.from_pipeline(WGS84_TO_LAMBERT72_PIPELINE)


def wgs84_to_lambert72(
    lon: np.ndarray | pd.Series, lat: np.ndarray | pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Project longitudes/latitudes (degrees) to Lambert 72 metres; unreadable (NaN) in gives NaN out."""
    x, y = _wgs84_to_lambert72().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def project_to_lambert72(geometry: BaseGeometry) -> BaseGeometry:
    """A WGS84 (lon, lat) geometry re-projected to Lambert 72, vertex by vertex."""

    def _transform(coords: np.ndarray) -> np.ndarray:
        x, y = wgs84_to_lambert72(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, _transform)


def cell_id(x_lower_left: float, y_lower_left: float, cell_size: float) -> str:
    """A readable, stable id of a grid cell: size and lower-left corner in Lambert 72 metres."""
    return f"{cell_size:g}mE{x_lower_left:.0f}N{y_lower_left:.0f}"


def grid_cells(polygons: Mapping[str, BaseGeometry], cell_size: float = 100.0) -> pd.DataFrame:
    """Population weights of a regular grid laid over each area's (projected, metric) polygon.

    The grid is anchored at multiples of ``cell_size`` so neighbouring areas share one grid. A cell belongs
    to an area when its centroid lies strictly inside the polygon; each of the area's n cells gets weight 1/n,
    so the weights of an area sum to 1. An area too small to hold any cell centroid gets a single point
    (the polygon's representative point) with weight 1, so no area's population is ever lost.
    Returns one row per cell: ref_area, cell_id, x, y (cell centroid, metres), weight.
    """
    if not cell_size > 0:
        raise ValueError(f"cell_size must be positive, got {cell_size!r}")
    areas: list[np.ndarray] = []
    columns_of: list[np.ndarray] = []
    rows_of: list[np.ndarray] = []
    xs_of: list[np.ndarray] = []
    ys_of: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for ref_area, polygon in polygons.items():
        if polygon is None or polygon.is_empty:
            raise ValueError(f"area {ref_area!r}: empty geometry, cannot lay a grid over it")
        min_x, min_y, max_x, max_y = polygon.bounds
        col_grid, row_grid = np.meshgrid(
            np.arange(math.floor(min_x / cell_size), math.ceil(max_x / cell_size)),
            np.arange(math.floor(min_y / cell_size), math.ceil(max_y / cell_size)),
        )
        col_index, row_index = col_grid.ravel(), row_grid.ravel()
        xs, ys = (col_index + 0.5) * cell_size, (row_index + 0.5) * cell_size
        shapely.prepare(polygon)
        inside = shapely.contains_xy(polygon, xs, ys)
        if inside.any():
            col_index, row_index, xs, ys = col_index[inside], row_index[inside], xs[inside], ys[inside]
        else:
            point = polygon.representative_point()
            xs, ys = np.array([point.x]), np.array([point.y])
            col_index, row_index = np.floor(xs / cell_size), np.floor(ys / cell_size)
        areas.append(np.full(len(xs), ref_area, dtype=object))
        columns_of.append(col_index)
        rows_of.append(row_index)
        xs_of.append(xs.astype(float))
        ys_of.append(ys.astype(float))
        weights.append(np.full(len(xs), 1.0 / len(xs)))
    if not areas:
        return pd.DataFrame(
            {
                column: pd.Series(dtype=object if column in ("ref_area", "cell_id") else float)
                for column in GRID_COLUMNS
            }
        )
    # cell_id() for all cells: one f-string per cell over plain ints, twice as fast as numpy's char functions.
    prefix = f"{cell_size:g}mE"
    x_ll = np.rint(np.concatenate(columns_of) * cell_size).astype(np.int64).tolist()
    y_ll = np.rint(np.concatenate(rows_of) * cell_size).astype(np.int64).tolist()
    ids = np.array([f"{prefix}{x}N{y}" for x, y in zip(x_ll, y_ll, strict=True)], dtype=object)
    return pd.DataFrame(
        {
            "ref_area": np.concatenate(areas),
            "cell_id": ids,
            "x": np.concatenate(xs_of),
            "y": np.concatenate(ys_of),
            "weight": np.concatenate(weights),
        }
    )
