"""Statbel open-data connector against a localhost server serving zips in the publisher's real layout.

The zips are built here from the real files the repository ships, written back into Statbel's layout:

* ``TF_SOC_POP_STRUCT_2020.zip`` — member ``TF_SOC_POP_STRUCT_2020.txt``, pipe-separated, UTF-8 with BOM, CRLF,
  Statbel's 21 real column names in their order (docs/sources/statbel_open_data_layouts.md). Its numbers are the
  real 2020 municipal totals of ``data/raw/statbel_population/vandenbroucke_belgian_municipalities_2020.csv``,
  ONE ROW PER MUNICIPALITY: the real file has one row per municipality × sex × nationality × civil status × age;
  here every row carries a single real-looking category (F, BEL/Belgen/Belges, 1/Ongehuwd/Célibataire, age 30),
  and the district/province labels are rebuilt from the compilation's names (the parser does not read them).
* ``TF_ACCIDENTS_VICTIMS_2020.zip`` — member ``TF_ACCIDENTS_VICTIMS_2020.txt``: the shipped Brussels rows
  (``data/raw/statbel_road_victims/…csv``) turned back into pipe-separated text, their original layout, with
  the UTF-8 BOM the research notes saw before ``DT_DAY``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bisa_sdg.acquire import online
from bisa_sdg.acquire.http import FetchError
from bisa_sdg.acquire.landing import LandingError, read_manifest
from bisa_sdg.acquire.statbel_open_data import (
    DATASETS,
    StatbelError,
    dataset_url,
    decode_text,
    fetch_population_year,
    fetch_road_victims_year,
    parse_pop_struct,
)
from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.run import steps as pipeline
from bisa_sdg.sources import read_source
from tests.conftest import copy_sample, sample_config

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_POP_2020 = ROOT / "data/raw/statbel_population/vandenbroucke_belgian_municipalities_2020.csv"
SHIPPED_VICTIMS_2020 = (
    ROOT / "data/raw/statbel_road_victims/statbel_TF_ACCIDENTS_VICTIMS_2020_brussels_rows.csv"
)
BRUSSELS_2020 = 1_218_255  # Statbel's population of the region on 1 January 2020 (= the shipped file's sum)
BELGIUM_2020 = 11_492_641  # and of Belgium (research notes: identical to Statbel)
T0 = datetime(2025, 5, 2, 9, 0, 0, tzinfo=UTC)
BOM = "\ufeff"

POP_HEADER = [
    "CD_REFNIS", "TX_DESCR_NL", "TX_DESCR_FR", "CD_DSTR_REFNIS", "TX_ADM_DSTR_DESCR_NL", "TX_ADM_DSTR_DESCR_FR",
    "CD_PROV_REFNIS", "TX_PROV_DESCR_NL", "TX_PROV_DESCR_FR", "CD_RGN_REFNIS", "TX_RGN_DESCR_NL",
    "TX_RGN_DESCR_FR", "CD_SEX", "CD_NATLTY", "TX_NATLTY_NL", "TX_NATLTY_FR", "CD_CIV_STS", "TX_CIV_STS_NL",
    "TX_CIV_STS_FR", "CD_AGE", "MS_POPULATION",
]  # fmt: skip
REGION_CODES = {
    "Région flamande": "02000",
    "Région wallonne": "03000",
    "Région de Bruxelles-Capitale": "04000",
}


def _province_code(refnis: str) -> str:
    """Statbel's province codes by the first digits of the municipality code; Brussels has none (' ')."""
    if refnis.startswith("21"):
        return " "
    if refnis[:2] in ("23", "24"):
        return "20001"
    if refnis.startswith("25"):
        return "20002"
    return refnis[0] + "0000"


