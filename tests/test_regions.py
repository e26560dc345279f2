"""Region profiles: names, the sources each region uses, renumbered codes, and the Walloon profile end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from bisa_sdg.cli import main
from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import ProfileError, list_profiles, load_profile, resolve_profile
from bisa_sdg.parsing import parse_count
from bisa_sdg.run import steps as p
from bisa_sdg.run.regions import profile_targets, select_sources
from bisa_sdg.sources.area_codes import recode_areas
from bisa_sdg.warehouse import database as wh

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "config/profiles"
BRUSSELS_ONLY = {
    "published_population_region",
    "published_builtup_share",
    "statbel_road_victims",
    "stib_stops",
    "sncb_stations",
    "statbel_boundaries",
}


def test_profiles_are_listed_and_resolved_by_name(capsys):
    assert {"brussels", "wallonia"} <= set(list_profiles(PROFILES))
    assert resolve_profile("wallonia", PROFILES) == PROFILES / "wallonia.yaml"
    assert resolve_profile(str(PROFILES / "brussels.yaml"), PROFILES) == PROFILES / "brussels.yaml"
    with pytest.raises(ProfileError, match=r"known: .*brussels"):
        resolve_profile("atlantis", PROFILES)
    assert main(["profiles", "--profiles-dir", str(PROFILES)]) == 0
    assert {"brussels", "wallonia"} <= set(capsys.readouterr().out.split())


def test_the_walloon_profile_is_the_statbel_region(tmp_path: Path):
    profile = load_profile(PROFILES / "wallonia.yaml")
    area = pd.read_csv(ROOT / "data/raw/statbel_area/bnosac_BE_ADMIN_MUNTY_attributes_all589.csv", dtype=str)
    walloon_2011 = set(area.loc[area["CD_RGN_REFNIS"] == "3000", "CD_MUNTY_REFNIS"])
    changes = profile.area_code_changes
    assert changes is not None and len(changes.codes) == 11
    assert {changes.codes.get(code, code) for code in walloon_2011} == set(profile.municipalities)
    assert len(profile.municipalities) == 262 and profile.region_code == "03000"
    populations = {}
    for year in (2018, 2019, 2020):
        text = pd.read_csv(
            ROOT / f"data/raw/statbel_population/vandenbroucke_belgian_municipalities_{year}.csv", dtype=str
        )
        text["NIS_code"] = text["NIS_code"].str.strip()
        walloon = text[text["region_FR"] == "Région wallonne"].set_index("NIS_code")
        populations[year] = walloon
        expected = set(profile.municipalities) if year >= changes.from_year else walloon_2011
        assert set(walloon.index) == expected, year
    # A renumbering, not a merger: same name, about the same population the year before and after.
    for old, new in changes.codes.items():
        before, after = populations[2018].loc[old], populations[2019].loc[new]
        assert before["municipality_FR"] == after["municipality_FR"]
        assert abs(parse_count(after["inhabitants"]) / parse_count(before["inhabitants"]) - 1) < 0.03


def test_another_region_uses_only_its_sources():
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    wallonia = select_sources(catalog, load_profile(PROFILES / "wallonia.yaml"))
    used = {source.id for source in wallonia.sources}
    assert {"statbel_population", "statbel_area", "fpb_indicators_waste_by_region"} <= used
    assert not used & BRUSSELS_ONLY
    brussels = select_sources(catalog, load_profile(PROFILES / "brussels.yaml"))
    assert brussels.sources == catalog.sources  # sources: all
    assert load_profile(PROFILES / "brussels.yaml").region_total_reference == "published_population_region"
    assert load_profile(PROFILES / "wallonia.yaml").region_total_reference is None
    # The targets set by or for Brussels itself do not bind Wallonia.
    walloon_targets = profile_targets(load_profile(PROFILES / "wallonia.yaml"))
    assert len(walloon_targets) and "region" not in set(walloon_targets["applies_to"])


def write_profile(tmp_path: Path, **changes) -> Path:
    """The Walloon profile with changes, in a copy of config/ (so its relative files resolve)."""
    doc = yaml.safe_load((PROFILES / "wallonia.yaml").read_text(encoding="utf-8"))
    doc.update(changes)
    config = tmp_path / "config"
    if not config.exists():
        shutil.copytree(ROOT / "config", config)
    path = config / "profiles" / "test.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_profiles_that_cannot_be_honoured_are_refused(tmp_path: Path):
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    typo = load_profile(write_profile(tmp_path, sources=["statbel_populaton"]))
    with pytest.raises(ProfileError, match="statbel_populaton"):
        select_sources(catalog, typo)
    with pytest.raises(ProfileError, match="not one of the profile's sources"):
        load_profile(write_profile(tmp_path, region_total={"reference": "published_population_region"}))
    merger = {
        "from_year": 2019,
        "columns": {"statbel_population": "refnis"},
        "codes": {"44001": "44084", "44049": "44084"},  # Aalter + Knesselare -> Aalter (Flanders 2019)
    }
    with pytest.raises(ProfileError, match="merger"):
        load_profile(write_profile(tmp_path, area_code_changes=merger))


def test_recoding_keeps_the_published_code_and_respects_the_year():
    profile = load_profile(PROFILES / "wallonia.yaml")
    frame = pd.DataFrame(
        {"refnis": ["52043", "52043", "62063"], "time_period": [2018, 2019, 2018], "population": [1, 2, 3]}
    )
    out = recode_areas(frame, "statbel_population", profile)
    assert list(out["refnis"]) == ["55086", "52043", "62063"]  # 2019 keeps an old code: validation flags it
    assert list(out["refnis_raw"]) == ["52043", "52043", "62063"]
    assert recode_areas(frame, "stib_stops", profile) is frame  # a source the change does not concern


def repository_config(profile_path: Path, tmp_path: Path, output: str = "w") -> p.PipelineConfig:
    """The repository's raw data and schemas with another profile, writing under ``tmp_path/output``."""
    return p.PipelineConfig(
        raw_dir=ROOT / "data/raw",
        schemas_dir=ROOT / "schemas",
        profile_path=profile_path,
        warehouse=tmp_path / output / "bisa_sdg.duckdb",
        reports_dir=tmp_path / "reports",
    )


