"""The indicator registry (config/indicators.yaml): complete, consistent with the project, refused when broken."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.warehouse.registry import (
    LANGUAGES,
    REQUIRED_UN_INDICATORS,
    RegistryError,
    consistency_problems,
    load_registry,
    load_registry_tables,
    registry_frames,
    un_series_codes,
)
from tests.sqlmodels import new_warehouse

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "config" / "indicators.yaml"
CL_SERIES = (
    ROOT / "data" / "reference" / "sdmx" / "dsd_CL_SERIES_2023-02-06_from_worldbank_sdg-metadata-convert.csv"
)
EU_INDICATORS = {
    "sdg_11_10",
    "sdg_11_11",
    "sdg_11_20",
    "sdg_11_31",
    "sdg_11_40",
    "sdg_11_50",
    "sdg_11_52",
    "sdg_11_60",
}


@pytest.fixture(scope="module")
def registry():
    return load_registry(REGISTRY)


def test_every_un_sdg11_indicator_and_the_eu_set_are_listed(registry):
    un = [i.id for i in registry.indicators if i.framework == "UN"]
    assert un == list(REQUIRED_UN_INDICATORS)  # all 15, in framework order, nothing else (11.c has none)
    eu = {i.id: i.eurostat_code for i in registry.indicators if i.framework == "EU"}
    # beside the EU SDG 11 set, sdg_13_10 (greenhouse gases) so that the agendas' climate targets can be assessed
    assert set(eu) == EU_INDICATORS | {"sdg_13_10"}
    assert all(code == indicator for indicator, code in eu.items())
    assert registry.get("sdg_11_31").eurostat_code_verified is False  # the one code not seen in a source


def test_titles_in_three_languages_with_their_source(registry):
    for indicator in registry.indicators:
        for lang in LANGUAGES:
            assert indicator.titles[lang], (indicator.id, lang)
            assert indicator.title_sources[lang], (indicator.id, lang)
    # Revised in 2020: the old French UN text must not be passed off as official.
    assert "own translation" in registry.get("11.a.1").title_sources["fr"]
    assert registry.get("11.6.2").titles["fr"].startswith("Niveau moyen annuel de particules fines")


def test_the_registry_agrees_with_catalog_models_inputs_and_the_dsd(registry):
    problems = consistency_problems(
        registry,
        catalog=load_catalog(ROOT / "data/raw/catalog.yaml"),
        sql_root=ROOT / "src/bisa_sdg/warehouse/sql",
        raw_dir=ROOT / "data/raw",
        un_series=un_series_codes(CL_SERIES),
    )
    assert problems == []


def test_every_indicator_without_values_can_say_why(registry):
    for indicator in registry.indicators:
        assert indicator.status_when_empty in ("no_data", "not_applicable")
        assert len(indicator.reason_when_empty) > 40, indicator.id
        assert indicator.applicability, indicator.id
    # Proxies say so where the coverage table shows them.
    assert "PROXY" in registry.get("11.6.2").note_when_computed
    assert "legal obligation" in registry.get("11.b.2").note_when_computed
    # The 11.1.1 decision is justified in the registry, not only in a commit message.
    assert "not used as EN_LND_SLUM" in registry.get("11.1.1").reason_when_empty


def write_registry(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    mutate(doc["indicators"])
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda entries: entries.pop(0), "UN indicator 11.1.1 is missing"),
        (lambda entries: entries.append(dict(entries[0])), "listed twice"),
        (lambda entries: entries[2].update(reason_when_empty=""), "reason_when_empty"),
        (lambda entries: entries[2].update(status_when_empty="zero"), "status_when_empty"),
        (lambda entries: entries[2]["title"].pop("nl"), "title in 'nl'"),
        (lambda entries: entries[-1].update(eurostat_code=None), "eurostat_code"),
    ],
)
def test_a_broken_registry_is_refused_with_the_reason(tmp_path, mutate, message):
    with pytest.raises(RegistryError, match=message):
        load_registry(write_registry(tmp_path, mutate))


def test_consistency_names_unknown_inputs_models_and_series(tmp_path):
    def break_it(entries):
        entries[9]["inputs"] = ["no_such_source"]
        entries[9]["model"] = "core/ind_missing.sql"
        entries[9]["series"].append({"code": "EN_LND_SLUM", "unit": "PT", "in_dsd": False})
        entries[9]["series"].append({"code": "XX_NOT_UN", "unit": "PT", "in_dsd": True})

    registry = load_registry(write_registry(tmp_path, break_it))
    problems = consistency_problems(
        registry,
        catalog=load_catalog(ROOT / "data/raw/catalog.yaml"),
        sql_root=ROOT / "src/bisa_sdg/warehouse/sql",
        un_series=un_series_codes(CL_SERIES),
    )
    text = "\n".join(problems)
    assert "input 'no_such_source' is not a catalog source" in text
    assert "core/ind_missing.sql not found" in text
    assert "own series EN_LND_SLUM collides" in text
    assert "XX_NOT_UN is marked in_dsd but is not in CL_SERIES" in text


def test_the_registry_is_loaded_as_meta_tables(registry):
    indicators, series = registry_frames(registry)
    assert len(indicators) == len(registry.indicators) and indicators["indicator_id"].is_unique
    assert {"EN_ATM_PM25", "EN_ATM_NO2", "SG_DSR_SILS"} <= set(series["series"])
    con = new_warehouse()
    load_registry_tables(con, REGISTRY)
    counted = con.execute(
        "select count(*), count(distinct indicator_id) from meta.indicator_registry"
    ).fetchone()
    assert counted == (len(registry.indicators), len(registry.indicators))
    units = dict(con.execute("select series, unit_measure from meta.indicator_registry_series").fetchall())
    assert units["EN_ATM_PM25"] == "GPERM3" and units["EN_URB_OPENSP"] == "PT"
