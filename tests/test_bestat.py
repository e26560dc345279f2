"""be.STAT client against a localhost server.

FIXTURE IN THE DOCUMENTED FORM, NOT A RECORDED RESPONSE: no stored repository holds a be.STAT result for these
views, so the responses below follow the form independent consumers rely on — a JSON object whose ``facts`` is a
list of flat objects keyed by column label (``.facts[] | select(.Product == ...)``, ``facts,6,<label>``, a Java
model with ``Jaar``/``Maand``/``Consumptieprijsindex`` fields). Labels are Dutch as in those consumers; the values
are placeholders, not Statbel figures. The layout is UNVERIFIED (see src/bisa_sdg/acquire/bestat_api.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bisa_sdg.acquire import online
from bisa_sdg.acquire.bestat_api import (
    VIEWS,
    BestatError,
    RefreshError,
    fetch_view,
    refresh_views,
    view_url,
)
from bisa_sdg.acquire.landing import LandingError, read_manifest
from bisa_sdg.config.catalog import load_catalog
from bisa_sdg.config.profile import load_profile
from bisa_sdg.sources import read_source
from bisa_sdg.validation.duckdb_engine import validate_any
from bisa_sdg.validation.schema import load_schema
from tests.conftest import copy_sample

T0 = datetime(2025, 6, 1, 6, 0, 0, tzinfo=UTC)
API = "/bestat/api/views/"
# Documented form (UNVERIFIED); placeholder values.
DOCUMENTED = {
    "facts": [
        {"Jaar": "2024", "Gewest": "Brussels Hoofdstedelijk Gewest", "Leeftijd": "0", "Aantal": 1},
        {"Jaar": "2024", "Gewest": "Brussels Hoofdstedelijk Gewest", "Leeftijd": "1", "Aantal": None},
    ]
}
BODY = json.dumps(DOCUMENTED, ensure_ascii=False).encode("utf-8")
CSV_BODY = b"Jaar,Gewest,Leeftijd,Aantal\r\n2024,Brussels Hoofdstedelijk Gewest,0,1\r\n"


def path_of(key: str, fmt: str = "JSON") -> str:
    return f"{API}{VIEWS[key].view_id}/result/{fmt}"


def fetch(raw: Path, server: HTTPServer, key: str = "age_structure", **kwargs):
    kwargs.setdefault("sleep", lambda _s: None)
    kwargs.setdefault("timeout", (1.0, 5.0))
    return fetch_view(raw, key, base_url=server.url_for("/bestat/api"), **kwargs)


def test_view_urls_and_ids() -> None:
    assert view_url(VIEWS["land_use_cadastre"], base_url="https://bestat.statbel.fgov.be/bestat/api") == (
        "https://bestat.statbel.fgov.be/bestat/api/views/b7c7f4b0-d476-4446-8c91-ba0112ea3ac0/result/JSON"
    )
    assert {k: v.view_id for k, v in VIEWS.items()} == {
        "land_use_cadastre": "b7c7f4b0-d476-4446-8c91-ba0112ea3ac0",
        "age_structure": "08f8d45a-9053-44b6-b34d-29a0e98f1e5a",
        "households": "a4ee6bce-4315-4fb8-bc5c-0f1fd64d010c",
    }


def test_a_view_lands_as_a_vintage_with_its_manifest_entry(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(path_of("age_structure")).respond_with_data(
        BODY, content_type="application/json", headers={"ETag": '"age-1"'}
    )
    landed = fetch(tmp_path, httpserver, retrieved_at=T0)

    expected = tmp_path / "bestat_views" / "vintages" / "20250601T060000Z"
    assert (
        landed.new
        and landed.path == expected / "bestat_age_structure_08f8d45a-9053-44b6-b34d-29a0e98f1e5a.json"
    )
    assert landed.path.read_bytes() == BODY
    (entry,) = read_manifest(tmp_path, "bestat_views")
    assert entry.sha256 == hashlib.sha256(BODY).hexdigest() and entry.bytes == len(BODY)
    assert entry.url == httpserver.url_for(path_of("age_structure")) and entry.etag == '"age-1"'


def test_not_modified_and_identical_bytes_land_nothing_and_nothing_is_overwritten(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    path = path_of("households")
    httpserver.expect_ordered_request(path).respond_with_data(BODY, headers={"ETag": '"h1"'})

    def conditional(request: Request) -> Response:
        assert request.headers.get("If-None-Match") == '"h1"'
        return Response(status=304)

    httpserver.expect_ordered_request(path).respond_with_handler(conditional)
    httpserver.expect_ordered_request(path).respond_with_data(BODY.replace(b'"1"', b'"2"'))

    first = fetch(tmp_path, httpserver, "households", retrieved_at=T0)
    second = fetch(tmp_path, httpserver, "households", retrieved_at=T0 + timedelta(days=1))
    assert not second.new and second.path == first.path
    with pytest.raises(LandingError, match="refusing to overwrite"):  # other bytes, same second
        fetch(tmp_path, httpserver, "households", retrieved_at=T0)
    assert first.path.read_bytes() == BODY
    assert len(read_manifest(tmp_path, "bestat_views")) == 1
    httpserver.check_assertions()


def test_a_500_is_retried(httpserver: HTTPServer, tmp_path: Path) -> None:
    path = path_of("land_use_cadastre")
    httpserver.expect_ordered_request(path).respond_with_data("oops", status=500)
    httpserver.expect_ordered_request(path).respond_with_data(BODY)
    assert fetch(tmp_path, httpserver, "land_use_cadastre", retries=1).new
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Service unavailable</html>", "malformed JSON"),
        (b'{"message": "view not found"}', "'facts' list of objects"),
        (b'{"facts": [1, 2]}', "'facts' list of objects"),
        (b"", "empty response body"),
    ],
)
def test_a_body_not_in_the_documented_form_lands_nothing(
    body: bytes, message: str, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(path_of("age_structure")).respond_with_data(body)
    with pytest.raises(BestatError, match=message):
        fetch(tmp_path, httpserver)
    assert not (tmp_path / "bestat_views").exists()


def test_the_csv_form_lands_too(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(path_of("age_structure", "CSV")).respond_with_data(
        CSV_BODY, content_type="text/csv"
    )
    landed = fetch(tmp_path, httpserver, fmt="CSV")
    assert landed.path.name.endswith(".csv") and landed.path.read_bytes() == CSV_BODY
    httpserver.clear()
    httpserver.expect_request(path_of("households", "CSV")).respond_with_data(b"<html>error</html>")
    with pytest.raises(BestatError, match="got markup"):
        fetch(tmp_path, httpserver, "households", fmt="CSV")


def test_the_reader_gives_one_row_per_fact_and_field(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(path_of("age_structure")).respond_with_data(BODY)
    raw = copy_sample(tmp_path) / "data" / "raw"
    landed = fetch(raw, httpserver)
    catalog = load_catalog(raw / "catalog.yaml")
    profile = load_profile(tmp_path / "config/profiles/brussels.yaml")
    frame = read_source(catalog.get("bestat_views"), raw, profile)
    assert len(frame) == 8  # 2 facts × 4 labels
    assert set(frame["_file"]) == {landed.path.relative_to(raw).as_posix()}
    first = frame[frame["record"] == 1].set_index("field")["value"].to_dict()
    assert first == {
        "Jaar": "2024",
        "Gewest": "Brussels Hoofdstedelijk Gewest",
        "Leeftijd": "0",
        "Aantal": "1",
    }
    assert frame.loc[(frame["record"] == 2) & (frame["field"] == "Aantal"), "value"].isna().all()
    issues = validate_any(frame, load_schema(tmp_path / "schemas" / "bestat_views.yaml"), profile, {})
    assert issues.empty, issues.to_dict("records")


def test_refresh_views_lands_what_answers_and_reports_the_rest(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(path_of("age_structure")).respond_with_data(BODY)
    httpserver.expect_request(path_of("households")).respond_with_data(BODY)
    httpserver.expect_request(path_of("land_use_cadastre")).respond_with_data("gone", status=404)
    with pytest.raises(
        RefreshError, match=r"land_use_cadastre: FetchError: .*HTTP 404.*age_structure landed"
    ):
        refresh_views(tmp_path, base_url=httpserver.url_for("/bestat/api"), retries=0)
    assert {e.filename.split("_")[1] for e in read_manifest(tmp_path, "bestat_views")} == {
        "age",
        "households",
    }


def test_refresh_all_refreshes_bestat_when_selected(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch
) -> None:
    for key in VIEWS:
        httpserver.expect_request(path_of(key)).respond_with_data(BODY)
    monkeypatch.setenv("BISA_SDG_ONLINE_SOURCES", "bestat_views")
    monkeypatch.setenv("BISA_SDG_BESTAT_URL", httpserver.url_for("/bestat/api"))
    raw = copy_sample(tmp_path) / "data" / "raw"
    assert online.refresh_all(raw, load_catalog(raw / "catalog.yaml")) == []
    assert len(read_manifest(raw, "bestat_views")) == 3 and len(httpserver.log) == 3
