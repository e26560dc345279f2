"""bisa_sdg.acquire.http against a real HTTP server on localhost (pytest-httpserver) serving recorded API bytes."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bisa_sdg.acquire.http import FetchError, fetch, make_session, parse_retry_after, redact_text, redact_url

FIXTURES = Path(__file__).parent / "fixtures" / "unsd_api"
GEOAREA = (FIXTURES / "sdgapi_v1_GeoArea_List.sample.json").read_bytes()
PATH = "/sdgapi/v1/sdg/GeoArea/List"
FAST = (1.0, 2.0)  # connect, read: short, so a bug cannot make the suite hang


class Sleeps(list[float]):
    """Injected instead of time.sleep: records the waits, never waits."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with make_session() as s:
        yield s


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A threaded server: a handler that sleeps past the client's timeout must not block the retry."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def json_ok(body: bytes = GEOAREA, **headers: str) -> Response:
    return Response(body, status=200, content_type="application/json", headers=headers)


def test_500_then_200_is_retried(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data("boom", status=500)
    httpserver.expect_ordered_request(PATH).respond_with_response(json_ok(ETag='"g1"'))
    sleeps = Sleeps()

    result = fetch(session, httpserver.url_for(PATH), timeout=FAST, sleep=sleeps)

    assert result.status == 200
    assert result.content == GEOAREA
    assert result.etag == '"g1"'
    assert sleeps == [0.5]  # backoff * 2**0 before the single retry
    assert len(httpserver.log) == 2
    httpserver.check_assertions()


def test_500_forever_gives_fetch_error_after_all_attempts(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    sleeps = Sleeps()
    url = httpserver.url_for(PATH)

    with pytest.raises(FetchError) as info:
        fetch(session, url, timeout=FAST, retries=3, backoff=0.5, sleep=sleeps)

    assert len(httpserver.log) == 4  # 1 attempt + 3 retries
    assert sleeps == [0.5, 1.0, 2.0]  # exponential
    err = info.value
    assert (err.attempts, err.status) == (4, 503)
    assert url in str(err)
    assert "4 attempt" in str(err)
    assert "HTTP 503" in str(err)


def test_read_timeout_is_retried_then_fails(threaded_server: HTTPServer, session: requests.Session) -> None:
    def slow(_: Request) -> Response:
        time.sleep(0.5)
        return json_ok()

    threaded_server.expect_request(PATH).respond_with_handler(slow)
    url = threaded_server.url_for(PATH)
    sleeps = Sleeps()

    with pytest.raises(FetchError) as info:
        fetch(session, url, timeout=(1.0, 0.15), retries=1, sleep=sleeps)

    assert info.value.attempts == 2
    assert "timed out" in str(info.value).lower()
    assert url in str(info.value)
    assert sleeps == [0.5]


def test_read_timeout_then_success(threaded_server: HTTPServer, session: requests.Session) -> None:
    calls = 0
    lock = threading.Lock()

    def first_slow(_: Request) -> Response:
        nonlocal calls
        with lock:
            calls += 1
            mine = calls
        if mine == 1:
            time.sleep(0.5)
        return json_ok()

    threaded_server.expect_request(PATH).respond_with_handler(first_slow)
    result = fetch(session, threaded_server.url_for(PATH), timeout=(1.0, 0.15), retries=2, sleep=Sleeps())
    assert result.content == GEOAREA
    assert calls == 2


def test_connection_refused_is_retried_and_names_url(session: requests.Session) -> None:
    with socket.socket() as sock:  # a port nobody listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sdgapi/v1/sdg/Goal/List"
    sleeps = Sleeps()
    with pytest.raises(FetchError) as info:
        fetch(session, url, timeout=FAST, retries=2, sleep=sleeps)
    assert info.value.attempts == 3
    assert len(sleeps) == 2
    assert url in str(info.value)
    assert "ConnectionError" in str(info.value)


def test_429_with_retry_after_is_obeyed(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_response(json_ok())
    sleeps = Sleeps()

    result = fetch(session, httpserver.url_for(PATH), timeout=FAST, sleep=sleeps)

    assert result.status == 200
    assert sleeps == [7.0]
    httpserver.check_assertions()


def test_retry_after_is_capped(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "later", status=503, headers={"Retry-After": "86400"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_response(json_ok())
    sleeps = Sleeps()

    fetch(session, httpserver.url_for(PATH), timeout=FAST, sleep=sleeps, max_retry_after=60.0)

    assert sleeps == [60.0]


def test_parse_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_4xx_is_not_retried(httpserver: HTTPServer, session: requests.Session, status: int) -> None:
    httpserver.expect_request(PATH).respond_with_data("no", status=status)
    sleeps = Sleeps()
    with pytest.raises(FetchError) as info:
        fetch(session, httpserver.url_for(PATH), timeout=FAST, sleep=sleeps)
    assert len(httpserver.log) == 1
    assert sleeps == []
    assert (info.value.attempts, info.value.status) == (1, status)
    assert f"HTTP {status}" in str(info.value)


def test_conditional_get_304_gives_no_content(httpserver: HTTPServer, session: requests.Session) -> None:
    etag, last_modified = '"geo-v1"', "Wed, 01 Jan 2025 00:00:00 GMT"

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return json_ok(ETag=etag, **{"Last-Modified": last_modified})

    httpserver.expect_request(PATH).respond_with_handler(handler)
    url = httpserver.url_for(PATH)

    first = fetch(session, url, timeout=FAST, sleep=Sleeps())
    assert (first.status, first.content, first.etag, first.last_modified) == (
        200,
        GEOAREA,
        etag,
        last_modified,
    )

    second = fetch(
        session,
        url,
        timeout=FAST,
        sleep=Sleeps(),
        conditional={"If-None-Match": first.etag, "If-Modified-Since": first.last_modified},
    )
    assert second.status == 304
    assert second.not_modified
    assert second.content is None
    sent = httpserver.log[-1][0].headers
    assert sent.get("If-None-Match") == etag
    assert sent.get("If-Modified-Since") == last_modified


def test_304_without_conditional_is_an_error(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_request(PATH).respond_with_data("", status=304)
    with pytest.raises(FetchError):
        fetch(session, httpserver.url_for(PATH), timeout=FAST, sleep=Sleeps())


def test_token_in_query_never_in_error_or_log(
    httpserver: HTTPServer, session: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "SUPERSECRET-4242"
    httpserver.expect_request(PATH).respond_with_data("down", status=500)
    session.headers["Authorization"] = "Bearer HEADERSECRET-99"
    url = httpserver.url_for(PATH) + f"?token={secret}&areaCode=56"

    with caplog.at_level(logging.DEBUG), pytest.raises(FetchError) as info:
        fetch(session, url, timeout=FAST, retries=2, sleep=Sleeps())

    message = str(info.value)
    assert secret not in message
    assert "HEADERSECRET" not in message
    assert "token=REDACTED" in message
    assert "areaCode=56" in message  # only secrets are hidden
    # Everything but the test server's own access log (werkzeug), which is not our code: ours and urllib3's.
    client_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))
    assert "token=REDACTED" in client_log
    assert secret not in client_log
    assert "HEADERSECRET" not in client_log
    assert httpserver.log[0][0].args["token"] == secret  # the server did get the real token


def test_token_in_params_never_in_connection_error(session: requests.Session) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secret = "p@ss/word+1"  # characters that get percent-encoded in the url
    with pytest.raises(FetchError) as info:
        fetch(
            session,
            f"http://127.0.0.1:{port}/x",
            params={"api_key": secret, "page": 1},
            timeout=FAST,
            retries=0,
            sleep=Sleeps(),
        )
    message = str(info.value)
    for form in (secret, requests.utils.quote(secret, safe=""), "p%40ss"):
        assert form not in message
    assert "page=1" in message


def test_success_result_url_is_redacted(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_request(PATH).respond_with_response(json_ok())
    result = fetch(session, httpserver.url_for(PATH) + "?access_token=abcd1234", timeout=FAST, sleep=Sleeps())
    assert "abcd1234" not in result.url
    assert "access_token=REDACTED" in result.url


def test_redaction_helpers() -> None:
    assert redact_url("https://user:pw@h.example/p?seriesCode=EN_ATM_PM25&apikey=k1k1") == (
        "https://REDACTED@h.example/p?seriesCode=EN_ATM_PM25&apikey=REDACTED"
    )
    text = "failed for https://u:secretpw@h.example/x?client_secret=abc123&x=1 with Bearer eyJhbGciOi.xyz"
    cleaned = redact_text(text)
    assert "secretpw" not in cleaned and "abc123" not in cleaned and "eyJhbGciOi" not in cleaned


def test_timeout_is_mandatory(session: requests.Session) -> None:
    with pytest.raises(ValueError, match="timeout"):
        fetch(session, "http://127.0.0.1:1/x", timeout=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="conditional"):
        fetch(session, "http://127.0.0.1:1/x", conditional={"Authorization": "x"})
