"""The population grid and the Lambert 72 projection, on shapes whose answer can be counted by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.sources import read_source
from bisa_sdg.sources.geo import (
    WGS84_TO_LAMBERT72_PIPELINE,
    cell_id,
    grid_cells,
    project_to_lambert72,
    wgs84_to_lambert72,
)

ROOT = Path(__file__).resolve().parents[1]


def test_a_square_aligned_with_the_grid():
    # 300 m × 200 m square from (1000, 2000): 3 columns × 2 rows of 100 m cells = 6 cells, each 1/6 of the people.
    cells = grid_cells({"A": box(1000, 2000, 1300, 2200)}, 100)
    assert len(cells) == 6
    assert sorted(cells["x"].unique()) == [1050.0, 1150.0, 1250.0]
    assert sorted(cells["y"].unique()) == [2050.0, 2150.0]
    assert cells["weight"].tolist() == pytest.approx([1 / 6] * 6)
    assert cells["weight"].sum() == pytest.approx(1.0)
    # cell_id names the size and the lower-left corner of the cell.
    assert set(cells["cell_id"]) == {
        "100mE1000N2000",
        "100mE1100N2000",
        "100mE1200N2000",
        "100mE1000N2100",
        "100mE1100N2100",
        "100mE1200N2100",
    }
    assert cell_id(1000, 2000, 100) == "100mE1000N2000"


def test_a_square_off_the_grid_keeps_the_cells_whose_centroid_is_inside():
    # 1020..1320 × 2020..2220: centroids x 1050, 1150, 1250 (1350 > 1320 is out), y 2050, 2150 (2250 is out).
    # 3 × 2 = 6 cells, although the square overlaps 4 × 3 = 12 cells.
    cells = grid_cells({"A": box(1020, 2020, 1320, 2220)}, 100)
    assert len(cells) == 6
    assert cells["x"].min() == 1050.0 and cells["x"].max() == 1250.0


def test_neighbours_never_share_a_cell_and_each_sums_to_one():
    # A = 1000..1250, B = 1250..1500 (× 2000..2100), sharing the edge x = 1250.
    # A holds centroids 1050 and 1150 (1250 lies on the edge, strictly inside neither); B holds 1350 and 1450.
    cells = grid_cells({"A": box(1000, 2000, 1250, 2100), "B": box(1250, 2000, 1500, 2100)}, 100)
    assert cells.groupby("ref_area")["x"].apply(sorted).to_dict() == {
        "A": [1050.0, 1150.0],
        "B": [1350.0, 1450.0],
    }
    assert cells.groupby("ref_area")["weight"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert not cells.duplicated(["cell_id"]).any()


def test_a_multipolygon_spreads_over_all_its_parts():
    # Two 200 × 100 m parts, 2 cells each: 4 cells of weight 1/4.
    shape = MultiPolygon([box(0, 0, 200, 100), box(1000, 0, 1200, 100)])
    cells = grid_cells({"A": shape}, 100)
    assert sorted(cells["x"]) == [50.0, 150.0, 1050.0, 1150.0]
    assert cells["weight"].tolist() == pytest.approx([0.25] * 4)


def test_a_polygon_with_a_hole_leaves_the_hole_empty():
    # 400 × 400 square (16 cells) with a 200 × 200 hole in the middle (4 cells): 12 cells of 1/12.
    shape = Polygon(
        [(0, 0), (400, 0), (400, 400), (0, 400)],
        holes=[[(100, 100), (300, 100), (300, 300), (100, 300)]],
    )
    cells = grid_cells({"A": shape}, 100)
    assert len(cells) == 12
    assert not ((cells["x"] == 150) & (cells["y"] == 150)).any()
    assert cells["weight"].sum() == pytest.approx(1.0)


def test_an_area_too_small_for_any_centroid_keeps_its_people_in_one_point():
    # 30 × 30 m square between centroids: no 100 m centroid inside, so one point (weight 1) inside the square.
    cells = grid_cells({"tiny": box(1010, 2010, 1040, 2040)}, 100)
    assert len(cells) == 1
    assert cells["weight"].iloc[0] == 1.0
    assert shapely.contains_xy(box(1010, 2010, 1040, 2040), cells["x"].iloc[0], cells["y"].iloc[0])
    assert cells["cell_id"].iloc[0] == "100mE1000N2000"


def test_other_cell_sizes_and_bad_input():
    # 1 km × 1 km at 250 m: 4 × 4 = 16 cells.
    assert len(grid_cells({"A": box(0, 0, 1000, 1000)}, 250)) == 16
    assert grid_cells({}, 100).empty
    with pytest.raises(ValueError, match="cell_size"):
        grid_cells({"A": box(0, 0, 1, 1)}, 0)
    with pytest.raises(ValueError, match="empty geometry"):
        grid_cells({"A": Polygon()}, 100)


def test_projection_matches_stib_own_lambert_coordinates():
    # STIB publishes stop 3017 Bourget at Lambert 72 (154334, 174200) and WGS84 (50.878151 N, 4.430334 E).
    x, y = wgs84_to_lambert72([4.430334], [50.878151])
    assert x[0] == pytest.approx(154334, abs=0.5)
    assert y[0] == pytest.approx(174200, abs=0.5)
    # A 0.001° × 0.001° box there is about 70 m (east) × 111 m (north) = ~7 800 m².
    projected = project_to_lambert72(box(4.430, 50.878, 4.431, 50.879))
    assert projected.area == pytest.approx(70.3 * 111.2, rel=0.01)


def test_the_numpy_steps_give_what_proj_gives_for_the_pinned_pipeline():
    # geo.py carries out the pipeline's five steps itself (pyproj is a test dependency only); PROJ runs the
    # same pipeline string here, on a 60 × 60 grid over Belgium and a little beyond (2–7 E, 49–52 N).
    proj = pyproj.Transformer.from_pipeline(WGS84_TO_LAMBERT72_PIPELINE)
    lon, lat = (axis.ravel() for axis in np.meshgrid(np.linspace(2.0, 7.0, 60), np.linspace(49.0, 52.0, 60)))
    expected_x, expected_y = proj.transform(lon, lat)
    x, y = wgs84_to_lambert72(lon, lat)
    assert np.abs(x - expected_x).max() < 1e-6
    assert np.abs(y - expected_y).max() < 1e-6
    # Unreadable coordinates stay unreadable, and do not spoil their neighbours.
    x, y = wgs84_to_lambert72(np.array([4.430334, np.nan]), np.array([50.878151, 50.0]))
    assert np.isnan(x[1]) and np.isnan(y[1])
    assert x[0] == pytest.approx(154334, abs=0.5)


def test_pinned_projection_is_the_operation_proj_itself_picks_over_belgium():
    # PROJ's own search from EPSG:4326 to EPSG:31370 (what geo.py used before the operation was pinned), on a
    # 40 × 40 grid over EPSG:15929's area of use (Belgium onshore, 2.5–6.4 E, 49.5–51.51 N).
    searched = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
    lon, lat = (axis.ravel() for axis in np.meshgrid(np.linspace(2.6, 6.3, 40), np.linspace(49.6, 51.4, 40)))
    expected_x, expected_y = searched.transform(lon, lat)
    x, y = wgs84_to_lambert72(lon, lat)
    assert np.abs(x - expected_x).max() < 1e-6
    assert np.abs(y - expected_y).max() < 1e-6


def test_real_boundaries_grid_is_complete():
    """The 19 municipalities' polygons gridded at 100 m (its cost is in benchmarks/bench_readers.py)."""
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    frame = read_source(catalog.get("statbel_boundaries"), ROOT / "data/raw", profile)
    assert set(frame["refnis"]) == set(profile.municipalities)
    assert frame.groupby("refnis")["weight"].sum().tolist() == pytest.approx([1.0] * 19)
    # 162.5 km² of polygons at 100 m cells (0.01 km²) ≈ 16 250 cells; Saint-Josse (1.155 km²) ≈ 116.
    assert len(frame) == pytest.approx(16_250, rel=0.01)
    assert (frame["refnis"] == "21014").sum() == pytest.approx(116, abs=5)
    assert not frame.duplicated(["cell_id"]).any()