def pop_struct_text() -> str:
    rows = []
    with SHIPPED_POP_2020.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            brussels = r["region_FR"] == "Région de Bruxelles-Capitale"
            rows.append(
                [
                    r["NIS_code"], r["municipality_NL"], r["municipality_FR"], r["NIS_code"][:2] + "000",
                    f"Arrondissement {r['arrondissement_NL']}", f"Arrondissement de {r['arrondissement_FR']}",
                    _province_code(r["NIS_code"]),
                    " " if brussels else f"Provincie {r['province_NL']}",
                    " " if brussels else f"Province de {r['province_FR']}",
                    REGION_CODES[r["region_FR"]], r["region_NL"], r["region_FR"],
                    "F", "BEL", "Belgen", "Belges", "1", "Ongehuwd", "Célibataire", "30", r["inhabitants"],
                ]
            )  # fmt: skip
    return BOM + "\r\n".join("|".join(row) for row in [POP_HEADER, *rows]) + "\r\n"


def victims_text() -> str:
    with SHIPPED_VICTIMS_2020.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert not any("|" in cell for row in rows for cell in row)  # pipes back in place of commas is lossless
    return BOM + "\n".join("|".join(row) for row in rows) + "\n"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip with fixed timestamps, so the same members always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 6, 1, 0, 0, 0)), data)
    return buffer.getvalue()


POP_TXT = pop_struct_text().encode("utf-8")
POP_ZIP = zip_bytes({"TF_SOC_POP_STRUCT_2020.txt": POP_TXT})
VICTIMS_TXT = victims_text().encode("utf-8")
VICTIMS_ZIP = zip_bytes({"TF_ACCIDENTS_VICTIMS_2020.txt": VICTIMS_TXT})
POP = DATASETS["pop_struct"]
VICTIMS = DATASETS["road_victims"]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def served_path(dataset, year: int) -> str:
    """The path the server sees: the connector's url, percent-decoded as the server decodes it."""
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(dataset_url(dataset, year, "http://x/opendata")).path)


def base(server: HTTPServer) -> str:
    return server.url_for("/opendata")


def fetch_pop(raw: Path, server: HTTPServer, **kwargs):
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("timeout", (1.0, 5.0))
    return fetch_population_year(raw, 2020, base_url=base(server), **kwargs)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- the URL patterns --------------------------------------------------------------------------------------


def test_urls_follow_statbels_published_paths() -> None:
    assert dataset_url(POP, 2023, "https://statbel.fgov.be/sites/default/files/files/opendata") == (
        "https://statbel.fgov.be/sites/default/files/files/opendata/bevolking%20naar%20woonplaats%2C%20"
        "nationaliteit%20burgelijke%20staat%20%2C%20leeftijd%20en%20geslacht/TF_SOC_POP_STRUCT_2023.zip"
    )
    assert dataset_url(VICTIMS, 2020, "https://statbel.fgov.be/sites/default/files/files/opendata") == (
        "https://statbel.fgov.be/sites/default/files/files/opendata/Verkeersslachtoffers/"
        "TF_ACCIDENTS_VICTIMS_2020.zip"
    )


def test_the_base_url_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("BISA_SDG_STATBEL_URL", "http://127.0.0.1:9/mirror/")
    assert dataset_url(VICTIMS, 2021).startswith("http://127.0.0.1:9/mirror/Verkeersslachtoffers/")


# --- landing ------------------------------------------------------------------------------------------------


