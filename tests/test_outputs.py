"""write_outputs on a real warehouse: SDMX read back and compared with the warehouse, extracts, Open SDG files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sdmx
import yaml
from lxml import etree
from openpyxl import load_workbook

from bisa_sdg.contract import BREAKDOWN_COLUMNS
from bisa_sdg.publish import opensdg
from bisa_sdg.publish.extracts import METADATA_SHEET, SHEET_NAME_MAX, WORKBOOK_NAME, sheet_names
from bisa_sdg.publish.outputs import OWNED, OutputError, _write_sdmx, write_outputs
from bisa_sdg.publish.sdmx import load_dsd, load_ref_area_map
from bisa_sdg.publish.snapshot import as_records, read_snapshot
from tests.conftest import ROOT
from tests.outputs_support import RUN_ID, build_sample_warehouse, make_warehouse, settings
from tests.sdmx_validators import pysdmx_findings, sdmxthon_findings

DIMENSIONS = (
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    *(c.upper() for c in BREAKDOWN_COLUMNS),
    "TIME_PERIOD",
)
MANDATORY = ("OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE")


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def written(sample_warehouse, tmp_path_factory) -> tuple[Path, list[Path], dict[str, float]]:
    reports = tmp_path_factory.mktemp("reports")
    (reports / "run_summary.json").write_text("{}\n", encoding="utf-8")  # the flow's file: must survive
    options = settings()
    paths = write_outputs(sample_warehouse, reports, settings=options)
    print(f"\nwrite_outputs timings (s): {options.timings}")
    return reports, paths, options.timings


def warehouse_frame(path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).df()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------------------- layout


def test_every_output_is_in_place_and_nothing_else_is_touched(written) -> None:
    reports, paths, _ = written
    assert all(p.is_file() for p in paths)
    assert {p.name for p in reports.iterdir()} == {*OWNED, "run_summary.json"}
    assert (reports / "run_summary.json").read_text(encoding="utf-8") == "{}\n"
    assert not [p for p in reports.rglob("*") if p.name.startswith(".")]  # no staging or old folders left
    manifest = json.loads((reports / "outputs.json").read_text(encoding="utf-8"))
    assert manifest["release"] is None and manifest["label"].startswith("unreleased run ")
    for relative, entry in manifest["files"].items():
        assert sha(reports / relative) == entry["sha256"]
    # every file of the folder but the manifest itself, the run's summary included
    on_disk = {str(p.relative_to(reports)) for p in reports.rglob("*") if p.is_file()} - {"outputs.json"}
    assert set(manifest["files"]) == on_disk
    assert manifest["files"]["run_summary.json"]["sha256"] == hashlib.sha256(b"{}\n").hexdigest()


# ----------------------------------------------------------------------------------------- SDMX


def expected_un_observations(warehouse: Path) -> dict[tuple[str, ...], tuple[float, dict[str, str]]]:
    """What the SDMX files must hold: every curated observation of a UN series (CL_SERIES of the DSD) for the
    published areas, except those resting on synthetic inputs."""
    dsd = load_dsd(settings().dsd_path)
    to_sdmx = load_ref_area_map(settings().ref_area_map_path).to_sdmx
    values = warehouse_frame(
        warehouse,
        "select v.* from curated.indicator_values v join curated.areas a using (ref_area) "
        "where not coalesce(v.synthetic, false)",
    )
    values = values[values["series"].isin(dsd.series_codes)]
    expected = {}
    for rec in values.to_dict("records"):
        key = {d: str(rec[d.lower()]) for d in DIMENSIONS}
        key["REF_AREA"] = to_sdmx[rec["ref_area"]]
        attrs = {a: str(rec[a.lower()]) for a in (*MANDATORY, "NATURE")}
        note = " ".join(str(rec["comment"] or "").split())  # the method note, on one line
        if note:
            attrs["COMMENT_OBS"] = note
        expected[tuple(key[d] for d in DIMENSIONS)] = (float(rec["obs_value"]), attrs)
    return expected


def test_sdmx_xml_holds_exactly_the_curated_un_observations(written, sample_warehouse) -> None:
    reports, _, _ = written
    expected = expected_un_observations(sample_warehouse)
    assert expected, "the sample warehouse should have at least one observation of a UN series"
    [xml] = sorted(p for p in (reports / "sdmx").glob("*.xml") if not p.name.endswith(".structure.xml"))
    msg = sdmx.read_sdmx(xml, structure=load_dsd(settings().dsd_path).structure)
    run_id = read_snapshot(sample_warehouse).run.run_id
    assert f"UNRELEASED-{run_id}" in msg.header.id  # an unreleased run says so in the header
    got = {}
    for obs in msg.data[0].obs:
        key = {dim: str(kv.value) for dim, kv in obs.key.values.items()}
        attrs = {att: str(av.value) for att, av in obs.attached_attribute.items()}
        assert all(attrs.get(a) for a in MANDATORY), f"mandatory attribute missing on {key}"
        got[tuple(key[d] for d in DIMENSIONS)] = (float(obs.value), attrs)
    assert got == expected


def test_sdmx_csv_holds_the_same_observations(written, sample_warehouse) -> None:
    reports, _, _ = written
    [csv] = sorted((reports / "sdmx").glob("*.csv"))
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert all(table[a].ne("").all() for a in MANDATORY)
    got = {
        tuple(rec[d] for d in DIMENSIONS): (
            float(rec["OBS_VALUE"]),
            {a: rec[a] for a in (*MANDATORY, "NATURE", "COMMENT_OBS") if rec[a]},
        )
        for rec in table.to_dict("records")
    }
    assert got == expected_un_observations(sample_warehouse)
    assert len(table) == len(got)


def test_every_sdmx_file_passes_sdmxthon_and_pysdmx_and_carries_the_method_notes(written) -> None:
    reports, _, _ = written
    [structure] = (reports / "sdmx").glob("*.structure.xml")
    data = sorted(p for p in (reports / "sdmx").iterdir() if p != structure)
    assert [p.suffix for p in data] == [".csv", ".xml"]
    for path in data:
        assert sdmxthon_findings(path, structure) == [], path.name
        assert pysdmx_findings(path, structure) == [], path.name
    [xml] = [p for p in data if p.suffix == ".xml"]
    observations = list(etree.parse(str(xml)).getroot().iterfind(".//Obs"))
    with_note = [o for o in observations if o.get("COMMENT_OBS")]
    assert observations and len(with_note) >= len(observations) / 2


def test_no_un_series_leaves_no_stale_sdmx_file(tmp_path) -> None:
    reports = tmp_path / "reports"
    (reports / "sdmx").mkdir(parents=True)
    (reports / "sdmx" / "BISA_SDG_2020-01-01.xml").write_text("<old/>", encoding="utf-8")
    warehouse = make_warehouse(tmp_path / "w.duckdb", progress=False)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from curated.indicator_values where series <> 'ROAD_DEATHS_RATE'")
    write_outputs(warehouse, reports, settings=settings())
    assert list((reports / "sdmx").iterdir()) == []  # nothing to submit: the folder is empty, not stale


def test_context_rows_of_other_areas_and_synthetic_rows_are_not_submitted(tmp_path) -> None:
    snapshot = read_snapshot(
        make_warehouse(tmp_path / "w.duckdb")
    )  # Belgium ('056') rows, a synthetic series
    paths = _write_sdmx(snapshot, tmp_path / "sdmx", None, settings())
    [csv] = [p for p in paths if p.suffix == ".csv"]
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert set(table["REF_AREA"]) == {"BE10", "BE_21001", "BE_21004", "BE_21009"}
    assert set(table["SERIES"]) == {"EN_ATM_PM25", "SP_TRN_PUBL"}
    assert f"UNRELEASED-{RUN_ID}" in csv.name


# ----------------------------------------------------------------------------------------- extracts


def test_csv_and_parquet_extracts_equal_every_curated_table(written, sample_warehouse) -> None:
    reports, _, _ = written
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'curated'"
            ).fetchall()
        ]
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns() "
                "where schema_name = 'curated' and table_name = 'indicator_values'"
            ).fetchall()
        )
        frames = {t: con.table(f"curated.{t}").to_arrow_table() for t in tables}
    assert "indicator_values" in tables
    for table, expected in frames.items():
        parquet = pq.read_table(reports / "extracts" / f"{table}.parquet")
        assert parquet.schema.names == expected.schema.names
        assert parquet.to_pylist() == expected.to_pylist()  # same rows, same order, same types
        csv = pd.read_csv(reports / "extracts" / f"{table}.csv", dtype=str, keep_default_na=False)
        assert list(csv.columns) == expected.schema.names and len(csv) == expected.num_rows
        if "ref_area" in csv.columns:
            assert set(csv["ref_area"]) == set(expected.column("ref_area").to_pylist())  # '04000' stays
    schema = pq.read_schema(reports / "extracts" / "indicator_values.parquet")
    assert schema.field("obs_value").metadata[b"comment"].decode() == comments["obs_value"]
    assert schema.metadata[b"bisa_sdg.release"].decode().startswith("unreleased run ")


def test_extracts_keep_integer_counts_as_integers(written, sample_warehouse) -> None:
    reports, _, _ = written
    extracts = reports / "extracts"
    # The published figure: 1 048 491 inhabitants on 1 January 2008 (Brussels Studies synopsis no. 3, 2009).
    population = pd.read_parquet(extracts / "population.parquet")
    assert population["population"].dtype == "int64"  # not object (Python Decimals) nor float
    region_2008 = population[(population["ref_area"] == "04000") & (population["time_period"] == 2008)]
    assert region_2008["population"].tolist() == [1048491]
    assert pq.read_schema(extracts / "population.parquet").field("population").type == "int64"
    csv = pd.read_csv(extracts / "population.csv", dtype=str, keep_default_na=False)
    assert csv.loc[(csv["ref_area"] == "04000") & (csv["time_period"] == "2008"), "population"].tolist() == [
        "1048491"
    ]
    # Every integer column of the warehouse (HUGEINT, BIGINT, INTEGER…) stays integer in both files, missing
    # cells included: a year column with a gap must not come out as '2015.0'.
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        integer_columns = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'curated' "
            "and data_type in ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT') order by all"
        ).fetchall()
    with_gaps = 0
    for table, column in integer_columns:
        field = pq.read_schema(extracts / f"{table}.parquet").field(column)
        assert pa.types.is_integer(field.type), (table, column, field.type)
        cells = pd.read_csv(extracts / f"{table}.csv", dtype=str, keep_default_na=False)[column]
        bad = [c for c in cells if c and not c.lstrip("-").isdigit()]
        assert not bad, (table, column, bad[:3])
        with_gaps += bool((cells == "").any())
    assert ("population", "population") in integer_columns
    assert with_gaps > 0  # the sample has integer columns with missing cells (e.g. a benchmark's year)


def test_the_run_summary_written_after_the_outputs_is_listed_with_its_hash(tmp_path) -> None:
    from bisa_sdg.run.steps import write_run_summary

    reports = tmp_path / "reports"
    write_outputs(make_warehouse(tmp_path / "w.duckdb"), reports, settings=settings())
    before = json.loads((reports / "outputs.json").read_text(encoding="utf-8"))
    assert "run_summary.json" not in before["files"]  # no run has written one yet
    write_run_summary(reports, {"status": "completed"})
    after = json.loads((reports / "outputs.json").read_text(encoding="utf-8"))
    summary = (reports / "run_summary.json").read_bytes()
    assert after["files"]["run_summary.json"] == {
        "sha256": hashlib.sha256(summary).hexdigest(),
        "bytes": len(summary),
    }
    assert {k: v for k, v in after["files"].items() if k != "run_summary.json"} == before["files"]
    assert after["run_id"] == before["run_id"]


def test_workbook_has_a_sheet_per_indicator_and_the_metadata(written, sample_warehouse) -> None:
    reports, _, _ = written
    book = load_workbook(reports / "extracts" / WORKBOOK_NAME, read_only=True)
    values = warehouse_frame(sample_warehouse, "select * from curated.indicator_values")
    indicators = sorted(values["indicator_id"].unique())
    assert book.sheetnames[0] == METADATA_SHEET
    assert book.sheetnames[1:] == list(sheet_names(indicators).values())
    assert all(len(name) <= SHEET_NAME_MAX for name in book.sheetnames)
    sheets = pd.read_excel(reports / "extracts" / WORKBOOK_NAME, sheet_name=None, dtype={"ref_area": str})
    for indicator_id, name in sheet_names(indicators).items():
        sheet = sheets[name]
        rows = values[values["indicator_id"] == indicator_id]
        assert len(sheet) == len(rows)
        assert set(sheet["ref_area"]) == set(rows["ref_area"])
        assert sheet["area_name_en"].notna().all()
        assert sheet["obs_value"].sum() == pytest.approx(rows["obs_value"].sum())
    cells = [str(c) for row in book[METADATA_SHEET].iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(cells)
    run_id = read_snapshot(sample_warehouse).run.run_id
    assert f"unreleased run {run_id}" in text and "UNRELEASED" in text
    comments = warehouse_frame(
        sample_warehouse,
        "select comment from duckdb_columns() where schema_name = "
        "'curated' and table_name = 'indicator_values' and column_name = 'nature'",
    )
    assert comments["comment"].iloc[0] in cells  # definitions from the COMMENTs
    sources = warehouse_frame(sample_warehouse, "select source_id, licence from meta.sources")
    assert set(sources["source_id"]) <= set(cells) and set(sources["licence"]) <= set(cells)
    notes = {c for c in values["comment"].dropna() if c.strip()}
    assert notes <= set(cells)  # the method notes


def test_sheet_names_are_valid_unique_and_short() -> None:
    names = sheet_names(["11.3.1", "a/b:c", "x" * 40, "x" * 40 + "y", "METADATA", "Metadata"])
    assert names["a/b:c"] == "a_b_c"
    assert all(len(n) <= SHEET_NAME_MAX for n in names.values())
    lowered = [n.lower() for n in names.values()]
    assert len(set(lowered)) == len(lowered) and METADATA_SHEET not in lowered


def test_records_are_the_values_of_to_dict_with_missing_cells_as_none() -> None:
    """as_records reads column by column for speed; every output reads its values, so they must be exactly
    what to_dict('records') gives (Python ints, bools, Decimals, timestamps), missing cells as None."""
    from decimal import Decimal

    table = pa.table(
        {
            "code": pa.array(["04000", None, "21001"]),
            "year": pa.array([2015, 2016, None], pa.int32()),
            "count": pa.array([1, 2, 3], pa.int64()),
            "value": pa.array([1.5, None, float("nan")]),
            "flag": pa.array([True, None, False]),
            "total": pa.array([Decimal("10"), None, Decimal("12")], pa.decimal128(38, 0)),
            "at": pa.array(
                [pd.Timestamp("2025-01-01"), None, pd.Timestamp("2025-01-03")], pa.timestamp("us")
            ),
        }
    )
    frame = table.to_pandas()
    expected = [
        {
            k: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v)
            for k, v in rec.items()
        }
        for rec in frame.to_dict("records")
    ]
    found = as_records(frame)
    assert found == expected
    assert [[type(v) for v in rec.values()] for rec in found] == [
        [type(v) for v in rec.values()] for rec in expected
    ]
    assert found[0]["count"] == 1 and type(found[0]["count"]) is int and found[1]["code"] is None


# ----------------------------------------------------------------------------------------- failure


def test_a_failed_write_leaves_the_previous_outputs_intact(written, sample_warehouse, tmp_path) -> None:
    reports, _, _ = written
    before = {p: sha(p) for p in reports.rglob("*") if p.is_file()}
    broken = settings(ref_area_map_path=tmp_path / "missing.csv")
    with pytest.raises(OutputError, match="nothing was replaced"):
        write_outputs(sample_warehouse, reports, vintage="2030-01-01", settings=broken)
    after = {p: sha(p) for p in reports.rglob("*") if p.is_file()}
    assert after == before


# ----------------------------------------------------------------------------------------- Open SDG


def test_opensdg_ids() -> None:
    assert opensdg.opensdg_id("11.3.1") == "11-3-1"
    assert opensdg.opensdg_id("11.a.1") == "11-a-1"
    assert opensdg.opensdg_id("sdg_11_40") == "11-eu-40"


def test_opensdg_files_follow_the_format(tmp_path) -> None:
    snapshot = read_snapshot(make_warehouse(tmp_path / "w.duckdb"))
    written = opensdg.write_opensdg(snapshot, tmp_path / "opensdg", vintage="2025-06-30")
    names = {p.relative_to(tmp_path / "opensdg").as_posix() for p in written}
    assert {
        "data/indicator_11-6-2.csv",
        "meta/11-6-2.yml",
        "data/indicator_11-2-1.csv",
        "config_data.yml",
        "data/indicator_11-eu-40.csv",
    } <= names

    pm = pd.read_csv(tmp_path / "opensdg/data/indicator_11-6-2.csv", dtype=str, keep_default_na=False)
    columns = list(pm.columns)
    assert columns[0] == "Year" and columns[-1] == "Value" and columns[-2] == "GeoCode"
    assert columns[1:3] == ["Series", "Units"] and "Municipality" in columns
    assert all(c == c.strip() for c in columns)
    # Headline = every column between Year and Value blank except the selectors and the footnote.
    disaggregations = [c for c in columns if c not in ("Year", "Series", "Units", "COMMENT_OBS", "Value")]
    headline = pm[(pm[disaggregations] == "").all(axis=1)]
    assert list(headline["Year"]) == ["2019", "2020", "2021"]  # the region, first, in year order
    assert list(headline["Value"].astype(float)) == [13.1, 11.4, 10.05]
    municipal = pm[pm["Municipality"] != ""]
    assert dict(zip(municipal["GeoCode"], municipal["Municipality"], strict=True)) == {
        "21001": "Anderlecht",
        "21004": "Bruxelles",
        "21009": "Ixelles",
    }
    assert "056" not in set(pm["GeoCode"])  # the country's context rows are not the region's data
    assert (pm["Units"] == "µg/m³").all()
    for cell in pm.drop(columns="Value").to_numpy().ravel():
        assert cell == cell.strip()  # sdg-build's whitespace check

    transport = pd.read_csv(tmp_path / "opensdg/data/indicator_11-2-1.csv", dtype=str, keep_default_na=False)
    assert list(transport.columns) == [
        "Year",
        "Series",
        "Units",
        "Sex",
        "Municipality",
        "COMMENT_OBS",
        "GeoCode",
        "Value",
    ]
    assert list(transport["Sex"]) == ["", "F", "M"]  # total ('_T') is blank, and first

    meta = yaml.safe_load((tmp_path / "opensdg/meta/11-6-2.yml").read_text(encoding="utf-8"))
    assert meta["indicator_number"] == "11.6.2" and meta["reporting_status"] == "complete"
    assert meta["source_organisation_1"] == "Air agency" and meta["source_active_1"] is True
    assert meta["data_show_map"] is True and "2025-06-30" in meta["data_footnote"]
    road = yaml.safe_load((tmp_path / "opensdg/meta/11-eu-40.yml").read_text(encoding="utf-8"))
    assert road["indicator_number"] == "sdg_11_40" and road["data_notice_class"] == "warning"
    config = yaml.safe_load((tmp_path / "opensdg/config_data.yml").read_text(encoding="utf-8"))
    assert config["languages"] == ["fr", "nl", "en"]
    assert {i["class"] for i in config["inputs"]} == {"InputCsvData", "InputYamlMeta"}


# sdg-translations 2.3.0 (the tag config_data.yml pins), translations/: the languages it has. No Dutch.
SDG_TRANSLATIONS_2_3_0 = {
    *("ar", "ca", "cnr", "cs", "de", "en", "es", "fo", "fr", "hy", "it", "kk", "km", "ky", "lo", "my"),
    *("nb_NO", "ne", "ro", "ru", "sw", "tg", "tk", "tr", "uk", "zh-Hans"),
}


def test_opensdg_export_is_a_data_repository_sdg_build_can_build(written, sample_warehouse) -> None:
    """What sdg-build 2.3.0 needs of a data repository (checked by hand with Open SDG's own build, see the
    issue note): the schema file, translations for every language, non-breakdown columns declared, so that
    the headline — the rows where every breakdown is blank — is the region's rows; names in each language."""
    export = written[0] / "opensdg"
    config = yaml.safe_load((export / "config_data.yml").read_text(encoding="utf-8"))
    schema = yaml.safe_load((export / config["schema_file"]).read_text(encoding="utf-8"))
    assert schema["prose"]["metadata"]["meta"]  # a prose.io schema, as sdg-build reads it
    [pinned] = [t for t in config["translations"] if t["class"] == "TranslationInputSdgTranslations"]
    assert pinned["tag"] == "2.3.0"
    [own] = [t for t in config["translations"] if t["class"] == "TranslationInputYaml"]
    for language in set(config["languages"]) - SDG_TRANSLATIONS_2_3_0:
        assert list((export / own["source"] / language).glob("*.yml")), f"no translations for {language}"
    assert "nl" in config["languages"]

    # Headlines: sdg-build's filter_headline keeps the rows whose every column outside
    # indicator_options.non_disaggregation_columns is blank. They must be the region's own rows.
    kept = set(config["indicator_options"]["non_disaggregation_columns"])
    breakdown_columns = [c.replace("_", " ").capitalize() for c in BREAKDOWN_COLUMNS]
    region = warehouse_frame(
        sample_warehouse,
        "select v.* from curated.indicator_values v join curated.areas a using (ref_area) "
        "where a.level = 'region'",
    )
    region = region[(region[list(BREAKDOWN_COLUMNS)] == "_T").all(axis=1)]
    files = sorted((export / "data").glob("indicator_*.csv"))
    assert len(files) == region["indicator_id"].nunique()
    for path in files:
        data = pd.read_csv(path, dtype=str, keep_default_na=False)
        breakdowns = [c for c in data.columns if c not in kept]
        assert set(breakdowns) <= {*breakdown_columns, "Municipality"}, path.name  # COMMENT_OBS is not one
        headline = data[(data[breakdowns] == "").all(axis=1)]
        indicator = path.stem.removeprefix("indicator_")
        expected = region[region["indicator_id"].map(opensdg.opensdg_id) == indicator]
        assert len(headline) == len(expected) > 0, path.name
        got = zip(
            headline["Series"], headline["Year"].astype(int), headline["Value"].astype(float), strict=True
        )
        want = zip(expected["series"], expected["time_period"], expected["obs_value"], strict=True)
        assert sorted(got) == sorted(want), path.name

    # Indicator names in French and Dutch from the registry (config/indicators.yaml), not English.
    registry = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text(encoding="utf-8"))
    titles = {opensdg.opensdg_id(i["id"]): i["title"] for i in registry["indicators"]}
    for path in files:
        indicator = path.stem.removeprefix("indicator_")
        english = yaml.safe_load((export / "meta" / f"{indicator}.yml").read_text(encoding="utf-8"))
        assert english["indicator_name"] == titles[indicator]["en"]
        for language in ("fr", "nl"):
            local = yaml.safe_load(
                (export / "meta" / language / f"{indicator}.yml").read_text(encoding="utf-8")
            )
            assert local["indicator_name"] == titles[indicator][language] != titles[indicator]["en"]
