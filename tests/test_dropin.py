"""Drop-in inputs: a source with no file yet reads as an empty, typed, valid frame; a dropped file is read and hashed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.run import steps as p
from bisa_sdg.sources import read_source
from bisa_sdg.sources.dropin import InputFormatError, dropped_files
from bisa_sdg.validation.schema import load_schema, validate_frame
from tests.conftest import sample_config

ROOT = Path(__file__).resolve().parents[1]
DROP_IN = (
    "cspart_scorecard",
    "heritage_expenditure",
    "harassment_survey",
    "urban_policy_evaluation",
    "sendai_drr_scorecard",
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The raw folder's catalog and drop-in READMEs, the schemas and the profile, copied (no data files needed)."""
    raw = tmp_path / "data/raw"
    raw.mkdir(parents=True)
    shutil.copy(ROOT / "data/raw/catalog.yaml", raw / "catalog.yaml")
    for folder in DROP_IN:
        shutil.copytree(ROOT / "data/raw" / folder, raw / folder)
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path


@pytest.mark.parametrize("source_id", DROP_IN)
def test_no_file_yet_reads_as_an_empty_valid_frame(project, source_id):
    config = sample_config(project)
    catalog, profile = p.load_configuration(config)
    source = catalog.get(source_id)
    assert source.files == () and source.extra["drop_folder"] == source_id
    frame, hashes, warnings = p.ingest_source(source, config, profile)
    assert frame.empty and hashes == {} and warnings == []
    schema = load_schema(config.schemas_dir / f"{source.schema}.yaml")
    assert set(schema.columns) <= set(frame.columns)  # the documented columns are there, typed
    assert validate_frame(frame, schema, profile).empty


def test_a_dropped_file_is_read_hashed_and_reported_until_catalogued(project):
    config = sample_config(project)
    catalog, profile = p.load_configuration(config)
    dropped = config.raw_dir / "sendai_drr_scorecard" / "scores_2026.csv"
    dropped.write_text(
        "ref_area,time_period,strategy_id,strategy_title,key_element,score,remark\n"
        + "".join(f"04000,2026,S,strategy,{k},0.5,extra columns are ignored\n" for k in range(1, 11)),
        encoding="utf-8",
    )
    source = catalog.get("sendai_drr_scorecard")
    assert dropped_files(source, config.raw_dir) == ["sendai_drr_scorecard/scores_2026.csv"]
    frame, hashes, warnings = p.ingest_source(source, config, profile)
    assert len(frame) == 10 and frame["score"].tolist() == [0.5] * 10
    assert frame["key_element"].dtype == "Int64" and frame["_line"].tolist() == list(range(2, 12))
    assert list(hashes) == ["sendai_drr_scorecard/scores_2026.csv"]
    assert "not listed in data/raw/catalog.yaml" in warnings[0] and next(iter(hashes.values())) in warnings[0]
    schema = load_schema(config.schemas_dir / "sendai_drr_scorecard.yaml")
    assert validate_frame(frame, schema, profile).empty


def test_a_dropped_file_without_the_documented_columns_is_refused(project):
    config = sample_config(project)
    catalog, profile = p.load_configuration(config)
    (config.raw_dir / "cspart_scorecard" / "answers.csv").write_text(
        "city,answer\n21004,3\n", encoding="utf-8"
    )
    with pytest.raises(InputFormatError, match=r"answers.csv: columns \['ref_area'"):
        read_source(catalog.get("cspart_scorecard"), config.raw_dir, profile)


def test_bad_values_in_a_dropped_file_name_file_row_and_rule(project):
    config = sample_config(project)
    catalog, profile = p.load_configuration(config)
    (config.raw_dir / "cspart_scorecard" / "answers.csv").write_text(
        "ref_area,time_period,evaluator_id,evaluator_sector,question,score\n"
        "21004,2026,E1,academia,1,3\n"
        "21004,2026,E1,academia,2,5\n",
        encoding="utf-8",
    )
    frame = read_source(catalog.get("cspart_scorecard"), config.raw_dir, profile)
    issues = validate_frame(frame, load_schema(config.schemas_dir / "cspart_scorecard.yaml"), profile)
    assert issues[["file", "row", "column", "rule"]].values.tolist() == [
        ["cspart_scorecard/answers.csv", 3, "score", "likert_1_to_4"]
    ]


