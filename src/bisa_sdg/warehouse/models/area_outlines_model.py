"""curated.area_outlines: each municipality's outline, light enough to draw, so the report's map reads the
warehouse only (no second parser of the boundary file).

The warehouse keeps no polygon: the statbel_boundaries reader lays a regular grid over each municipality at
ingest (staging.stg_population_grid, cell centroids in Lambert 72). The outline is the union of the
municipality's cells, simplified by half a cell: the shape as the 11.2.1 model sees it, accurate to one cell
(100 m on the shipped sample), which is finer than a pixel of a 19-municipality map on a phone.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import shapely

from bisa_sdg.warehouse import database as wh

DEFINES = ("curated.area_outlines",)
DEPENDS_ON = ("staging.stg_population_grid",)

TABLE_COMMENT = (
    "Outline of each municipality for maps: the union of its cells of the population grid "
    "(staging.stg_population_grid, laid over the Statbel boundaries at ingest), simplified by half a cell. "
    "Belgian Lambert 72 metres (EPSG:31370), accurate to one grid cell; not for area or distance computations."
)
COLUMN_COMMENTS = {
    "ref_area": "REFNIS code of the municipality",
    "cell_size_m": "Side of the grid cells the outline is made of, in metres",
    "n_cells": "Cells of the grid in the municipality",
    "rings": "The outline as JSON: a list of rings, each a list of [x, y] points in Lambert 72 metres "
    "(outer rings and holes alike; draw with the even-odd rule)",
}


def cell_size(xs: np.ndarray) -> float:
    """The grid's step: the smallest gap between distinct cell centres (the grid is anchored on multiples)."""
    distinct = np.unique(np.round(xs, 3))
    gaps = np.diff(distinct)
    return float(gaps[gaps > 0].min()) if gaps.size and (gaps > 0).any() else 100.0


def outline_rings(xs: np.ndarray, ys: np.ndarray, size: float) -> list[list[list[float]]]:
    """The union of the square cells centred on (xs, ys), simplified by half a cell, as rings of points."""
    half = size / 2
    cells = shapely.box(xs - half, ys - half, xs + half, ys + half)
    # The cells never overlap: coverage_union_all joins them along shared edges (six times faster than
    # union_all on the sample's 16,000 cells, the same outline).
    shape = shapely.simplify(shapely.coverage_union_all(cells), half)
    polygons = getattr(shape, "geoms", [shape])
    rings = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            rings.append([[round(x), round(y)] for x, y in ring.coords])
    return rings


def outlines_frame(grid: pd.DataFrame) -> pd.DataFrame:
    """One row per area of ``grid`` (ref_area, x, y): its outline rings as JSON."""
    if grid.empty:  # a region whose profile has no boundaries: the table exists, empty, with its types
        return pd.DataFrame(
            {
                "ref_area": pd.Series(dtype="string"),
                "cell_size_m": pd.Series(dtype="float64"),
                "n_cells": pd.Series(dtype="int64"),
                "rings": pd.Series(dtype="string"),
            }
        )
    size = cell_size(grid["x"].to_numpy(dtype=float))
    rows = []
    for ref_area, cells in grid.groupby("ref_area", sort=True):
        rings = outline_rings(cells["x"].to_numpy(dtype=float), cells["y"].to_numpy(dtype=float), size)
        rows.append(
            {
                "ref_area": str(ref_area),
                "cell_size_m": size,
                "n_cells": len(cells),
                "rings": json.dumps(rings),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMN_COMMENTS))


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Read the grid's cell centres, write curated.area_outlines with its comments."""
    grid = con.execute("select ref_area, x, y from staging.stg_population_grid").df()
    wh.load_frame(con, "curated", "area_outlines", outlines_frame(grid))
    wh.comment_on(con, "curated.area_outlines", TABLE_COMMENT, COLUMN_COMMENTS)
