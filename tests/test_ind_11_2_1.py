"""SDG 11.2.1 (access to public transport): the real SQL models on hand-made cells and stops, the real data
end to end without Prefect, and the three new sources' schemas fed real rows broken the way files break."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.sources import read_source
from bisa_sdg.validation.schema import load_schema, validate_frame
from bisa_sdg.warehouse import database as wh
from tests.sqlmodels import load, new_warehouse, run_models

ROOT = Path(__file__).resolve().parents[1]

# --- hand-made warehouse ------------------------------------------------------------------------------------
# Region R with municipalities A, B and Z. Coordinates are Lambert-72-like metres.
#   A: 4 cells of weight 1/4 on the x axis: A1 (0, 0), A2 (1000, 0), A3 (2000, 0), A4 (3000, 0)
#   B: 2 cells of weight 1/2, far east: B1 (10000, 0), B2 (10000, 2000) — no stop within reach
#   Z: 1 cell (0, 100), weight 1, next to the bus stop, but nobody lives in Z (population 0)
# Stops:
#   bus   (300, 400):   A1 at √(300² + 400²) = 500 m exactly → access (the radius itself counts)
#   bus   (1000, -800): A2 at 800 m, more than a bus stop's 500 m → no access from it
#   metro (2000, 800):  A3 at 800 m ≤ 1 000 m → access; A2 and A4 at √(1000² + 800²) = 1 281 m → none
#   rail  (3000, 900):  A4 at 900 m → access; A3 at √(1000² + 900²) = 1 345 m → none
# So A: A1, A3, A4 have access = 3 of 4 cells = 75 %; B: 0 %.
# Population: 2018 A 1 000 only; 2019 A 1 000, B 1 000, Z 0; 2020 A 1 000, B 3 000, Z 0.
GRID = [
    ("A", "A1", 0.0, 0.0, 0.25),
    ("A", "A2", 1000.0, 0.0, 0.25),
    ("A", "A3", 2000.0, 0.0, 0.25),
    ("A", "A4", 3000.0, 0.0, 0.25),
    ("B", "B1", 10000.0, 0.0, 0.5),
    ("B", "B2", 10000.0, 2000.0, 0.5),
    ("Z", "Z1", 0.0, 100.0, 1.0),
]
STOPS = [
    ("stib_stops", "bus1", "B", 300.0, 400.0),
    ("stib_stops", "bus2", "B", 1000.0, -800.0),
    ("stib_stops", "metro", "M", 2000.0, 800.0),
    ("sncb_stations", "rail", "R", 3000.0, 900.0),
]
POPULATION = {
    (2018, "A"): 1000,
    (2019, "A"): 1000,
    (2019, "B"): 1000,
    (2019, "Z"): 0,
    (2020, "A"): 1000,
    (2020, "B"): 3000,
    (2020, "Z"): 0,
}
RADIUS = {"B": 500.0, "T": 500.0, "M": 1000.0, "R": 1000.0}


def indicator(stops=STOPS, grid=GRID, population=POPULATION) -> dict[tuple[str, int], float]:
    con = new_warehouse()
    load(
        con,
        "meta.profile_areas",
        [
            {"ref_area": "R", "level": "region", "parent_area": "056"},
            *({"ref_area": code, "level": "municipality", "parent_area": "R"} for code in ("A", "B", "Z")),
        ],
    )
    load(
        con,
        "core.population",
        [
            {"ref_area": area, "time_period": year, "population": people, "source": "s", "derived": False}
            for (year, area), people in population.items()
        ],
    )
    load(
        con,
        "staging.stg_population_grid",
        [{"ref_area": a, "cell_id": c, "x": x, "y": y, "weight": w} for a, c, x, y, w in grid],
    )
    load(
        con,
        "staging.stg_pt_stops",
        [
            {
                "source": s,
                "stop_id": i,
                "mode": m,
                "capacity": "high" if RADIUS[m] > 500 else "low",
                "radius_m": RADIUS[m],
                "x": x,
                "y": y,
            }
            for s, i, m, x, y in stops
        ],
    )
    run_models(con, "core.ind_11_2_1")
    rows = con.execute("select ref_area, time_period, obs_value from core.ind_11_2_1").fetchall()
    return {(area, year): value for area, year, value in rows}


def test_hand_worked_shares():
    values = indicator()
    assert values[("A", 2020)] == pytest.approx(75.0)  # 3 of 4 equal cells
    # B has no stop within reach: a real 0, written as a row, not a missing value.
    assert values[("B", 2020)] == 0.0
    # Region 2020: (750 + 0) / (1 000 + 3 000 + 0) = 18.75 %; 2019: 750 / 2 000 = 37.5 %.
    assert values[("R", 2020)] == pytest.approx(18.75)
    assert values[("R", 2019)] == pytest.approx(37.5)
    # Z has nobody: its share is undefined, so no row (and no division by zero); its 0 people count in R.
    assert ("Z", 2020) not in values and ("Z", 2019) not in values
    # 2018 has A only: A gets its value, the region none (a region of one municipality would be wrong).
    assert values[("A", 2018)] == pytest.approx(75.0)
    assert ("R", 2018) not in values
    # A 2018–2020, B 2019–2020, R 2019–2020: 3 + 2 + 2 = 7 rows.
    assert set(values) == {
        ("A", 2018),
        ("A", 2019),
        ("A", 2020),
        ("B", 2019),
        ("B", 2020),
        ("R", 2019),
        ("R", 2020),
    }


def test_region_is_the_population_weighted_mean_of_its_municipalities():
    values = indicator()
    for year in (2019, 2020):
        people = {area: POPULATION[(year, area)] for area in ("A", "B", "Z")}
        shares = {area: values.get((area, year), 0.0) for area in people}  # Z: 0 people, so its share is moot
        weighted = sum(shares[a] * people[a] for a in people) / sum(people.values())
        assert values[("R", year)] == pytest.approx(weighted, rel=1e-12)


def test_exactly_at_the_radius_counts_just_beyond_does_not():
    # bus at (300, 400.5): A1 is √(300² + 400.5²) = 500.40 m away → A1 loses access: A = 2 of 4 = 50 %.
    moved = [("stib_stops", "bus1", "B", 300.0, 400.5), *STOPS[1:]]
    assert indicator(moved)[("A", 2020)] == pytest.approx(50.0)
    # A tram stop counts like a bus stop (500 m): same 75 %. A metro stop in bus1's place reaches 1 000 m:
    # A1 (500 m) and A2 (√(700² + 400²) = 806 m) are in, A3 and A4 keep theirs: 4 of 4 = 100 %.
    assert indicator([("stib_stops", "t", "T", 300.0, 400.0), *STOPS[1:]])[("A", 2020)] == pytest.approx(75.0)
    assert indicator([("stib_stops", "m", "M", 300.0, 400.0), *STOPS[1:]])[("A", 2020)] == pytest.approx(
        100.0
    )


def test_a_station_where_nobody_lives_changes_nothing():
    # A station 50 km away (beyond every cell's reach) and a second stop on top of bus1 change no value.
    extra = [
        *STOPS,
        ("sncb_stations", "far", "R", 50000.0, 50000.0),
        ("stib_stops", "bus1bis", "B", 300.0, 400.0),
    ]
    assert indicator(extra) == indicator()


def test_no_stop_within_reach_gives_zero_everywhere():
    # The only stop is 50 km away: every share is a real 0, and every row is still there.
    values = indicator(stops=[("sncb_stations", "far", "R", 50000.0, 50000.0)])
    assert values[("A", 2020)] == 0.0 and values[("B", 2020)] == 0.0 and values[("R", 2020)] == 0.0


def test_indicator_rows_follow_the_contract():
    con = new_warehouse()
    load(
        con,
        "meta.profile_areas",
        [
            {"ref_area": "R", "level": "region", "parent_area": "056"},
            {"ref_area": "A", "level": "municipality", "parent_area": "R"},
        ],
    )
    load(
        con,
        "core.population",
        [{"ref_area": "A", "time_period": 2020, "population": 10, "source": "s", "derived": False}],
    )
    load(
        con,
        "staging.stg_population_grid",
        [{"ref_area": "A", "cell_id": "c", "x": 0.0, "y": 0.0, "weight": 1.0}],
    )
    load(
        con,
        "staging.stg_pt_stops",
        [
            {
                "source": "stib_stops",
                "stop_id": "s",
                "mode": "B",
                "capacity": "low",
                "radius_m": 500.0,
                "x": 0.0,
                "y": 0.0,
            }
        ],
    )
    run_models(con, "core.ind_11_2_1")
    row = con.execute("select * from core.ind_11_2_1 where ref_area = 'R'").df().iloc[0]
    assert row["obs_value"] == 100.0  # exactly, not 100.00000000000001
    assert (row["indicator_id"], row["series"], row["unit_measure"], row["nature"], row["obs_status"]) == (
        "11.2.1",
        "SP_TRN_PUBL",
        "PT",
        "E",
        "E",
    )
    for words in (
        "straight-line",
        "street network",
        "uniformly",
        "service-frequency",
        "September 2021",
        "truncated",
        "may be incomplete",
        "2020",
    ):
        assert words in row["comment"], words


def test_staging_stops_take_the_un_radius_of_their_capacity():
    con = new_warehouse()
    load(
        con,
        "raw.stib_stops",
        [
            {"stop_id": "1", "mode": "B", "x": 1.0, "y": 1.0},
            {"stop_id": "2", "mode": "T", "x": 2.0, "y": 2.0},
            {"stop_id": "3", "mode": "M", "x": 3.0, "y": 3.0},
            {"stop_id": "4", "mode": "X", "x": 4.0, "y": 4.0},
        ],
    )
    load(
        con,
        "raw.sncb_stations",
        [
            {"stop_id": "S1", "location_type": "1", "x": 5.0, "y": 5.0},
            {
                "stop_id": "1_1",
                "location_type": "0",
                "x": 5.0,
                "y": 5.0,
            },  # a platform of S1: not a stop of its own
        ],
    )
    run_models(con, "staging.stg_pt_stops")
    rows = {
        r[0]: r[1:]
        for r in con.execute("select stop_id, capacity, radius_m from staging.stg_pt_stops").fetchall()
    }
    # An unknown mode gets no radius (validation refuses it before; the model never guesses).
    assert rows == {
        "1": ("low", 500.0),
        "2": ("low", 500.0),
        "3": ("high", 1000.0),
        "4": (None, None),
        "S1": ("high", 1000.0),
    }


# --- the real data, without Prefect -------------------------------------------------------------------------

NEEDED = (
    "statbel_population",
    "published_population_region",
    "stib_stops",
    "sncb_stations",
    "statbel_boundaries",
)


@pytest.fixture(scope="module")
def real():
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    con = new_warehouse()
    wh.load_raw_sources(
        con, {sid: read_source(catalog.get(sid), ROOT / "data/raw", profile) for sid in NEEDED}
    )
    wh.load_meta(con, catalog, profile, {})
    run_models(
        con,
        "staging.stg_population_municipal",
        "staging.stg_population_region_published",
        "core.population",
        "staging.stg_pt_stops",
        "staging.stg_population_grid",
        "core.ind_11_2_1",
    )
    return con, profile


def test_real_data_every_area_and_year(real):
    con, profile = real
    frame = con.execute("select ref_area, time_period, obs_value from core.ind_11_2_1").df()
    # the population years from 2018 on (the stop inventory is of 2021; older years get no value)
    assert set(frame["time_period"]) == {2018, 2019, 2020, 2022}
    for year, group in frame.groupby("time_period"):
        assert set(group["ref_area"]) == set(profile.area_codes), year
    assert frame["obs_value"].between(0, 100).all()


def test_real_region_is_the_population_weighted_mean(real):
    con, _ = real
    frame = con.execute(
        "select i.ref_area, i.time_period, i.obs_value, p.population from core.ind_11_2_1 as i "
        "left join core.population as p using (ref_area, time_period)"
    ).df()
    for year, group in frame.groupby("time_period"):
        municipal = group[group["ref_area"] != "04000"]
        weighted = (municipal["obs_value"] * municipal["population"]).sum() / municipal["population"].sum()
        region = group.loc[group["ref_area"] == "04000", "obs_value"].iloc[0]
        assert region == pytest.approx(weighted, rel=1e-12), year


def test_real_values_are_plausible(real):
    con, _ = real
    values = dict(
        con.execute("select ref_area, obs_value from core.ind_11_2_1 where time_period = 2020").fetchall()
    )
    # Statbel's DataLab: 100 % of Brussels residents within 1 km of a stop and 83 % within 200 m (2020), so
    # a 500 m / 1 km share must be high. Value computed by this pipeline on the shipped files: 94.49 %.
    assert 90 < values["04000"] < 100
    assert values["04000"] == pytest.approx(94.49, abs=0.05)
    # Lowest: Watermael-Boitsfort (21017), more than half Sonian Forest, where uniform spread puts people.
    assert min(values, key=values.get) == "21017"
    # Dense central municipalities are fully covered: Saint-Josse (21014), Saint-Gilles (21013).
    assert values["21014"] == 100.0 and values["21013"] == 100.0


# --- schemas fed real rows, broken ----------------------------------------------------------------------------


def _broken_copy(tmp_path: Path, source_id: str, edit) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copy a source's real file, let ``edit`` break its text, read it back and validate it."""
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    source = catalog.get(source_id)
    (item,) = source.files
    target = tmp_path / item.path
    target.parent.mkdir(parents=True)
    shutil.copy(ROOT / "data/raw" / item.path, target)
    target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
    frame = read_source(source, tmp_path, profile)
    issues = validate_frame(frame, load_schema(ROOT / "schemas" / f"{source.schema}.yaml"), profile)
    return frame, issues