def test_one_ppp_factor_per_area_and_year():
    profile = load_profile(ROOT / "config/profiles/brussels.yaml")
    schema = load_schema(ROOT / "schemas/heritage_expenditure.yaml")
    rows = [
        ("04000", 2024, "public", "cultural", "regional", 100.0, 0.85),
        ("04000", 2024, "public", "natural", "regional", 100.0, 0.86),  # a second factor for the same year
        ("04000", 2023, "public", "natural", "regional", 100.0, 0.80),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "ref_area",
            "time_period",
            "funding",
            "heritage_type",
            "level_of_government",
            "expenditure_lcu",
            "lcu_per_ppp_usd",
        ],
    )
    frame.insert(0, "_line", range(2, 5))
    frame.insert(0, "_file", "heritage_expenditure/x.csv")
    frame["time_period"] = frame["time_period"].astype("Int64")
    issues = validate_frame(frame, schema, profile)
    assert issues[["row", "rule"]].values.tolist() == [
        [2, "one_conversion_factor_per_year"],
        [3, "one_conversion_factor_per_year"],
    ]


def test_the_shipped_drop_in_folders_hold_only_their_readme():
    catalog = load_catalog(ROOT / "data/raw/catalog.yaml")
    for source_id in DROP_IN:
        assert dropped_files(catalog.get(source_id), ROOT / "data/raw") == [], source_id
        assert (ROOT / "data/raw" / source_id / "README.md").is_file()


def test_the_pipeline_skips_only_drop_ins_that_have_no_file_yet(project, monkeypatch):
    config = sample_config(project)
    catalog, profile = p.load_configuration(config)
    sources = [catalog.get(source_id) for source_id in DROP_IN]
    (config.raw_dir / "cspart_scorecard" / "answers.csv").write_text(
        "ref_area,time_period,evaluator_id,evaluator_sector,question,score\n21004,2026,E1,academia,2,5\n",
        encoding="utf-8",
    )
    frames = {source.id: read_source(source, config.raw_dir, profile) for source in sources}
    validated: list[str] = []
    real_validate_any = p.validate_any

    def recording(frame, schema, *args):
        validated.append(schema.source)
        return real_validate_any(frame, schema, *args)

    monkeypatch.setattr(p, "validate_any", recording)
    issues = p.validate_sources(frames, config, catalog, profile)
    assert validated == ["cspart_scorecard"]  # the four without a file are not validated
    assert issues[["file", "row", "rule"]].values.tolist() == [
        ["cspart_scorecard/answers.csv", 2, "likert_1_to_4"]
    ]


@pytest.mark.parametrize("source_id", DROP_IN)
def test_the_catalog_declares_the_schema_columns_of_a_drop_in_source(source_id):
    # The generic reader types the columns the catalog lists; the schema checks them: the two lists must be the
    # same names with the same kinds, or a dropped file would be read one way and checked another.
    source = load_catalog(ROOT / "data/raw/catalog.yaml").get(source_id)
    assert source.extra["reader"] == "dropin"
    schema_columns = load_yaml_columns(ROOT / "schemas" / f"{source.schema}.yaml")
    assert source.extra["columns"] == schema_columns


def load_yaml_columns(path: Path) -> dict[str, str]:
    import yaml

    return {name: spec["dtype"] for name, spec in yaml.safe_load(path.read_text())["columns"].items()}


def test_a_drop_in_entry_without_columns_or_with_an_unknown_kind_is_refused(project):
    from bisa_sdg.config.catalog import CatalogError

    catalog_path = project / "data/raw/catalog.yaml"
    text = catalog_path.read_text()
    catalog_path.write_text(text.replace("      score: int\n", "      score: integer\n", 1))
    source = load_catalog(catalog_path).get("cspart_scorecard")
    with pytest.raises(CatalogError, match=r"column kinds \{.score.: .integer.\} are not one of"):
        read_source(source, project / "data/raw", load_profile(project / "config/profiles/brussels.yaml"))
