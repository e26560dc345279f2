"""curated.area_outlines: municipal outlines made from the population grid's cells, for the report's map."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from bisa_sdg.warehouse.models.area_outlines_model import build, cell_size, outline_rings, outlines_frame


def test_the_grid_step_is_the_smallest_gap_between_cell_centres() -> None:
    assert cell_size(np.array([150.0, 250.0, 450.0, 150.0])) == 100.0


def test_four_cells_in_a_square_make_one_square_outline() -> None:
    # Centres of 2 × 2 cells of 100 m: the union is the square 0..200 × 0..200 (corners worked out by hand);
    # simplifying by half a cell keeps its four corners.
    xs, ys = np.array([50.0, 150.0, 50.0, 150.0]), np.array([50.0, 50.0, 150.0, 150.0])
    (ring,) = outline_rings(xs, ys, 100.0)
    assert {tuple(p) for p in ring} == {(0, 0), (200, 0), (200, 200), (0, 200)}


def test_an_area_in_two_pieces_keeps_both_and_a_hole_is_a_ring() -> None:
    # Two cells 300 m apart: two outer rings.
    assert len(outline_rings(np.array([50.0, 450.0]), np.array([50.0, 50.0]), 100.0)) == 2
    # A 3 × 3 block without its centre cell: one outer ring and one hole.
    cells = [(x, y) for x in (50.0, 150.0, 250.0) for y in (50.0, 150.0, 250.0) if (x, y) != (150.0, 150.0)]
    xs, ys = np.array([c[0] for c in cells]), np.array([c[1] for c in cells])
    assert len(outline_rings(xs, ys, 100.0)) == 2


def test_one_row_per_area_with_its_rings_as_json() -> None:
    grid = pd.DataFrame(
        {"ref_area": ["21001", "21001", "21004"], "x": [50.0, 150.0, 550.0], "y": [50.0, 50.0, 50.0]}
    )
    frame = outlines_frame(grid)
    assert list(frame["ref_area"]) == ["21001", "21004"]
    assert list(frame["n_cells"]) == [2, 1]
    assert {tuple(p) for p in json.loads(frame.iloc[0]["rings"])[0]} == {
        (0, 0),
        (200, 0),
        (200, 100),
        (0, 100),
    }


def test_no_grid_gives_an_empty_typed_table() -> None:
    con = duckdb.connect()
    con.execute("create schema curated")
    con.execute("create schema staging")
    con.execute("create table staging.stg_population_grid (ref_area varchar, x double, y double)")
    build(con)
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() where table_name = 'area_outlines'"
        ).fetchall()
    )
    assert types == {"ref_area": "VARCHAR", "cell_size_m": "DOUBLE", "n_cells": "BIGINT", "rings": "VARCHAR"}
    assert con.execute("select count(*) from curated.area_outlines").fetchone() == (0,)
