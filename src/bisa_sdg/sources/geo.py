"""Small geometry helpers: WGS84 → Belgian Lambert 72, and a regular population grid over municipal polygons.

Why a grid: the pipeline has municipal population counts only. To estimate how many people live near a stop
(SDG 11.2.1) each municipality's population is spread uniformly over its territory: the polygon is covered by
a regular grid of square cells (cell centroid inside the polygon) and every cell gets the same share (weight)
of the municipal population. Distances are then measured in metres between cell centroids and stops, in
Lambert 72 (EPSG:31370), the Belgian metric projection.

Everything here is pure (no files, no database): readers and tests call it with plain values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
LAMBERT72 = "EPSG:31370"
GRID_COLUMNS: tuple[str, ...] = ("ref_area", "cell_id", "x", "y", "weight")
# Bounds on one area's geometry, checked before any grid is laid: a grid's memory grows with the bounding box
# over the cell size squared, so one huge or stretched polygon could take the run down (MemoryError).
# The shipped Brussels municipalities: at most 33 km² and 1,544 vertices; the largest Belgian province 4,440 km².
MAX_AREA_KM2 = 5_000.0
MAX_VERTICES = 500_000
MAX_GRID_CELLS = 2_000_000  # cells of the bounding box at the grid's cell size (100 m: 20,000 km²)


class GeometryLimitError(ValueError):
    """A geometry over one of the limits above; the reader adds the file and the feature."""


def check_geometry_limits(polygon: BaseGeometry) -> None:
    """Refuse a projected (metric) polygon whose area or vertex count is beyond what a municipality has."""
    vertices = int(shapely.get_num_coordinates(polygon))
    if vertices > MAX_VERTICES:
        raise GeometryLimitError(f"{vertices} vertices, over the limit of {MAX_VERTICES}")
    area_km2 = polygon.area / 1e6
    if area_km2 > MAX_AREA_KM2:
        raise GeometryLimitError(f"an area of {area_km2:,.0f} km², over the limit of {MAX_AREA_KM2:,.0f} km²")


# The operation PROJ ranks first from EPSG:4326 to EPSG:31370 over Belgium: the inverse of EPSG:15929
# "BD72 to WGS 84 (3)" (7-parameter Helmert, 1 m, Belgium onshore), then the EPSG:19961 Belgian Lambert 72
# conversion; input (lon, lat) in degrees. wgs84_to_lambert72 carries out these steps itself, in numpy:
# importing pyproj costs more than these five closed-form steps (docs/performance.md). tests/test_geo.py checks, with
# pyproj, that the numpy steps give what PROJ gives for this pipeline (to 1e-6 m) and that PROJ's own search
# still picks this operation.
WGS84_TO_LAMBERT72_PIPELINE = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=push +v_3 "
    "+step +proj=cart +ellps=WGS84 "
    "+step +inv +proj=helmert +x=-106.8686 +y=52.2978 +z=-103.7239 +rx=-0.3366 +ry=0.457 +rz=-1.8422 "
    "+s=-1.2747 +convention=coordinate_frame "
    "+step +inv +proj=cart +ellps=intl +step +proj=pop +v_3 "
    "+step +proj=lcc +lat_0=90 +lon_0=4.36748666666667 +lat_1=51.1666672333333 +lat_2=49.8333339 "
    "+x_0=150000.013 +y_0=5400088.438 +ellps=intl"
)

_ARCSECOND = math.pi / (180 * 3600)
_WGS84_ELLIPSOID = (6378137.0, 1 / 298.257223563)  # semi-major axis (m), flattening
_INTERNATIONAL_1924 = (6378388.0, 1 / 297.0)
_HELMERT_SHIFT = (-106.8686, 52.2978, -103.7239)  # metres
# Rotations (coordinate frame convention, arc-seconds → radians) and scale (ppm) of the pipeline's Helmert step,
# as the small-angle rotation matrix PROJ uses unless told +exact.
_RX, _RY, _RZ = (-0.3366 * _ARCSECOND, 0.457 * _ARCSECOND, -1.8422 * _ARCSECOND)
_HELMERT_SCALE = 1 + -1.2747e-6
_LAMBERT72_ORIGIN_LON = math.radians(4.36748666666667)  # lat_0 = 90°: the cone's apex is the pole
_LAMBERT72_PARALLELS = (math.radians(51.1666672333333), math.radians(49.8333339))
_LAMBERT72_FALSE_ORIGIN = (150000.013, 5400088.438)


def _geocentric(lon: np.ndarray, lat: np.ndarray, ellipsoid: tuple[float, float]) -> tuple[np.ndarray, ...]:
    """Geodetic (radians, on the ellipsoid's surface) → geocentric X, Y, Z in metres (PROJ's cart)."""
    a, f = ellipsoid
    e2 = f * (2 - f)
    normal = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    return (
        normal * np.cos(lat) * np.cos(lon),
        normal * np.cos(lat) * np.sin(lon),
        normal * (1 - e2) * np.sin(lat),
    )


def _geodetic(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, ellipsoid: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric → geodetic longitude and latitude in radians (PROJ's inverse cart: Bowring's formula)."""
    a, f = ellipsoid
    b = a * (1 - f)
    e2 = f * (2 - f)
    p = np.hypot(x, y)
    theta = np.arctan2(z * a, p * b)
    lat = np.arctan2(z + e2 / (1 - e2) * b * np.sin(theta) ** 3, p - e2 * a * np.cos(theta) ** 3)
    return np.arctan2(y, x), lat


