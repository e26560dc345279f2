"""Security: each test tries the attack and checks it fails safely.

Archives (path traversal, absolute paths, symlinks, zip bombs), XML external entities, YAML object tags, SQL
identifiers from configuration, secrets in logs and in the run records, and the file modes of what is published.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
from pathlib import Path
from uuid import UUID

import duckdb
import pytest
import yaml
from pytest_httpserver import HTTPServer

from bisa_sdg.acquire import online
from bisa_sdg.acquire.safe_archive import UnsafeArchiveError, extract_zip
from bisa_sdg.config.catalog import CatalogError, load_catalog
from bisa_sdg.config.profile import ProfileError, load_profile
from bisa_sdg.validation.schema import SchemaFileError, load_schema
from bisa_sdg.warehouse import database as wh
from tests.conftest import ROOT
from tests.prod_support import run_cli

SRC = ROOT / "src" / "bisa_sdg"


# --- archives -----------------------------------------------------------------------------------------------


def make_zip(path: Path, members: list[tuple[str, bytes]], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def test_a_gtfs_like_zip_is_extracted(tmp_path):
    archive = make_zip(
        tmp_path / "gtfs.zip",
        [
            ("stops.txt", b"stop_id,stop_name\n1,Gare du Midi\n"),
            ("shapes/a.txt", b"x\n"),
            ("./agency.txt", b"a\n"),
        ],
    )
    files = extract_zip(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in files) == [
        "agency.txt", "shapes/a.txt", "stops.txt",
    ]  # fmt: skip
    assert (tmp_path / "out" / "stops.txt").read_bytes().endswith(b"Gare du Midi\n")
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in files)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../evil.txt", "'..'"),
        ("data/../../evil.txt", "'..'"),
        ("/etc/cron.d/evil", "absolute"),
        ("C:/Windows/evil.txt", "absolute"),
        ("..\\..\\evil.txt", "backslash"),
    ],
)
def test_traversal_is_refused_and_nothing_is_written(tmp_path, name, reason):
    archive = make_zip(tmp_path / "evil.zip", [("stops.txt", b"ok\n"), (name, b"pwned\n")])
    with pytest.raises(UnsafeArchiveError, match=re.escape(reason)):
        extract_zip(archive, tmp_path / "work" / "out")
    assert not (tmp_path / "work" / "out").exists()
    assert not list(tmp_path.rglob("evil*.txt"))
    assert not list((tmp_path / "work").glob(".*extracting"))


def test_a_symlink_member_is_refused(tmp_path):
    archive = make_zip(tmp_path / "link.zip", [("stops.txt", b"ok\n")], symlink="stops_link.txt")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_zip_bomb_is_stopped(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", [("stops.txt", b"0" * (20 * 1024 * 1024))])
    assert archive.stat().st_size < 100_000  # 20 MiB of zeros deflate to ~20 KiB: ratio ~1000
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        extract_zip(archive, tmp_path / "out")
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        extract_zip(archive, tmp_path / "out", max_ratio=10_000, max_total_bytes=5 * 1024 * 1024)
    assert not (tmp_path / "out").exists()


def test_a_member_listed_twice_is_refused(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = make_zip(tmp_path / "dup.zip", [("stops.txt", b"good\n"), ("stops.txt", b"evil\n")])
    with pytest.raises(UnsafeArchiveError, match="twice"):
        extract_zip(archive, tmp_path / "out")


def test_not_a_zip_and_existing_destination(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsafeArchiveError, match="not a readable zip"):
        extract_zip(tmp_path / "x.zip", tmp_path / "out")
    archive = make_zip(tmp_path / "ok.zip", [("a.txt", b"a")])
    (tmp_path / "exists").mkdir()
    with pytest.raises(FileExistsError):
        extract_zip(archive, tmp_path / "exists")


# --- XML external entities ----------------------------------------------------------------------------------

XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE mes:Structure [<!ENTITY xxe SYSTEM "file://{secret}">]>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
<mes:Header><mes:ID>&xxe;</mes:ID><mes:Test>false</mes:Test></mes:Header>
</mes:Structure>
"""
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&lol3;</mes:Structure>
"""


@pytest.mark.parametrize("payload", ["xxe", "billion laughs", "xxe in UTF-16"])
def test_the_sdmx_loader_refuses_entities(tmp_path, payload):
    from bisa_sdg.publish.sdmx import SdmxConfigError, load_dsd

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    text = XXE.format(secret=secret) if payload.startswith("xxe") else BILLION_LAUGHS
    data = text.encode("utf-16") if payload.endswith("UTF-16") else text.encode()
    (tmp_path / "dsd.xml").write_bytes(data)
    with pytest.raises(SdmxConfigError) as caught:
        load_dsd(tmp_path / "dsd.xml")
    assert "TOP-SECRET-VALUE" not in str(caught.value)
    assert re.search(r"DTD|entity|UTF-8", str(caught.value))


def test_sdmx1_itself_does_not_expand_an_external_entity(tmp_path):
    """Defence in depth: even past the DTD refusal, the parser sdmx1 uses does not read the file."""
    import sdmx

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    try:
        message = sdmx.read_sdmx(io.BytesIO(XXE.format(secret=secret).encode()), format="XML")
    except Exception as exc:  # refusing is fine; leaking is not
        assert "TOP-SECRET-VALUE" not in str(exc)
    else:
        assert "TOP-SECRET-VALUE" not in repr(message)


def test_every_xml_parser_in_the_code_is_configured_safely():
    """Any lxml parser the project builds must not resolve entities or touch the network."""
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.findall(r"XMLParser\(([^)]*)\)", text):
            assert "resolve_entities=False" in call and "no_network=True" in call, (
                f"{path}: XMLParser({call})"
            )
        for call in re.findall(r"etree\.(?:parse|fromstring|XML|iterparse)\(([^)]*)\)", text):
            assert "parser=" in call or "resolve_entities=False" in call, (
                f"{path}: unsafe etree call ({call})"
            )
        assert "xml.dom.minidom" not in text and "xml.sax" not in text, path


# --- YAML -----------------------------------------------------------------------------------------------------

EXPLOIT = "!!python/object/apply:os.system ['touch {marker}']"


def test_yaml_object_tags_are_refused_everywhere(tmp_path):
    marker = tmp_path / "pwned"
    tag = EXPLOIT.format(marker=marker)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(f"sources:\n  - id: {tag}\n", encoding="utf-8")
    profile = tmp_path / "profile.yaml"
    profile.write_text(f"id: {tag}\nregion: {{code: '04000', names: {{}}}}\n", encoding="utf-8")
    schema = tmp_path / "schema.yaml"
    schema.write_text(f"source: x\ncolumns:\n  a: {tag}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="cannot read the catalog"):
        load_catalog(catalog)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(profile)
    with pytest.raises(SchemaFileError, match="cannot read"):
        load_schema(schema)
    assert not marker.exists()


def test_no_unsafe_yaml_loader_in_the_code():
    from yaml.constructor import FullConstructor, SafeConstructor

    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(
            r"yaml\.(unsafe_load|full_load|load_all)\(|UnsafeLoader|FullLoader|Loader=yaml\.Loader", text
        ), path
        if re.search(r"yaml\.load\(", text):
            assert "SafeLoader" in text, f"{path}: yaml.load without a safe loader"
    from bisa_sdg import parsing

    loader = parsing._YAML_LOADER
    assert issubclass(loader, SafeConstructor) and not issubclass(loader, FullConstructor)
    with pytest.raises(yaml.YAMLError):
        parsing.load_yaml(EXPLOIT.format(marker="/nonexistent/x"))


# --- SQL identifiers from configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["x; drop table raw.y; --", "Population", "raw.population", "a b", "x'--", "", "1abc", "é"]
)
def test_checked_identifier_refuses(name):
    with pytest.raises(ValueError, match="not an allowed SQL identifier"):
        wh.checked_identifier(name)


def test_a_malicious_table_name_never_reaches_sql(tmp_path):
    import pandas as pd

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        wh.create_schemas(con)
        con.execute("create table raw.victim as select 1 as x")
        with pytest.raises(ValueError):
            wh.load_frame(con, "raw", "t as select 1; drop table raw.victim; --", pd.DataFrame({"a": [1]}))
        assert con.execute("select count(*) from raw.victim").fetchone() == (1,)


def test_a_malicious_source_id_in_the_catalog_is_refused(tmp_path):
    text = (ROOT / "data" / "raw" / "catalog.yaml").read_text(encoding="utf-8")
    evil = text.replace(
        "- id: statbel_population", '- id: "statbel_population; drop table curated.population; --"', 1
    )
    (tmp_path / "catalog.yaml").write_text(evil, encoding="utf-8")
    with pytest.raises(CatalogError, match="must match"):
        load_catalog(tmp_path / "catalog.yaml")


def test_a_malicious_area_code_in_the_profile_is_refused(tmp_path):
    text = (ROOT / "config" / "profiles" / "brussels.yaml").read_text(encoding="utf-8")
    assert '"21004"' in text
    evil = text.replace('"21004"', '"21004\'); drop table curated.population; --"', 1)
    (tmp_path / "profile.yaml").write_text(evil, encoding="utf-8")
    with pytest.raises(ProfileError, match="area codes must match"):
        load_profile(tmp_path / "profile.yaml")


# --- secrets ----------------------------------------------------------------------------------------------


def _all_text_of(database: Path) -> str:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        return "\n".join(
            str(con.execute(f'select * from "{s}"."{t}"').fetchall())  # noqa: S608 - names from the catalog
            for s, t in tables
        )


@pytest.mark.slow
def test_a_token_never_reaches_a_log_or_a_record(
    workspace, capsys, caplog, httpserver: HTTPServer, monkeypatch
):
    """A token in the API url (query and user:password) and in the token variable, through a whole online run."""
    query_token, bearer = "qTOKEN-5f1e2d3c", "bearer-SECRET-9b8c7d"
    httpserver.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_data("busy", status=503)
    monkeypatch.setenv(online.ENV_UNSD_URL, httpserver.url_for("/sdgapi") + f"?api_key={query_token}")
    monkeypatch.setenv(online.ENV_UNSD_TOKEN, bearer)
    monkeypatch.setattr(online, "DEFAULT_RETRIES", 1)
    caplog.set_level("DEBUG")

    workspace.run_log.unlink()  # so that the run rebuilds and writes audit.runs (with its warnings)
    code, out, err = run_cli(capsys, *workspace.cli_args("--online"))

    assert code == 0, err
    assert "online refresh from http://localhost:" in out and "api_key=REDACTED" in out
    assert (
        httpserver.log and httpserver.log[0][0].headers["Authorization"] == f"Bearer {bearer}"
    )  # it was sent
    seen = {
        "stdout/stderr": out + err,
        "log records": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        "run summary": (workspace.reports_dir / "run_summary.json").read_text(encoding="utf-8"),
        "run log": _all_text_of(workspace.run_log),
        "warehouse (audit.runs)": _all_text_of(workspace.warehouse),
        "raw folder": "\n".join(p.read_text("utf-8", "replace") for p in workspace.raw_dir.rglob("*.jsonl")),
    }
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        (warnings, flow_run) = con.execute("select warnings, prefect_flow_run from audit.runs").fetchone()
    assert "api_key=REDACTED" in warnings  # the warning is recorded, redacted
    name, _, run_id = flow_run.partition("/")[2].rpartition(" (")  # 'bisa-sdg/<run name> (<flow run id>)'
    seen["Prefect API logs"] = _prefect_logs_of(run_id.rstrip(")"))
    assert f"Beginning flow run '{name}'" in seen["Prefect API logs"]  # this run's own logs were read
    for where, text in seen.items():
        for secret in (query_token, bearer):
            assert secret not in text, f"{secret} leaked into {where}"


def test_a_password_in_the_api_url_is_redacted_from_the_fallback_warning(
    tmp_path, httpserver, monkeypatch, caplog
):
    httpserver.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_data("down", status=500)
    url = httpserver.url_for("/sdgapi").replace("http://", "http://statistician:pw-SECRET-77aa@")
    monkeypatch.setenv(online.ENV_UNSD_URL, url)
    monkeypatch.setattr(online, "DEFAULT_RETRIES", 0)
    caplog.set_level("DEBUG")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "catalog.yaml").write_text((ROOT / "data" / "raw" / "catalog.yaml").read_text(encoding="utf-8"))
    (warning,) = online.refresh_all(raw, load_catalog(raw / "catalog.yaml"))
    assert "http://REDACTED@localhost:" in warning
    assert httpserver.log[0][0].authorization.password == "pw-SECRET-77aa"  # it was used
    everything = warning + "\n".join(r.getMessage() for r in caplog.records)
    assert "pw-SECRET-77aa" not in everything and "statistician" not in everything


def _prefect_logs_of(flow_run_id: str) -> str:
    """Every log the Prefect API holds for one flow run and its subflow runs, page by page (not the API's first
    200 of the session, which in a full run belong to other tests)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        runs, frontier = {UUID(flow_run_id)}, [UUID(flow_run_id)]
        while frontier:
            children = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=frontier))
            )
            frontier = [run.id for run in children if run.id not in runs]
            runs.update(frontier)
        messages: list[str] = []
        while page := client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=sorted(runs))), limit=200, offset=len(messages)
        ):
            messages.extend(log.message for log in page)
    return "\n".join(messages)