def test_stib_stop_without_mode_and_stops_with_wrong_coordinates(tmp_path):
    def edit(text: str) -> str:
        text = text.replace(  # line 3: Bourget loses its mode
            "3017,Bourget,Bourget,154334.0,174200.0,50.878151,4.430334,B,12",
            "3017,Bourget,Bourget,154334.0,174200.0,50.878151,4.430334,,12",
        )
        text = text.replace(  # line 4: Da Vinci with latitude and longitude swapped
            "5048,Da Vinci,Da Vinci,152934.0,173976.0,50.876146,4.41044,B,12|65",
            "5048,Da Vinci,Da Vinci,152934.0,173976.0,4.41044,50.876146,B,12|65",
        )
        return text.replace(  # line 5: Genève with x typed as 0
            "2695,Genève,Genève,152428.0,172606.0", "2695,Genève,Genève,0,172606.0"
        )

    _, issues = _broken_copy(tmp_path, "stib_stops", edit)
    found = {(int(r.row), r.column, r.rule) for r in issues.itertuples()}
    assert (3, "mode", "not_nullable") in found
    assert {
        (4, "lat", "lat_in_brussels_box"),
        (4, "lon", "lon_in_brussels_box"),
        (4, "xy_offset_m", "coordinate_pairs_agree"),
    } <= found
    assert {(5, "x", "x_in_brussels_box"), (5, "xy_offset_m", "coordinate_pairs_agree")} <= found
    x_issue = issues[(issues["row"] == 5) & (issues["column"] == "x")].iloc[0]
    assert x_issue["value"] == "0" and x_issue["file"] == "stib_stops/stib_2109_stops_unique.csv"
    assert set(issues["severity"]) == {"error"}