def test_wallonia_end_to_end(wallonia_build):
    """The plain pipeline functions (no Prefect) on the repository's raw data with the Walloon profile."""
    warehouse, issues = wallonia_build
    assert issues.empty, issues.to_string()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert wh.undocumented(con) == []
        assert {"areas", "population", "indicator_values"} <= set(wh.curated_tables(con))
        areas = con.execute(
            "select level, count(*) from curated.areas group by level order by level"
        ).fetchall()
        assert areas == [("municipality", 262), ("region", 1)]
        assert con.execute("select count(*) from curated.areas where name_fr is null").fetchall() == [(0,)]
        sums = con.execute(
            """select time_period,
                   sum(population) filter (where ref_area <> '03000'),
                   max(population) filter (where ref_area = '03000'),
                   count(*) filter (where ref_area <> '03000')
               from curated.population group by time_period order by time_period"""
        ).fetchall()
        # Statbel's files 2009–2015 (R data), the compilations 2018–2020 and 2022, all with every municipality
        assert [row[0] for row in sums] == [*range(2009, 2016), 2018, 2019, 2020, 2022]
        assert all(municipal == region and n == 262 for _, municipal, region, n in sums)
        # La Louvière under its 2019 code before 2019 too (renumbered, same territory): all 11 years
        assert con.execute("select count(*) from curated.population where ref_area = '58001'").fetchall() == [
            (11,)
        ]
        # 11.3.1 for every Walloon municipality: six yearly periods 2009–2010 … 2014–2015 from Statbel's cadastre,
        # less the periods in which a municipality's population did not change (PGR = 0: the ratio is undefined)
        periods = con.execute(
            "select count(distinct ref_area), count(*) from curated.indicator_values "
            "where series = 'EN_LND_CNSPOP' and ref_area <> '03000'"
        ).fetchall()
        (zero_growth,) = con.execute(
            "select count(*) from curated.indicator_values where series = 'POPULATION_GROWTH_RATE' "
            "and ref_area <> '03000' and obs_value = 0"
        ).fetchone()
        assert periods == [(262, 262 * 6 - zero_growth)]
        values = con.execute(
            "select distinct indicator_id, series, ref_area from curated.indicator_values order by all"
        ).fetchall()
        assert ("11.6.1", "MSW_COLLECTED_PER_CAPITA", "03000") in values
        assert ("sdg_11_60", "RECYCLING_RATE_PRE2020", "03000") in values
        assert all(
            area == "03000" or area in load_profile(PROFILES / "wallonia.yaml").municipalities
            for _, _, area in values
        )
        # Brussels material is never read: not in meta.sources, and its raw tables are empty stand-ins.
        used = {r[0] for r in con.execute("select source_id from meta.sources").fetchall()}
        assert not used & BRUSSELS_ONLY
        for table in BRUSSELS_ONLY:
            assert con.execute(f"select count(*) from raw.{table}").fetchall() == [(0,)]  # noqa: S608 - constant names


def test_the_walloon_ref_area_map_covers_the_profile():
    from bisa_sdg.publish.sdmx import check_ref_area_map, load_dsd, load_ref_area_map

    profile = load_profile(PROFILES / "wallonia.yaml")
    assert profile.sdmx_ref_area_path is not None
    ref_area_map = load_ref_area_map(profile.sdmx_ref_area_path)
    assert set(profile.area_codes) <= set(ref_area_map.to_sdmx)
    assert ref_area_map.to_sdmx["03000"] == "BE3" and ref_area_map.to_sdmx["58001"] == "BE_58001"
    dsd = load_dsd(ROOT / "data/reference/sdmx/SDG_DSD_global_IAEG-SDGs_from_brockfanning_2021-07.xml")
    assert check_ref_area_map(ref_area_map, dsd) == []


@pytest.mark.parametrize("only", ["statbel_area", "unsd_sdg_api"])
def test_every_model_binds_on_empty_stand_ins(tmp_path: Path, only: str):
    """A region may lack any source: every raw table a model reads must be describable by its schema.

    If this fails with 'Referenced column X not found', declare column X in schemas/<source>.yaml (for
    example ``X: {dtype: string, nullable: true}``): the region without that source gets an empty table
    with the schema's columns (bisa_sdg.run.regions.load_stand_ins).
    """
    profile = write_profile(tmp_path, sources=[only], region_total={"reference": None})
    config = repository_config(profile, tmp_path, "empty")
    catalog, loaded = p.load_configuration(config)
    assert [source.id for source in catalog.sources] == [only]
    frame, hashes, _ = p.ingest_source(catalog.sources[0], config, loaded)
    ingested = p.Ingested(frames={only: frame}, file_hashes=hashes)
    issues = p.validate_sources(ingested.frames, config, catalog, loaded)
    built, steps = p.build_warehouse(ingested, issues, config, catalog, loaded, p.new_run(config, loaded))
    stand_ins = {step["model"] for step in steps if step["model"].startswith("raw.") and not step["rows"]}
    assert built.exists() and {"raw.statbel_population", "raw.stib_stops"} <= stand_ins
