"""UN SDG API client, parsers and landing, against a localhost server serving the recorded real responses."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bisa_sdg.acquire.landing import read_manifest
from bisa_sdg.acquire.unsd_api import (
    MalformedPayloadError,
    PagingError,
    UNSDGClient,
    fetch_to_landing,
    indicator_list_to_frames,
    parse_value,
    read_indicator_list,
    series_data_to_frame,
)

FIXTURES = Path(__file__).parent / "fixtures" / "unsd_api"
SHIPPED = Path(__file__).parents[1] / "data" / "raw" / "unsd_sdg_api"
INDICATOR_LIST_BYTES = (FIXTURES / "sdgapi_v1_Indicator_List_release2022Q1G03_all.json").read_bytes()
INDICATOR_LIST = json.loads(INDICATOR_LIST_BYTES)
GOAL11 = json.loads((FIXTURES / "sdgapi_v1_Indicator_List_goal11_release2022Q1G03.json").read_bytes())
SERIES_SAMPLE = json.loads((FIXTURES / "sdgapi_v1_Series_Data.sample_truncated.json").read_bytes())
TARGET_SAMPLE = json.loads(
    (FIXTURES / "sdgapi_v1_Target_List_includechildren_false.sample.json").read_bytes()
)
GEOAREA_SAMPLE = json.loads((FIXTURES / "sdgapi_v1_GeoArea_List.sample.json").read_bytes())

API = "/sdgapi/v1/sdg/"
DATA_PATH = API + "Series/Data"
SERIES = SERIES_SAMPLE["data"][0]["series"]  # 'SH_OOP_XPD_EARNNET40', the real sample's series


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(server: HTTPServer, **kwargs: Any) -> UNSDGClient:
    kwargs.setdefault("sleep", Sleeps())
    kwargs.setdefault("timeout", (1.0, 2.0))
    return UNSDGClient(base_url=server.url_for("/sdgapi"), **kwargs)


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(data, status=status, content_type="application/json", headers=headers)


# ----------------------------------------------------------------------------------------------------------
# List endpoints


def test_indicator_list_from_server_equals_recorded_json(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API + "Indicator/List").respond_with_data(
        INDICATOR_LIST_BYTES, content_type="application/json"
    )
    assert make_client(httpserver).indicator_list() == INDICATOR_LIST
    httpserver.check_assertions()


def test_target_and_geoarea_lists_send_the_documented_params(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        API + "Target/List", query_string={"includechildren": "false"}
    ).respond_with_json(TARGET_SAMPLE)
    httpserver.expect_request(API + "GeoArea/List").respond_with_json(GEOAREA_SAMPLE)
    client = make_client(httpserver)
    assert client.target_list() == TARGET_SAMPLE
    assert client.geoarea_list() == GEOAREA_SAMPLE
    assert client.geoarea_list()[0] == {"geoAreaCode": "4", "geoAreaName": "Afghanistan"}  # code is a string


def test_list_endpoint_malformed_json_names_the_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API + "Indicator/List").respond_with_data(
        INDICATOR_LIST_BYTES[:5000],
        content_type="application/json",  # a truncated download
    )
    with pytest.raises(MalformedPayloadError, match=r"malformed JSON from http://.*/Indicator/List"):
        make_client(httpserver).indicator_list()


def test_list_endpoint_wrong_shape_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API + "GeoArea/List").respond_with_json({"message": "An error has occurred."})
    with pytest.raises(MalformedPayloadError, match="list of objects"):
        make_client(httpserver).geoarea_list()


# ----------------------------------------------------------------------------------------------------------
# Indicator/List -> frames


def test_frames_match_independent_counts_of_the_full_fixture() -> None:
    frames = indicator_list_to_frames(INDICATOR_LIST)
    # Counted straight from the raw JSON, without the parser:
    goals = {r["goal"] for r in INDICATOR_LIST}
    targets = {r["target"] for r in INDICATOR_LIST}
    indicators = {r["code"] for r in INDICATOR_LIST}
    series = {s["code"] for r in INDICATOR_LIST for s in r["series"]}
    links = {(r["code"], s["code"]) for r in INDICATOR_LIST for s in r["series"]}
    # ... and the same links as the series objects state them themselves.
    links_from_series = {(i, s["code"]) for r in INDICATOR_LIST for s in r["series"] for i in s["indicator"]}

    assert set(frames["goals"]["goal_code"]) == goals
    assert len(frames["goals"]) == len(goals) == 17  # the 17 SDGs
    assert set(frames["targets"]["target_code"]) == targets and len(frames["targets"]) == len(targets)
    assert set(frames["indicators"]["indicator_id"]) == indicators
    assert len(frames["indicators"]) == len(indicators) == 248  # research notes §4: 248 entries incl. repeats
    assert set(frames["series"]["series_code"]) == series and len(frames["series"]) == len(series)
    pairs = set(map(tuple, frames["indicator_series"][["indicator_id", "series_code"]].to_numpy()))
    assert pairs == links == links_from_series
    assert len(frames["indicator_series"]) == len(links)
    # series are repeated across indicators in the real list, so there are more links than series
    assert sum(len(r["series"]) for r in INDICATOR_LIST) == len(links) > len(series)
    for name, frame in frames.items():
        assert not frame.duplicated().any(), name
    assert list(frames["series"].columns) == ["series_code", "indicator_id", "description", "release"]
    assert set(frames["series"]["release"]) == {"2022.Q1.G.03"}


def test_goal_11_against_the_published_framework() -> None:
    frames = indicator_list_to_frames(INDICATOR_LIST)
    ind = frames["indicators"]
    g11 = ind[ind["goal_code"] == "11"]
    # The 15 SDG 11 indicators of the framework (METHODS.md table).
    assert list(g11["indicator_id"]) == [
        "11.1.1", "11.2.1", "11.3.1", "11.3.2", "11.4.1", "11.5.1", "11.5.2", "11.5.3",
        "11.6.1", "11.6.2", "11.7.1", "11.7.2", "11.a.1", "11.b.1", "11.b.2",
    ]  # fmt: skip
    targets = frames["targets"]
    # Goal 11 has 10 targets (11.1-11.7, 11.a, 11.b, 11.c), but 11.c has no indicator since the old 11.c.1 was
    # deleted, and Indicator/List names targets only through indicators: 9 here.
    assert list(targets.loc[targets["goal_code"] == "11", "target_code"]) == [
        "11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7", "11.a", "11.b",
    ]  # fmt: skip
    assert set(g11["tier"]) <= {"1", "2"}  # tier is a string in the API
    pm25 = frames["series"].set_index("series_code").loc["EN_ATM_PM25"]
    assert pm25["indicator_id"] == "11.6.2"


def test_a_series_shared_by_several_indicators_is_one_row_with_all_links() -> None:
    frames = indicator_list_to_frames(INDICATOR_LIST)
    links = frames["indicator_series"]
    assert set(links.loc[links["series_code"] == "VC_DSR_MISS", "indicator_id"]) == {
        "1.5.1",
        "11.5.1",
        "13.1.1",
    }
    rows = frames["series"][frames["series"]["series_code"] == "VC_DSR_MISS"]
    assert len(rows) == 1
    assert rows["indicator_id"].item() == "1.5.1"  # the first one it is listed under


def test_goal11_subset_frames_equal_the_goal11_slice_of_the_full_list() -> None:
    assert [r for r in INDICATOR_LIST if r["goal"] == "11"] == GOAL11
    frames = indicator_list_to_frames(GOAL11)
    assert list(frames["goals"]["goal_code"]) == ["11"]
    assert len(frames["indicators"]) == 15
    # In the subset VC_DSR_MISS is listed under 11.5.1 only, so its primary indicator stays inside the subset.
    assert set(frames["series"]["indicator_id"]) <= set(frames["indicators"]["indicator_id"])


def test_conflicting_repeats_are_not_deduplicated_silently() -> None:
    records = copy.deepcopy(GOAL11)
    shared = records[5]["series"][0]  # VC_DSR_MISS under 11.5.1
    records.append(copy.deepcopy(records[5]))
    records[-1]["series"] = [{**shared, "description": "something else"}]
    with pytest.raises(ValueError, match="conflicting"):
        indicator_list_to_frames(records)


def test_read_indicator_list_reads_the_shipped_snapshot() -> None:
    shipped = read_indicator_list(SHIPPED / "sdgapi_v1_Indicator_List_release2022Q1G03_all.json")
    assert shipped == INDICATOR_LIST


def test_read_indicator_list_names_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "Indicator_List.json"
    broken.write_bytes(INDICATOR_LIST_BYTES[:100])
    with pytest.raises(MalformedPayloadError, match=r"Indicator_List\.json"):
        read_indicator_list(broken)
    broken.write_text(json.dumps([{"goal": "11"}]), encoding="utf-8")
    with pytest.raises(MalformedPayloadError, match="lacks"):
        read_indicator_list(broken)


# ----------------------------------------------------------------------------------------------------------
# Series/Data paging
#
# Paging fixtures are built from the real Series/Data sample: its header (size, totalElements, totalPages,
# pageNumber, attributes, dimensions) is copied as recorded, and its two real records are reused. The only
# changes: records are copies of the two real ones with timePeriodStart set to 1900 + n (so every record
# is distinct), and the header's size / totalPages / totalElements / pageNumber are set per scenario (or
# removed).

PAGE = 2
HEADER = {k: v for k, v in SERIES_SAMPLE.items() if k != "data"}
MISSING = object()


def fake_records(count: int, start: int = 0) -> list[dict[str, Any]]:
    out = []
    for n in range(start, start + count):
        rec = copy.deepcopy(SERIES_SAMPLE["data"][n % len(SERIES_SAMPLE["data"])])
        rec["timePeriodStart"] = float(1900 + n)
        out.append(rec)
    return out


def page_body(
    records: list[dict[str, Any]],
    page: int,
    *,
    total_pages: Any = MISSING,
    total: Any = MISSING,
    size: int = PAGE,
) -> dict[str, Any]:
    body = {**HEADER, "size": size, "pageNumber": page, "data": records}
    for key, value in (("totalPages", total_pages), ("totalElements", total)):
        if value is MISSING:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def paged_handler(page_sizes: list[int], **header: Any) -> Callable[[Request], Response]:
    """Serves page n (1-based) with page_sizes[n-1] records; pages beyond the list are empty."""
    starts = [sum(page_sizes[:i]) for i in range(len(page_sizes))]

    def handler(request: Request) -> Response:
        page = int(request.args["page"])
        records = fake_records(page_sizes[page - 1], starts[page - 1]) if page <= len(page_sizes) else []
        return json_response(page_body(records, page, **header))

    return handler


def requested_pages(server: HTTPServer) -> list[int]:
    return [int(req.args["page"]) for req, _ in server.log]


def test_paging_without_total_pages_stops_on_short_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA_PATH).respond_with_handler(paged_handler([2, 2, 1]))
    records = make_client(httpserver).series_data(SERIES, area_codes=["56", 4], page_size=PAGE)

    assert records == fake_records(5)
    assert requested_pages(httpserver) == [1, 2, 3]
    first = httpserver.log[0][0].args
    assert first["seriesCode"] == SERIES
    assert first.getlist("areaCode") == ["56", "4"]  # repeated params, as the swagger declares
    assert first["pageSize"] == str(PAGE)


def test_paging_ignores_a_lying_total_pages(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA_PATH).respond_with_handler(
        paged_handler([2, 2, 2, 1], total_pages=1, total=2)
    )
    records = make_client(httpserver).series_data(SERIES, page_size=PAGE)
    assert records == fake_records(7)
    assert requested_pages(httpserver) == [1, 2, 3, 4]


def test_paging_stops_on_an_empty_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA_PATH).respond_with_handler(paged_handler([2, 2], total_pages=2, total=4))
    assert make_client(httpserver).series_data(SERIES, page_size=PAGE) == fake_records(4)
    assert requested_pages(httpserver) == [1, 2, 3]


def test_paging_follows_a_server_capped_page_size(httpserver: HTTPServer) -> None:
    """Asked for 5 a page, the server gives (and reports) 2: a page of 2 is then full, not the last."""
    httpserver.expect_request(DATA_PATH).respond_with_handler(paged_handler([2, 2, 1], size=2))
    assert make_client(httpserver).series_data(SERIES, page_size=5) == fake_records(5)


def test_paging_that_never_ends_stops_at_max_pages(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA_PATH).respond_with_handler(paged_handler([2] * 100, total_pages=1))
    with pytest.raises(PagingError, match=r"max_pages=5.*never ends"):
        make_client(httpserver, max_pages=5).series_data(SERIES, page_size=PAGE)
    assert requested_pages(httpserver) == [1, 2, 3, 4, 5]


def test_a_server_repeating_the_same_page_is_an_error(httpserver: HTTPServer) -> None:
    def same_page(_: Request) -> Response:
        return json_response(page_body(fake_records(PAGE), 1, total_pages=3))

    httpserver.expect_request(DATA_PATH).respond_with_handler(same_page)
    with pytest.raises(PagingError, match="page 2 is identical to page 1"):
        make_client(httpserver).series_data(SERIES, page_size=PAGE)
    assert requested_pages(httpserver) == [1, 2]


def test_malformed_json_page_names_the_url(httpserver: HTTPServer) -> None:
    good = paged_handler([2, 2, 1])

    def handler(request: Request) -> Response:
        if request.args["page"] == "2":
            return Response(b'{"size": 2, "data": [{"series": ', content_type="application/json")
        return good(request)

    httpserver.expect_request(DATA_PATH).respond_with_handler(handler)
    with pytest.raises(MalformedPayloadError, match=r"malformed JSON from http://\S+Series/Data\?\S*page=2"):
        make_client(httpserver).series_data(SERIES, page_size=PAGE)


def test_a_page_without_data_list_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(DATA_PATH).respond_with_json({**HEADER, "data": None})
    with pytest.raises(MalformedPayloadError, match="'data' list"):
        make_client(httpserver).series_data(SERIES, page_size=PAGE)


def test_a_page_failing_once_with_500_is_retried(httpserver: HTTPServer) -> None:
    good = paged_handler([2, 2, 1])
    failed: list[int] = []

    def handler(request: Request) -> Response:
        if request.args["page"] == "2" and not failed:
            failed.append(2)
            return Response("Internal Server Error", status=500)
        return good(request)

    httpserver.expect_request(DATA_PATH).respond_with_handler(handler)
    sleeps = Sleeps()
    records = make_client(httpserver, sleep=sleeps).series_data(SERIES, page_size=PAGE)
    assert records == fake_records(5)
    assert requested_pages(httpserver) == [1, 2, 2, 3]
    assert sleeps == [0.5]


# ----------------------------------------------------------------------------------------------------------
# Series/Data -> frame


def test_series_data_frame_from_the_real_sample() -> None:
    frame = series_data_to_frame(SERIES_SAMPLE["data"])
    assert len(frame) == 2
    assert list(frame["value"]) == [5.52, 32.01]
    assert list(frame["value_raw"]) == ["5.52", "32.01"]
    assert list(frame["year"]) == [2007, 2016]
    assert str(frame["year"].dtype) == "Int64"
    assert list(frame["geo_area_code"]) == ["4", "4"]
    assert list(frame["indicator_ids"]) == ["3.8.2", "3.8.2"]
    assert list(frame["attr_nature"]) == ["G", "CA"]
    assert list(frame["attr_units"]) == ["PERCENT", "PERCENT"]
    assert list(frame["dim_location"]) == ["URBAN", "ALLAREA"]
    assert list(frame["dim_reporting_type"]) == ["G", "G"]
    assert list(frame["dim_type_of_household"]) == ["_T", "_T"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("5.52", 5.52), ("-1e3", -1000.0), (" 7 ", 7.0), (12.5, 12.5), ("NaN", None), ("nan", None),
     ("<5", None), (">95", None), ("1,234", None), ("", None), (None, None), ("Infinity", None),
     ("N/A", None)],
)  # fmt: skip
def test_parse_value(raw: Any, expected: float | None) -> None:
    assert parse_value(raw) == expected


def test_non_numeric_values_keep_their_raw_text() -> None:
    records = fake_records(3)
    for rec, raw in zip(records, ["NaN", "<5", "12.0"], strict=True):
        rec["value"] = raw
    frame = series_data_to_frame(records)
    assert list(frame["value_raw"]) == ["NaN", "<5", "12.0"]
    assert frame["value"].isna().tolist() == [True, True, False]
    assert frame["value"].iloc[2] == 12.0


def test_a_fractional_time_period_is_an_error() -> None:
    records = fake_records(1)
    records[0]["timePeriodStart"] = 2016.5
    with pytest.raises(ValueError, match="whole year"):
        series_data_to_frame(records)


def test_empty_series_data_gives_an_empty_frame_with_columns() -> None:
    frame = series_data_to_frame([])
    assert frame.empty
    assert {"series_code", "geo_area_code", "year", "value", "value_raw"} <= set(frame.columns)


# ----------------------------------------------------------------------------------------------------------
# fetch_to_landing end to end


def test_fetch_to_landing_then_304_lands_nothing_new(httpserver: HTTPServer, tmp_path: Path) -> None:
    etag, last_modified = '"il-2022Q1G03"', "Tue, 01 Mar 2022 00:00:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return json_response(INDICATOR_LIST_BYTES, ETag=etag, **{"Last-Modified": last_modified})

    httpserver.expect_request(API + "Indicator/List").respond_with_handler(handler)
    client = make_client(httpserver)
    t0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

    first = fetch_to_landing(tmp_path, client, "indicator_list", retrieved_at=t0)
    assert first.new
    assert first.path.read_bytes() == INDICATOR_LIST_BYTES
    assert first.entry.etag == etag and first.entry.last_modified == last_modified
    assert first.entry.url == httpserver.url_for(API + "Indicator/List")
    assert "If-None-Match" not in httpserver.log[0][0].headers

    second = fetch_to_landing(tmp_path, client, "indicator_list", retrieved_at=t0 + timedelta(days=1))
    assert not second.new
    assert second.path == first.path
    assert httpserver.log[1][0].headers.get("If-None-Match") == etag
    assert httpserver.log[1][0].headers.get("If-Modified-Since") == last_modified
    assert httpserver.log[1][1].status_code == 304
    assert len(read_manifest(tmp_path, "unsd_sdg_api")) == 1
    assert len(list((tmp_path / "unsd_sdg_api" / "vintages").iterdir())) == 1

    # The landed file parses back into the same frames as the recorded fixture.
    frames = indicator_list_to_frames(read_indicator_list(second.path))
    pd.testing.assert_frame_equal(
        frames["indicators"], indicator_list_to_frames(INDICATOR_LIST)["indicators"]
    )


def test_fetch_to_landing_new_release_makes_a_new_vintage(httpserver: HTTPServer, tmp_path: Path) -> None:
    bodies = [INDICATOR_LIST_BYTES, json.dumps(GOAL11).encode()]  # two different real payloads

    def handler(request: Request) -> Response:
        n = len(httpserver.log)  # requests already answered
        return json_response(bodies[min(n, 1)], ETag=f'"v{min(n, 1)}"')

    httpserver.expect_request(API + "Indicator/List").respond_with_handler(handler)
    client = make_client(httpserver)
    t0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    first = fetch_to_landing(tmp_path, client, retrieved_at=t0)
    second = fetch_to_landing(tmp_path, client, retrieved_at=t0 + timedelta(days=30))
    assert first.new and second.new
    assert httpserver.log[1][0].headers.get("If-None-Match") == '"v0"'
    assert [e.etag for e in read_manifest(tmp_path, "unsd_sdg_api")] == ['"v0"', '"v1"']


def test_fetch_to_landing_without_validators_dedupes_by_hash(httpserver: HTTPServer, tmp_path: Path) -> None:
    """A server that sends no ETag/Last-Modified: the second identical download is recognised by sha256."""
    httpserver.expect_request(API + "GeoArea/List").respond_with_json(GEOAREA_SAMPLE)
    client = make_client(httpserver)
    t0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    first = fetch_to_landing(tmp_path, client, "geoarea_list", retrieved_at=t0)
    second = fetch_to_landing(tmp_path, client, "geoarea_list", retrieved_at=t0 + timedelta(hours=1))
    assert first.new and not second.new
    assert "If-None-Match" not in httpserver.log[1][0].headers
    assert len(read_manifest(tmp_path, "unsd_sdg_api")) == 1


def test_fetch_to_landing_refuses_an_html_error_page(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(API + "Indicator/List").respond_with_data(
        "<html><body>Service Unavailable</body></html>", content_type="text/html"
    )
    with pytest.raises(MalformedPayloadError, match="Indicator/List"):
        fetch_to_landing(tmp_path, make_client(httpserver))
    assert not (tmp_path / "unsd_sdg_api").exists()


def test_fetch_to_landing_unknown_endpoint(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        fetch_to_landing(tmp_path, UNSDGClient(base_url="http://127.0.0.1:1"), "series_data")