def test_stib_unknown_mode_and_duplicate_stop(tmp_path):
    def edit(text: str) -> str:
        text = text.replace(
            "3017,Bourget,Bourget,154334.0,174200.0,50.878151,4.430334,B,12",
            "3017,Bourget,Bourget,154334.0,174200.0,50.878151,4.430334,B|T,12",
        )
        return text.replace("5048,Da Vinci", "3017,Da Vinci")

    _, issues = _broken_copy(tmp_path, "stib_stops", edit)
    assert ((issues["rule"] == "stop_mode") & (issues["value"] == "B|T")).any()
    assert (issues["rule"] == "multiple_fields_uniqueness").any()


def test_sncb_station_with_swapped_or_missing_coordinates(tmp_path):
    def edit(text: str) -> str:
        text = text.replace(
            "S8811106,,Evere,,50.8677800,4.40096300", "S8811106,,Evere,,4.40096300,50.8677800"
        )
        return text.replace(
            "S8811007,,Schaerbeek,,50.8785100,4.37864000", "S8811007,,Schaerbeek,,,4.37864000"
        )

    frame, issues = _broken_copy(tmp_path, "sncb_stations", edit)
    evere = int(frame.loc[frame["stop_id"] == "S8811106", "_line"].iloc[0])
    schaerbeek = int(frame.loc[frame["stop_id"] == "S8811007", "_line"].iloc[0])
    found = {(int(r.row), r.column, r.rule) for r in issues.itertuples()}
    assert {(evere, "lat", "lat_in_brussels_box"), (evere, "x", "x_in_brussels_box")} <= found
    assert (schaerbeek, "lat", "not_nullable") in found