def test_population_zip_lands_zip_and_member_as_one_vintage(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(served_path(POP, 2020)).respond_with_data(
        POP_ZIP,
        content_type="application/zip",
        headers={"ETag": '"pop-2020-v1"', "Last-Modified": "Fri, 05 Jun 2020 08:00:00 GMT"},
    )
    landed = fetch_pop(tmp_path, httpserver, retrieved_at=T0)

    assert landed.new and landed.vintage == "20250502T090000Z"
    vintage = tmp_path / "statbel_population" / "vintages" / "20250502T090000Z"
    assert landed.archive.path == vintage / "TF_SOC_POP_STRUCT_2020.zip"
    assert landed.member.path == vintage / "TF_SOC_POP_STRUCT_2020.txt"
    assert landed.archive.path.read_bytes() == POP_ZIP
    assert landed.member.path.read_bytes() == POP_TXT  # the member exactly as in the zip

    zip_entry, txt_entry = read_manifest(tmp_path, "statbel_population")
    assert zip_entry.sha256 == hashlib.sha256(POP_ZIP).hexdigest() and zip_entry.bytes == len(POP_ZIP)
    assert txt_entry.sha256 == hashlib.sha256(POP_TXT).hexdigest()
    assert zip_entry.url == dataset_url(POP, 2020, base(httpserver))
    assert txt_entry.url == zip_entry.url + "#TF_SOC_POP_STRUCT_2020.txt"
    assert (zip_entry.etag, zip_entry.last_modified) == ('"pop-2020-v1"', "Fri, 05 Jun 2020 08:00:00 GMT")
    assert zip_entry.retrieved_at == txt_entry.retrieved_at == "2025-05-02T09:00:00Z"


def test_parsed_population_sums_to_statbels_totals(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(served_path(POP, 2020)).respond_with_data(POP_ZIP)
    landed = fetch_pop(tmp_path, httpserver)
    text, encoding = decode_text(landed.member.path.read_bytes())
    totals = parse_pop_struct(text, 2020)

    assert encoding == "utf-8-sig"
    brussels = totals[totals["region_refnis"] == "04000"]
    assert len(brussels) == 19 and set(brussels["refnis"]) == {f"210{n:02d}" for n in range(1, 20)}
    assert int(brussels["population"].sum()) == BRUSSELS_2020
    assert int(totals["population"].sum()) == BELGIUM_2020
    assert set(totals["year"]) == {2020}
    anderlecht = totals.set_index("refnis").loc["21001"]
    assert (anderlecht["name_fr"], anderlecht["population"], anderlecht["first_line"]) == (
        "Anderlecht",
        120887,
        71,
    )
    # Independently of the parser: every municipality equals the shipped compilation's figure.
    shipped = pd.read_csv(SHIPPED_POP_2020, dtype=str).set_index("NIS_code")["inhabitants"].astype(int)
    assert totals.set_index("refnis")["population"].to_dict() == shipped.to_dict()


def test_an_identical_download_lands_nothing_and_a_new_one_never_overwrites(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    path = served_path(POP, 2020)
    first_bytes = POP_ZIP
    second_text = pop_struct_text().replace("|120887\r\n", "|120888\r\n")  # a revised Anderlecht figure
    second_bytes = zip_bytes({"TF_SOC_POP_STRUCT_2020.txt": second_text.encode("utf-8")})
    httpserver.expect_ordered_request(path).respond_with_data(first_bytes)
    httpserver.expect_ordered_request(path).respond_with_data(first_bytes)
    httpserver.expect_ordered_request(path).respond_with_data(second_bytes)
    httpserver.expect_ordered_request(path).respond_with_data(second_bytes)

    first = fetch_pop(tmp_path, httpserver, retrieved_at=T0)
    kept = tree(tmp_path / "statbel_population" / "vintages")
    again = fetch_pop(tmp_path, httpserver, retrieved_at=T0 + timedelta(days=30))
    assert not again.new and again.vintage == first.vintage
    assert len(read_manifest(tmp_path, "statbel_population")) == 2

    # New bytes in the very same second would need the same vintage folder: refused, the first one untouched.
    with pytest.raises(LandingError, match="refusing to overwrite"):
        fetch_pop(tmp_path, httpserver, retrieved_at=T0)
    assert tree(tmp_path / "statbel_population" / "vintages") == kept

    revised = fetch_pop(tmp_path, httpserver, retrieved_at=T0 + timedelta(days=60))
    assert revised.new and revised.vintage == "20250701T090000Z"
    assert first.archive.path.read_bytes() == first_bytes  # the earlier vintage is still there, unchanged
    after = tree(tmp_path / "statbel_population" / "vintages")
    assert {k: v for k, v in after.items() if k.startswith("20250502")} == kept
    assert len(read_manifest(tmp_path, "statbel_population")) == 4


def test_not_modified_lands_nothing(httpserver: HTTPServer, tmp_path: Path) -> None:
    path = served_path(POP, 2020)
    httpserver.expect_ordered_request(path).respond_with_data(
        POP_ZIP, headers={"ETag": '"v1"', "Last-Modified": "Fri, 05 Jun 2020 08:00:00 GMT"}
    )

    def conditional(request: Request) -> Response:
        assert request.headers.get("If-None-Match") == '"v1"'
        assert request.headers.get("If-Modified-Since") == "Fri, 05 Jun 2020 08:00:00 GMT"
        return Response(status=304, headers={"ETag": '"v1"'})

    httpserver.expect_ordered_request(path).respond_with_handler(conditional)

    first = fetch_pop(tmp_path, httpserver, retrieved_at=T0)
    before = tree(tmp_path)
    second = fetch_pop(tmp_path, httpserver, retrieved_at=T0 + timedelta(days=1))

    httpserver.check_assertions()
    assert not second.new
    assert (second.archive.path, second.member.path) == (first.archive.path, first.member.path)
    assert tree(tmp_path) == before  # no file, no manifest line


def test_a_500_is_retried_then_the_file_lands(httpserver: HTTPServer, tmp_path: Path) -> None:
    path = served_path(POP, 2020)
    httpserver.expect_ordered_request(path).respond_with_data("Internal Server Error", status=500)
    httpserver.expect_ordered_request(path).respond_with_data(POP_ZIP)
    sleeps = Sleeps()

    landed = fetch_pop(tmp_path, httpserver, sleep=sleeps, retries=2)

    assert landed.new and landed.archive.path.read_bytes() == POP_ZIP
    assert len(httpserver.log) == 2 and sleeps == [0.5]


def test_a_500_that_persists_lands_nothing(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(served_path(POP, 2020)).respond_with_data("busy", status=503)
    with pytest.raises(FetchError, match="failed after 2 attempt"):
        fetch_pop(tmp_path, httpserver, retries=1)
    assert not (tmp_path / "statbel_population").exists()


@pytest.mark.parametrize(
    ("what", "body", "message"),
    [
        (
            "a traversal member",
            zip_bytes({"../TF_SOC_POP_STRUCT_2020.txt": POP_TXT}),
            "archive refused.*'\\.\\.'",
        ),
        ("an absolute member", zip_bytes({"/tmp/TF_SOC_POP_STRUCT_2020.txt": POP_TXT}), "absolute path"),
        (
            "two members",
            zip_bytes({"TF_SOC_POP_STRUCT_2020.txt": POP_TXT, "extra.txt": b"x"}),
            "expected one file in the zip",
        ),
        ("an HTML error page", b"<html><body>Maintenance</body></html>", "not a readable zip"),
        (
            "a changed layout",
            zip_bytes({"TF_SOC_POP_STRUCT_2020.txt": POP_TXT.replace(b"MS_POPULATION", b"MS_POP")}),
            "first line names none of|MS_POPULATION missing",
        ),
        (
            "a truncated member",
            zip_bytes({"TF_SOC_POP_STRUCT_2020.txt": POP_TXT[: len(POP_TXT) // 2]}),
            "fewer fields than the header",
        ),
    ],
)
def test_a_bad_archive_is_refused_and_nothing_lands(
    what: str, body: bytes, message: str, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(served_path(POP, 2020)).respond_with_data(body)
    raw = tmp_path / "raw"
    raw.mkdir()
    with pytest.raises(StatbelError, match=message):
        fetch_pop(raw, httpserver)
    assert list(raw.iterdir()) == []  # no vintage, no manifest
    assert not (tmp_path / "TF_SOC_POP_STRUCT_2020.txt").exists()  # nothing written outside either


# --- the pure parser ----------------------------------------------------------------------------------------


def _real_layout(rows: list[list[str]], sep: str = "|") -> str:
    return "\r\n".join(sep.join(r) for r in [POP_HEADER, *rows]) + "\r\n"


def _row(refnis: str, sex: str, civil: str, age: str, count: str) -> list[str]:
    return [
        refnis, "Sint-Gillis", "Saint-Gilles", "21000", "Arrondissement Brussel-Hoofdstad",
        "Arrondissement de Bruxelles-Capitale", " ", " ", " ", "04000", "Brussels Hoofdstedelijk Gewest",
        "Région de Bruxelles-Capitale", sex, "BEL", "Belgen", "Belges", civil, "Ongehuwd", "Célibataire", age, count,
    ]  # fmt: skip


def test_parser_sums_over_sex_age_nationality_and_civil_status() -> None:
    text = _real_layout(
        [
            _row("21013", "F", "1", "30", "7"),
            _row("21013", "M", "1", "30", "5"),
            _row("21013", "M", "2", "64", "1"),
        ]
    )
    (row,) = parse_pop_struct(text, 2021).to_dict("records")
    assert (row["refnis"], row["year"], row["population"], row["rows"], row["first_line"]) == (
        "21013",
        2021,
        13,
        3,
        2,
    )
    assert (row["region_refnis"], row["region_label"]) == ("04000", "Région de Bruxelles-Capitale")


def test_parser_reads_semicolons_latin1_and_the_older_column_names() -> None:
    # Third-party scripts read the 2020 file with ';' and Latin-1; 2017/2018 files name CD_MUNTY_REFNIS.
    text = _real_layout([_row("21013", "F", "1", "30", "7")], sep=";")
    text = text.replace(
        "CD_REFNIS;TX_DESCR_NL;TX_DESCR_FR", "CD_MUNTY_REFNIS;TX_MUNTY_DESCR_NL;TX_MUNTY_DESCR_FR"
    )
    decoded, encoding = decode_text(text.encode("latin-1"))
    assert encoding == "cp1252"
    (row,) = parse_pop_struct(decoded, 2018).to_dict("records")
    assert (row["refnis"], row["name_fr"], row["population"]) == ("21013", "Saint-Gilles", 7)
    assert row["region_label"] == "Région de Bruxelles-Capitale"


def test_parser_refuses_what_it_cannot_count() -> None:
    with pytest.raises(StatbelError, match="line 3: MS_POPULATION '1,5'"):
        parse_pop_struct(
            _real_layout([_row("21013", "F", "1", "30", "7"), _row("21013", "M", "1", "3", "1,5")]), 2020
        )
    with pytest.raises(StatbelError, match="no CD_YEAR column and no year given"):
        parse_pop_struct(_real_layout([_row("21013", "F", "1", "30", "7")]))
    with_year = _real_layout([_row("21013", "F", "1", "30", "7")]).replace(
        "MS_POPULATION", "MS_POPULATION|CD_YEAR"
    )
    with_year = with_year.replace("|7\r\n", "|7|2019\r\n")
    assert parse_pop_struct(with_year)["year"].tolist() == [2019]
    with pytest.raises(StatbelError, match="CD_YEAR is 2019 but the file is for 2020"):
        parse_pop_struct(with_year, 2020)


# --- road victims -------------------------------------------------------------------------------------------


def test_road_victims_land_and_replace_the_shipped_extract(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(served_path(VICTIMS, 2020)).respond_with_data(
        VICTIMS_ZIP, headers={"ETag": '"acc-2020"'}
    )
    raw = copy_sample(tmp_path) / "data" / "raw"
    landed = fetch_road_victims_year(raw, 2020, base_url=base(httpserver), sleep=Sleeps(), timeout=(1.0, 5.0))

    assert landed.member.path.name == "TF_ACCIDENTS_VICTIMS_2020.txt"
    assert landed.member.path.parent.parent == raw / "statbel_road_victims" / "vintages"
    entries = read_manifest(raw, "statbel_road_victims")
    assert [e.sha256 for e in entries] == [hashlib.sha256(b).hexdigest() for b in (VICTIMS_ZIP, VICTIMS_TXT)]

    catalog = load_catalog(raw / "catalog.yaml")
    profile = load_profile(tmp_path / "config/profiles/brussels.yaml")
    frame = read_source(catalog.get("statbel_road_victims"), raw, profile)
    assert set(frame["_file"]) == {f"statbel_road_victims/{entries[1].path}"}  # the shipped CSV is not read
    assert len(frame) == 6963
    # Statbel's 2020 figures for the region: 16 dead within 30 days, 7 075 victims.
    assert int(frame["dead_30_days"].sum()) == 16 and int(frame["victims"].sum()) == 7075
    assert frame["_line"].tolist() == list(range(2, 6965))  # lines of the publisher's file


def test_road_victims_keep_only_the_profiles_region(httpserver: HTTPServer, tmp_path: Path) -> None:
    # A whole-country file: one row of another region added to the Brussels rows, which the reader leaves out.
    lines = victims_text().split("\n")
    other = lines[1].replace("|21001|Anderlecht|Anderlecht|", "|11002|Anvers|Antwerpen|")
    other = other.replace(
        "|04000|Région de Bruxelles-Capitale|Brussels Hoofdstedelijk Gewest|",
        "|02000|Région flamande|Vlaams Gewest|",
    )
    assert other != lines[1]
    body = zip_bytes({"TF_ACCIDENTS_VICTIMS_2020.txt": "\n".join([lines[0], other, *lines[1:]]).encode()})
    httpserver.expect_request(served_path(VICTIMS, 2020)).respond_with_data(body)
    raw = copy_sample(tmp_path) / "data" / "raw"
    fetch_road_victims_year(raw, 2020, base_url=base(httpserver), sleep=Sleeps())
    frame = read_source(
        load_catalog(raw / "catalog.yaml").get("statbel_road_victims"),
        raw,
        load_profile(tmp_path / "config/profiles/brussels.yaml"),
    )
    assert len(frame) == 6963 and 2 not in set(frame["_line"])


# --- the pipeline reads what landed -------------------------------------------------------------------------


def run_offline(project: Path) -> Path:
    """The pipeline's plain steps (no Prefect, no network): ingest, validate, build; returns the warehouse."""
    config = sample_config(project)
    catalog, profile = pipeline.load_configuration(config)
    frames, hashes = {}, {}
    for source in catalog.sources:
        frames[source.id], files, _warnings = pipeline.ingest_source(source, config, profile)
        hashes.update(files)
    issues = pipeline.validate_sources(frames, config, catalog, profile)
    pipeline.raise_on_errors(issues)
    ingested = pipeline.Ingested(frames=frames, file_hashes=hashes)
    target, _steps = pipeline.build_warehouse(
        ingested, issues, config, catalog, profile, pipeline.new_run(config, profile)
    )
    return target


@pytest.mark.slow
def test_the_pipeline_reads_the_landed_vintages(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(served_path(POP, 2020)).respond_with_data(POP_ZIP)
    httpserver.expect_request(served_path(VICTIMS, 2020)).respond_with_data(VICTIMS_ZIP)
    project = copy_sample(tmp_path)
    raw = project / "data/raw"
    pop = fetch_population_year(raw, 2020, base_url=base(httpserver), sleep=Sleeps())
    victims = fetch_road_victims_year(raw, 2020, base_url=base(httpserver), sleep=Sleeps())

    warehouse = run_offline(project)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = dict(
            con.execute("select time_period, min(_file) from raw.statbel_population group by 1").fetchall()
        )
        (victim_file,) = con.execute("select distinct _file from raw.statbel_road_victims").fetchone()
        region = dict(
            con.execute(
                "select time_period, population from core.population where ref_area = '04000'"
            ).fetchall()
        )
        rate = con.execute(
            "select obs_value from curated.indicator_values "
            "where series = 'ROAD_DEATHS_RATE' and time_period = 2020 and ref_area = '04000'"
        ).fetchone()
    assert files[2020] == f"statbel_population/{pop.member.entry.path}"  # 2020 from the landed Statbel file
    assert files[2019] == "statbel_population/vandenbroucke_belgian_municipalities_2019.csv"  # others shipped
    assert victim_file == f"statbel_road_victims/{victims.member.entry.path}"
    assert region[2020] == BRUSSELS_2020  # validated against the published total, then summed
    assert rate[0] == pytest.approx(16 / BRUSSELS_2020 * 100_000)


def test_the_pipeline_without_any_vintage_reads_the_shipped_files(tmp_path: Path) -> None:
    project = copy_sample(tmp_path)
    config_raw = project / "data/raw"
    catalog = load_catalog(config_raw / "catalog.yaml")
    profile = load_profile(project / "config/profiles/brussels.yaml")
    population = read_source(catalog.get("statbel_population"), config_raw, profile)
    assert set(population["_file"]) == {item.path for item in catalog.get("statbel_population").files}
    assert read_source(catalog.get("bestat_views"), config_raw, profile).empty  # zero files: an empty frame


# --- through bisa_sdg.acquire.online.refresh_all -------------------------------------------------------------------


def test_refresh_all_lands_what_it_can_and_warns_about_the_rest(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch
) -> None:
    """2020 is served; every other year answers 404. Years before last year are then a warning (a moved url?),
    this year and last year are 'not published yet'; what landed stays landed; nothing raises."""
    httpserver.expect_request(served_path(POP, 2020)).respond_with_data(POP_ZIP)
    httpserver.expect_request(re.compile(".*")).respond_with_data("Not Found", status=404)
    monkeypatch.setenv("BISA_SDG_ONLINE_SOURCES", "statbel_population")
    monkeypatch.setenv("BISA_SDG_STATBEL_URL", base(httpserver))
    monkeypatch.setattr(online, "DEFAULT_RETRIES", 0)
    raw = copy_sample(tmp_path) / "data" / "raw"

    warnings = online.refresh_all(raw, load_catalog(raw / "catalog.yaml"))

    this_year = date.today().year
    (warning,) = warnings
    assert warning.startswith(
        f"statbel_population: online refresh from {base(httpserver)} failed (RefreshError: "
    )
    missing = ", ".join(str(y) for y in range(2018, this_year - 1) if y != 2020)  # one cause, one line
    assert f"{missing}: HTTP 404 NOT FOUND after 1 attempt(s)" in warning
    assert "2020 landed new vintage" in warning
    assert f"{this_year} not published yet" in warning and f"{this_year}: HTTP" not in warning
    assert "using the last good landed vintage" in warning
    assert [e.filename for e in read_manifest(raw, "statbel_population")] == [
        "TF_SOC_POP_STRUCT_2020.zip",
        "TF_SOC_POP_STRUCT_2020.txt",
    ]
    assert len(httpserver.log) == this_year - 2018 + 1  # one request per year, no retry of a 404


def test_refresh_all_with_statbel_unreachable_is_one_warning_per_source(tmp_path: Path, monkeypatch) -> None:
    from tests.prod_support import free_port

    monkeypatch.setenv("BISA_SDG_ONLINE_SOURCES", "statbel_population,statbel_road_victims,bestat_views")
    monkeypatch.setenv("BISA_SDG_STATBEL_URL", f"http://127.0.0.1:{free_port()}/opendata")
    monkeypatch.setenv("BISA_SDG_BESTAT_URL", f"http://127.0.0.1:{free_port()}/bestat/api")
    monkeypatch.setattr(online, "DEFAULT_RETRIES", 0)
    raw = copy_sample(tmp_path) / "data" / "raw"
    before = tree(raw)

    warnings = online.refresh_all(raw, load_catalog(raw / "catalog.yaml"))

    assert [w.split(":")[0] for w in warnings] == [
        "statbel_population",
        "statbel_road_victims",
        "bestat_views",
    ]
    # The first connection failure stops the other years/views: they would only wait for the same timeout.
    assert all("ConnectionError" in w and "not tried" in w for w in warnings)
    assert "using the last good snapshot statbel_population/TF_SOC_POP_STRUCT_2009.RData" in warnings[0]
    assert "state: none (no vintage landed yet" in warnings[2]
    assert tree(raw) == before


def test_the_manifest_is_plain_json_lines(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(served_path(POP, 2020)).respond_with_data(POP_ZIP)
    fetch_pop(tmp_path, httpserver)
    lines = (tmp_path / "statbel_population" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["source_id"] for line in lines] == ["statbel_population", "statbel_population"]
