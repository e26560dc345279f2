"""Releases: frozen, hashed, refused twice, verifiable, and re-openable read-only."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from lxml import etree

from bisa_sdg.cli import main
from bisa_sdg.config.catalog import sha256_of
from bisa_sdg.publish import release as rel
from bisa_sdg.publish.outputs import OutputError
from tests.outputs_support import build_sample_warehouse, settings

VINTAGE = "2025-06-30"
NS = {"mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"}


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> tuple[Path, Path, Path]:
    warehouse = build_sample_warehouse(tmp_path_factory.mktemp("sample"))
    releases = tmp_path_factory.mktemp("releases")
    folder = rel.create_release(warehouse, releases, vintage=VINTAGE, settings=settings())
    return warehouse, releases, folder


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def writable_copy(folder: Path, target: Path) -> Path:
    """A copy of a release that a test may damage (the fixture's release stays intact)."""
    shutil.copytree(folder, target)
    for path in [target, *target.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return target


def test_release_is_frozen_with_every_export_and_a_manifest(released) -> None:
    warehouse, releases, folder = released
    assert folder == releases / VINTAGE
    assert not [p for p in releases.iterdir() if p.name.startswith(f".{VINTAGE}")]  # no staging left
    manifest = json.loads((folder / rel.MANIFEST).read_text(encoding="utf-8"))
    files = manifest["files"]
    assert f"warehouse/{warehouse.name}" in files
    assert {"reports/index.html", "reports/extracts/bisa_sdg_indicators.xlsx"} <= set(files)
    assert any(f.startswith("reports/sdmx/") and f.endswith(".xml") for f in files)
    assert any(f.startswith("reports/opensdg/data/") for f in files)
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(files) | {rel.MANIFEST, rel.MANIFEST_HASH}
    for relative, entry in files.items():
        assert sha256_of(folder / relative) == entry["sha256"]
    assert (folder / rel.MANIFEST_HASH).read_text().split()[0] == sha256_of(folder / rel.MANIFEST)
    # Input vintages: the raw files read and the run that built the warehouse.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        source_files = con.execute("select count(*) from meta.source_files").fetchall()[0][0]
        run_id = con.execute("select run_id from audit.runs").fetchall()[0][0]
    assert len(manifest["inputs"]["source_files"]) == source_files
    assert manifest["inputs"]["sources"] and all("retrieved" in s for s in manifest["inputs"]["sources"])
    assert manifest["run"]["run_id"] == run_id and manifest["run"]["inputs"]
    # Read-only: files 0o444, folders 0o555.
    assert {mode(p) for p in folder.rglob("*") if p.is_file()} == {rel.FILE_MODE}
    assert {mode(p) for p in [folder, *folder.rglob("*")] if p.is_dir()} == {rel.DIR_MODE}


def test_exports_name_the_vintage(released) -> None:
    _, _, folder = released
    sdmx_dir = folder / "reports" / "sdmx"
    [xml] = sorted(p for p in sdmx_dir.glob("*.xml") if not p.name.endswith(".structure.xml"))
    header = etree.parse(str(xml), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert VINTAGE in header.findtext("mes:Header/mes:ID", namespaces=NS)
    assert header.findtext("mes:Header/mes:Prepared", namespaces=NS).startswith(VINTAGE)
    assert "UNRELEASED" not in xml.read_text(encoding="utf-8")
    html = (folder / "reports" / "index.html").read_text(encoding="utf-8")
    assert f'content="{VINTAGE}"' in html and f"release {VINTAGE}" in html
    outputs = json.loads((folder / "reports" / "outputs.json").read_text(encoding="utf-8"))
    assert outputs["release"] == VINTAGE


def test_the_same_vintage_is_refused(released) -> None:
    warehouse, releases, folder = released
    before = sha256_of(folder / rel.MANIFEST)
    with pytest.raises(rel.ReleaseError, match=f"release {VINTAGE} already exists"):
        rel.create_release(warehouse, releases, vintage=VINTAGE, settings=settings())
    assert sha256_of(folder / rel.MANIFEST) == before
    assert sorted(p.name for p in releases.iterdir() if not p.name.startswith(".release")) == [VINTAGE]


@pytest.mark.parametrize("vintage", ["2025-13-01", "2025/06/30", "latest", "2025-6-30"])
def test_a_vintage_must_be_a_date(released, vintage) -> None:
    warehouse, releases, _ = released
    with pytest.raises(rel.ReleaseError, match="vintage"):
        rel.create_release(warehouse, releases, vintage=vintage, settings=settings())


def test_verify_passes_on_an_intact_release(released) -> None:
    _, releases, _ = released
    result = rel.verify_release(releases, VINTAGE)
    assert result.ok and result.checked > 10 and not result.writable
    assert "OK" in result.describe()


def test_verify_reports_every_change(released, tmp_path) -> None:
    _, _, folder = released
    copy = writable_copy(folder, tmp_path / "releases" / VINTAGE)
    (copy / "reports" / "index.html").write_text("changed", encoding="utf-8")
    (copy / "reports" / "extracts" / "areas.csv").unlink()
    (copy / "reports" / "extra.txt").write_text("added", encoding="utf-8")
    result = rel.verify_release(tmp_path / "releases", VINTAGE)
    assert not result.ok
    assert result.mismatched == ["reports/index.html"]
    assert result.missing == ["reports/extracts/areas.csv"]
    assert result.unexpected == ["reports/extra.txt"]
    assert result.writable  # the copy is no longer read-only
    text = result.describe()
    assert "NOT OK" in text and "reports/index.html" in text

    manifest = copy / rel.MANIFEST
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("sha256", "sha256 "), encoding="utf-8")
    assert rel.verify_release(tmp_path / "releases", VINTAGE).manifest_changed


def test_an_earlier_vintage_reopens_read_only(released) -> None:
    warehouse, releases, folder = released
    path = rel.open_release(releases, VINTAGE)
    assert path == folder / "warehouse" / warehouse.name
    with rel.connect_release(releases, VINTAGE) as con:
        frozen = con.execute("select count(*), sum(obs_value) from curated.indicator_values").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("create table curated.x as select 1")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            frozen == con.execute("select count(*), sum(obs_value) from curated.indicator_values").fetchall()
        )
    with pytest.raises(rel.ReleaseError, match="no release 2001-01-01"):
        rel.open_release(releases, "2001-01-01")


def test_a_failed_release_leaves_nothing(released, tmp_path) -> None:
    warehouse, _, _ = released
    releases = tmp_path / "releases"
    with pytest.raises(OutputError, match=r"missing\.csv"):
        rel.create_release(
            warehouse,
            releases,
            vintage="2025-07-01",
            settings=settings(ref_area_map_path=tmp_path / "missing.csv"),
        )
    assert [p.name for p in releases.iterdir()] == [".release.lock"]


def test_cli_lists_verifies_opens_and_refuses(released, capsys) -> None:
    warehouse, releases, folder = released
    assert main(["release", "--releases-dir", str(releases), "--list"]) == 0
    assert VINTAGE in capsys.readouterr().out
    assert main(["release", "--releases-dir", str(releases), "--verify", VINTAGE]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["release", "--releases-dir", str(releases), "--open", VINTAGE]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "warehouse" / warehouse.name)
    code = main(
        ["release", "--releases-dir", str(releases), "--warehouse", str(warehouse), "--vintage", VINTAGE]
    )
    assert code == 1
    assert "already exists" in capsys.readouterr().err