def test_boundaries_with_a_foreign_code_and_a_missing_geometry(tmp_path):
    def edit(text: str) -> str:
        document = json.loads(text)
        document["features"][0]["properties"]["nis"] = "23002"  # Anderlecht relabelled with a Flemish code
        document["features"][13]["geometry"] = None  # the 14th feature (Saint-Josse, 21014) loses its polygon
        return json.dumps(document)

    frame, issues = _broken_copy(tmp_path, "statbel_boundaries", edit)
    rules = set(issues["rule"])
    assert {"region_municipality", "all_region_areas_present", "polygon_valid", "not_nullable"} <= rules
    missing = issues[issues["rule"] == "all_region_areas_present"]
    assert set(missing["value"]) == {"21001"}
    # The feature without geometry keeps one row so the issue can name it: feature 14 of the file.
    assert set(issues.loc[issues["rule"] == "polygon_valid", "row"]) == {14}
    assert (frame["_line"] == 14).sum() == 1


def test_boundaries_with_malformed_geometries_keep_a_row_each(tmp_path):
    # Geometries that are there but unreadable: a polygon without coordinates, a ring of one point, and no type.
    # Each feature keeps one row, reported by the polygon rule at its position in the file (1-based).
    def edit(text: str) -> str:
        document = json.loads(text)
        document["features"][2]["geometry"] = {"type": "Polygon"}
        document["features"][4]["geometry"] = {"type": "Polygon", "coordinates": [[[4.35, 50.85]]]}
        del document["features"][6]["geometry"]["type"]
        return json.dumps(document)

    frame, issues = _broken_copy(tmp_path, "statbel_boundaries", edit)
    assert set(issues.loc[issues["rule"] == "polygon_valid", "row"]) == {3, 5, 7}
    for position in (3, 5, 7):
        assert (frame["_line"] == position).sum() == 1
