"""curated.framework_coverage: the UMF matrix, the mapping file and its one verified link."""

from __future__ import annotations

from pathlib import Path

import pytest

from bisa_sdg.config.framework import load_framework_map, umf_cells
from bisa_sdg.warehouse.assessment_tables import load_framework_tables
from tests.sqlmodels import load, new_warehouse, run_models

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "config" / "framework_map.csv"
EXCERPT = ROOT / "docs" / "sources" / "umf.md"


def _excerpt() -> str:
    """docs/sources/umf.md as one line, the Markdown quote marks removed."""
    lines = EXCERPT.read_text(encoding="utf-8").splitlines()
    return " ".join(" ".join(line.removeprefix(">").strip() for line in lines).split())


def test_umf_matrix_is_5_domains_by_4_objectives_as_the_source_says() -> None:
    cells = umf_cells()
    assert len(cells) == 20 and cells["cell_id"].is_unique
    text = _excerpt()
    # the source: "a matrix of five domains ( society , economy , environment , culture and governance and
    # implementation by four objectives ( safe and peaceful , inclusive , resilient , and sustainable )"
    assert (
        "matrix of five domains ( society , economy , environment , culture and governance and implementation"
        in text
    )
    assert "four objectives ( safe and peaceful , inclusive , resilient , and sustainable )" in text
    assert set(cells["objective"]) == {"safe and peaceful", "inclusive", "resilient", "sustainable"}


def test_the_verified_link_matches_its_cited_source() -> None:
    """Road deaths -> society x safe: the cited article gives exactly this as its example of the cell."""
    mapping = load_framework_map(MAP)
    verified = mapping[mapping["verified"] == "yes"]
    assert list(verified["cell_id"]) == ["umf:society:safe"]
    (row,) = verified.to_dict("records")
    assert row["series"] == "ROAD_DEATHS_RATE" and row["indicator_id"] == "sdg_11_40"
    excerpt = _excerpt()
    assert "https://viewer.joomag.com/eda-journal-vol-15-no-3/0650850001670510798/p12" in row["link_source"]
    assert "https://viewer.joomag.com/eda-journal-vol-15-no-3/0650850001670510798/p12" in excerpt
    assert "their priority for a safer society is reducing traffic fatalities" in excerpt
    # every other link is own judgement and says so
    others = mapping[mapping["verified"] != "yes"]
    assert (others["verified"] == "UNVERIFIED").all() and others["link_source"].str.startswith(
        "Own judgement"
    ).all()


def test_bad_map_rows_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "framework_map.csv"
    bad.write_text(
        "framework,domain,objective,indicator_id,series,verified,link_source,note\n"
        "umf,society,peaceful,11.2.1,SP_TRN_PUBL,maybe,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="3 problem"):
        load_framework_map(bad)


def test_coverage_lists_all_cells_with_computed_flags_and_verdicts() -> None:
    con = new_warehouse()
    load_framework_tables(con, MAP)
    load(
        con,
        "meta.profile_areas",
        [{"ref_area": "R", "level": "region"}, {"ref_area": "A", "level": "municipality"}],
    )
    load(
        con,
        "meta.targets",
        [
            {
                "target_id": "nua_road_safety",
                "agenda": "new_urban_agenda",
                "indicator_id": "sdg_11_40",
                "series": "ROAD_DEATHS_RATE",
                "citation": "A/RES/71/256 para 113",
                "note": "no numbers",
            },
        ],
    )
    load(
        con,
        "curated.indicator_values",
        [{"series": "ROAD_DEATHS_RATE", "ref_area": a, "time_period": 2023, "obs_value": 1.0} for a in "RA"],
    )
    # region headline rows of road deaths: two targets, one on track, one not assessed; a municipal row ignored
    load(
        con,
        "curated.progress",
        [
            {
                "series": "ROAD_DEATHS_RATE",
                "ref_area": "R",
                "target_id": "nua_road_safety",
                "headline": True,
                "light": "on_track",
            },
            {
                "series": "ROAD_DEATHS_RATE",
                "ref_area": "R",
                "target_id": "eu_x",
                "headline": True,
                "light": None,
            },
            {
                "series": "ROAD_DEATHS_RATE",
                "ref_area": "R",
                "target_id": "eu_x",
                "headline": False,
                "light": "on_track",
            },
            {
                "series": "ROAD_DEATHS_RATE",
                "ref_area": "A",
                "target_id": "nua_road_safety",
                "headline": True,
                "light": "on_track",
            },
        ],
    )
    run_models(con, "curated.framework_coverage")
    cells = con.execute(
        "select count(distinct cell_id) from curated.framework_coverage where framework = 'UMF'"
    ).fetchone()
    assert cells == (20,)
    safe = con.execute(
        "select computed, areas_with_values, cell_covered, n_verdict_rows, n_on_track, n_not_assessed "
        "from curated.framework_coverage where cell_id = 'umf:society:safe' and series = 'ROAD_DEATHS_RATE'"
    ).fetchone()
    assert safe == (True, 2, True, 2, 1, 1)
    nua = con.execute(
        "select n_verdict_rows, n_on_track, link_verified from curated.framework_coverage where framework = 'NUA'"
    ).fetchone()
    assert nua == (1, 1, "yes")  # only the commitment's own target row counts
    empty = con.execute(
        "select series, computed, cell_covered from curated.framework_coverage where cell_id = 'umf:economy:safe'"
    ).fetchall()
    assert empty == [(None, False, False)]