def test_a_landed_vintage_records_the_url_without_its_token(tmp_path, httpserver: HTTPServer, monkeypatch):
    fixture = (
        ROOT / "tests" / "fixtures" / "unsd_api" / "sdgapi_v1_Indicator_List_goal11_release2022Q1G03.json"
    )
    httpserver.expect_request("/sdgapi/v1/sdg/Indicator/List").respond_with_data(fixture.read_bytes())
    monkeypatch.setenv(online.ENV_UNSD_URL, httpserver.url_for("/sdgapi") + "?api_key=qTOKEN-77")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "catalog.yaml").write_text((ROOT / "data" / "raw" / "catalog.yaml").read_text(encoding="utf-8"))
    assert online.refresh_all(raw, load_catalog(raw / "catalog.yaml")) == []
    (line,) = (raw / "unsd_sdg_api" / "manifest.jsonl").read_text().splitlines()
    assert "qTOKEN-77" not in line
    assert httpserver.log[0][0].args["api_key"] == "qTOKEN-77"  # sent as a query parameter, not recorded
    assert "api_key" not in json.loads(line)["url"] or json.loads(line)["url"].endswith("api_key=REDACTED")


# --- file modes ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_published_files_are_not_writable_by_others_even_with_umask_0(workspace, capsys):
    warehouse = workspace.warehouse.with_name("perm.duckdb")  # new files, same cache folder
    previous = os.umask(0)
    try:
        code, _, err = run_cli(capsys, *workspace.cli_args(warehouse=warehouse))
    finally:
        os.umask(previous)
    assert code == 0, err
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o644
    assert stat.S_IMODE((workspace.reports_dir / "run_summary.json").stat().st_mode) == 0o644
    created = [warehouse, warehouse.with_name("perm_runs.duckdb"), warehouse.with_name(".perm.duckdb.lock")]
    for path in created + list((workspace.reports_dir).rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert not mode & 0o022, f"{path} is group/world-writable ({oct(mode)})"