def _wgs84_to_bd72_geocentric(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
    """The pipeline's inverse Helmert step: take the shift off, rotate back, divide by the scale."""
    dx, dy, dz = x - _HELMERT_SHIFT[0], y - _HELMERT_SHIFT[1], z - _HELMERT_SHIFT[2]
    return (
        (dx - _RZ * dy + _RY * dz) / _HELMERT_SCALE,
        (_RZ * dx + dy - _RX * dz) / _HELMERT_SCALE,
        (-_RY * dx + _RX * dy + dz) / _HELMERT_SCALE,
    )


def _lambert72(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lambert conic conformal with two standard parallels on the International 1924 ellipsoid, scale 1."""
    e = math.sqrt(_INTERNATIONAL_1924[1] * (2 - _INTERNATIONAL_1924[1]))

    def m(phi: Any) -> Any:
        return np.cos(phi) / np.sqrt(1 - (e * np.sin(phi)) ** 2)

    def t(phi: Any) -> Any:
        return np.tan(math.pi / 4 - phi / 2) / ((1 - e * np.sin(phi)) / (1 + e * np.sin(phi))) ** (e / 2)

    lat_1, lat_2 = _LAMBERT72_PARALLELS
    n = (math.log(m(lat_1)) - math.log(m(lat_2))) / (math.log(t(lat_1)) - math.log(t(lat_2)))
    rho = _INTERNATIONAL_1924[0] * m(lat_1) / (n * t(lat_1) ** n) * t(lat) ** n
    theta = n * (lon - _LAMBERT72_ORIGIN_LON)
    x_0, y_0 = _LAMBERT72_FALSE_ORIGIN
    return x_0 + rho * np.sin(theta), y_0 - rho * np.cos(theta)


def wgs84_to_lambert72(
    lon: np.ndarray | pd.Series, lat: np.ndarray | pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Project longitudes/latitudes (degrees) to Lambert 72 metres; unreadable (NaN) in gives NaN out."""
    lon_rad = np.radians(np.asarray(lon, dtype=float))
    lat_rad = np.radians(np.asarray(lat, dtype=float))
    bd72 = _wgs84_to_bd72_geocentric(*_geocentric(lon_rad, lat_rad, _WGS84_ELLIPSOID))
    x, y = _lambert72(*_geodetic(*bd72, _INTERNATIONAL_1924))
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
        cells = (math.ceil(max_x / cell_size) - math.floor(min_x / cell_size)) * (
            math.ceil(max_y / cell_size) - math.floor(min_y / cell_size)
        )
        if cells > MAX_GRID_CELLS:
            raise GeometryLimitError(
                f"area {ref_area!r}: its bounding box holds {cells} cells of {cell_size:g} m, over the limit "
                f"of {MAX_GRID_CELLS}"
            )
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
